import os

from celery import Celery


def make_celery(flask_app):
    celery = Celery(flask_app.import_name, include=["ledger.tasks.billing", "ledger.tasks.mail"])
    celery.config_from_object(
        os.environ.get("LEDGER_CELERY_CONFIG", "ledger.config.production")
    )
    celery.conf.update(
        task_routes={
            "ledger.tasks.billing.*": {"queue": "ledger"},
            "ledger.tasks.mail.*": {"queue": "mail"},
            "ledger.tasks.reports.*": {"queue": "reports"},  # error: CEL402
        },
    )

    class ContextTask(celery.Task):
        def __call__(self, *args, **kwargs):
            with flask_app.app_context():
                return self.run(*args, **kwargs)

    celery.Task = ContextTask
    return celery
