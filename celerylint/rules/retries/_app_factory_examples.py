"""CEL201's near misses of an app factory (a ``make_celery`` whose result is not the app
it built), kept apart from the rule's module for its length. They are the last of
CEL201's examples (``RetryWithoutBind.examples``): tests run them like the others."""

from __future__ import annotations

from celerylint.rules.base import Example, Valid

APP_FACTORY_NEAR_MISSES: tuple[Example, ...] = (
    # near misses of an app factory: what ``make_celery`` returns is not the app it
    # built (another object, one of several returns, a local bound again): ``celery``
    # is not known to be an app, so ``@celery.task`` may be anything
    Valid(
        """
        from celery import Celery


        def make_celery(app):
            celery = Celery(app.import_name)
            celery.conf.update(app.config)
            return app


        celery = make_celery(object())


        @celery.task
        def send_digest(user_id):
            raise self.retry()
        """
    ),
    Valid(
        """
        from celery import Celery


        def make_celery(app, testing=False):
            celery = Celery(app.import_name)
            if testing:
                return Stub()
            return celery


        celery = make_celery(object())


        @celery.task
        def send_digest(user_id):
            raise self.retry()
        """
    ),
    Valid(
        """
        from celery import Celery


        def make_celery(app):
            celery = Celery(app.import_name)
            celery = wrap(celery)
            return celery


        celery = make_celery(object())


        @celery.task
        def send_digest(user_id):
            raise self.retry()
        """
    ),
    # a function named ``make_celery`` that returns something else makes no app
    Valid(
        """
        from proj.jobs import Scheduler


        def make_celery(name):
            scheduler = Scheduler(name)
            return scheduler


        celery = make_celery("proj")


        @celery.task(max_retries=3)
        def send_digest(self, user_id):
            return user_id
        """,
        path="proj/worker.py",
        files={"proj/__init__.py": ""},
    ),
)
