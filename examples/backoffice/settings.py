from proj.settings.base import *  # noqa: F403

ROOT_URLCONF = "backoffice.urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_celery_results",
    "shop",
    "backoffice.exports",
]
# Staff views run in a transaction: tasks they send must wait for the commit.
DATABASES["default"]["ATOMIC_REQUESTS"] = True  # noqa: F405
