from __future__ import annotations

from collections.abc import Iterator

from celerylint.diagnostics import NO_SPAN, Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.pools import BUILTIN_POOLS, custom_pool_in_commands
from celerylint.project.task_model import Task
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid


class AsyncTaskFunction(ProjectRule):
    """
    ## What it does
    Reports an `async def` function made a Celery task (`@app.task`, `@shared_task`, a
    project alias of them).

    It stays silent when the project may run its tasks on a pool that awaits coroutines: a
    `worker_pool` setting or a worker's `-P`/`--pool` option naming a pool that is not one
    of Celery's own (`celery_aio_pool`, `custom`), a Task class of the app replaced
    (`Celery(task_cls=...)`, `app.Task = ...`), or a `base=` class that defines `__call__`
    or that the index cannot see.

    ## Why is this bad?
    Celery's worker calls the task function and takes what it returns as the result.
    Calling an `async def` function only creates a coroutine object: the body never runs,
    Python warns that the coroutine was never awaited, and the task is marked SUCCESS (or
    fails while the coroutine is serialized for the result backend). No built-in pool
    (prefork, threads, solo, eventlet, gevent) runs coroutines.

    ## Use instead
    ```python
    @shared_task
    def refresh_feed(feed_id):
        asyncio.run(_refresh_feed(feed_id))  # or async_to_sync(_refresh_feed)(feed_id)
    ```

    ## Fix safety
    There is no fix: how the coroutine should run (`asyncio.run`, `async_to_sync`, an
    event loop the worker keeps) is for a human to decide.
    """

    code = "CEL108"
    name = "async-task-function"
    message = "Task `{task}` is an `async def`: the worker calls it and gets an un-awaited coroutine, so its body never runs; make it a plain function that runs the coroutine (`asyncio.run`)"
    severity = Severity.ERROR
    examples = (
        Invalid(
            files={
                "feeds/__init__.py": "",
                "feeds/celery.py": """
                    from celery import Celery

                    app = Celery("feeds")
                """,
                "feeds/tasks.py": """
                    from celery import shared_task

                    from feeds.celery import app


                    @shared_task
                    async def refresh_feed(feed_id):  # error@11: CEL108
                        return feed_id


                    @app.task(bind=True, ignore_result=True)
                    async def purge(self, feed_id):  # error@11: CEL108
                        return feed_id
                """,
            }
        ),
        # a plain task that runs its coroutine; an async helper that is not a task
        Valid(
            """
            import asyncio

            from celery import shared_task


            async def _refresh(feed_id):
                return feed_id


            @shared_task
            def refresh_feed(feed_id):
                return asyncio.run(_refresh(feed_id))


            def task(fn):
                return fn


            @task  # not Celery's
            async def handler(event):
                return event
            """
        ),
        # the workers run an asyncio pool that awaits coroutines
        Valid(
            files={
                "feeds/__init__.py": "",
                "feeds/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    async def refresh_feed(feed_id):
                        return feed_id
                """,
                "Procfile": "worker: celery -A feeds worker -P celery_aio_pool.pool:AsyncIOPool\n",
            }
        ),
        # a task base class whose ``__call__`` runs the coroutine
        Valid(
            files={
                "feeds/__init__.py": "",
                "feeds/base.py": """
                    import asyncio
                    import inspect

                    from celery import Task


                    class AsyncTask(Task):
                        def __call__(self, *args, **kwargs):
                            result = self.run(*args, **kwargs)
                            if inspect.isawaitable(result):
                                return asyncio.run(result)
                            return result
                """,
                "feeds/tasks.py": """
                    from celery import shared_task

                    from feeds.base import AsyncTask


                    @shared_task(base=AsyncTask)
                    async def refresh_feed(feed_id):
                        return feed_id
                """,
            }
        ),
        # the app's Task class is replaced: it may await coroutines
        Valid(
            files={
                "feeds/__init__.py": "",
                "feeds/celery.py": """
                    from celery import Celery

                    from feeds.base import AsyncioTask

                    app = Celery("feeds", task_cls=AsyncioTask)
                """,
                "feeds/tasks.py": """
                    from feeds.celery import app


                    @app.task
                    async def refresh_feed(feed_id):
                        return feed_id
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        tasks = [t for t in index.tasks if t.kind == "function" and t.fact.is_async]
        if not tasks or index.replaces_app_task_class or _custom_pool(index):
            return
        for task in tasks:
            if _base_may_await(task):
                continue
            yield Finding(task.path, task.fact.span or NO_SPAN, {"task": task.fact.function})


def _base_may_await(task: Task) -> bool:
    """A ``base=`` class the index cannot see, or one that defines ``__call__``."""
    if not task.base_known:
        return True
    return task.base is not None and ("__call__" in task.base.members or not task.base.complete)


def _custom_pool(index: ProjectIndex) -> bool:
    for value in index.config.values("worker_pool"):
        for candidate in value.candidates:
            if not (isinstance(candidate, str) and candidate.lower() in BUILTIN_POOLS):
                return True
    return custom_pool_in_commands(index.config.files)
