from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.routing_model import routing_model
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.routing import (
    KeyKind,
    dead_route_hint,
    did_you_mean,
    names_project_module,
)

_TASKS = {
    "Procfile": "worker: celery -A proj worker -Q celery,images,feeds,media",
    "proj/__init__.py": "",
    "images/__init__.py": "",
    "images/tasks.py": """
        from celery import shared_task


        @shared_task
        def resize(image_id):
            return image_id


        @shared_task(name="images.thumbnail")
        def make_thumbnail(image_id):
            return image_id
    """,
    "feeds/__init__.py": "",
    "feeds/tasks.py": """
        from celery import shared_task


        @shared_task
        def import_feed(url):
            return url
    """,
}


class DeadRoute(ProjectRule):
    """
    ## What it does
    Reports a `task_routes` key that matches no task of the project: a name with a typo, a
    module path instead of a pattern (`"images.tasks"` rather than `"images.tasks.*"`), a
    regular expression written as a plain string, or `?`/`[...]` in a key without `*`.

    Keys are matched exactly as Celery matches them: exact names first, then keys that
    contain `*` as globs (where `*` also matches dots), then `re.compile(...)` patterns
    with `.match()`. Celery's built-in tasks (`celery.*`) count as tasks. A key is only
    reported when it names the project's own packages (or is a near miss of a task
    name), so routes for tasks of other services and installed packages stay quiet.
    Routes are not checked when a task name is computed at run time.

    ## Why is this bad?
    A route that matches nothing never applies, silently (`MapRoute.__call__` just
    returns None), so the tasks it was meant for go to the default queue instead.
    Only keys containing `*` are globs, and only `re.compile` objects are regular
    expressions: `"(image|video)\\.tasks\\..*"` is a glob that matches nothing.

    ## Use instead
    ```python
    CELERY_TASK_ROUTES = {
        "images.tasks.*": {"queue": "images"},
        "feeds.tasks.import_feed": {"queue": "feeds"},
    }
    ```

    ## Fix safety
    There is no automatic fix: the intended pattern is a guess.
    """

    code = "CEL402"
    name = "dead-route"
    message = "Route `{key}` matches no task, so it never applies{hint}"
    severity = Severity.WARNING
    examples = (
        Invalid(
            files={
                **_TASKS,
                "proj/settings.py": """
                    import re

                    CELERY_TASK_ROUTES = {
                        "images.tasks": {"queue": "images"},  # error: CEL402
                        "feeds.tasks.import_feeds": {"queue": "feeds"},  # error: CEL402
                        "images.tasks.resize_?": "images",  # error: CEL402
                        "(images|feeds)\\\\.tasks\\\\..*": "media",  # error: CEL402
                        re.compile(r"images\\.task\\..*"): "media",  # error: CEL402
                        "images.thumbnail": "images",
                        "celery.*": "celery",
                    }
                """,
            }
        ),
        Invalid(
            files={
                **_TASKS,
                "proj/celeryconfig.py": """
                    task_routes = [
                        [("images.*", "images"), ("feeds.tasks.import_*", "feeds")],
                        {"feeds.task.import_feed": "feeds"},  # error@6: CEL402
                    ]
                """,
            }
        ),
        # the table is a constant of another module
        Invalid(
            files={
                **_TASKS,
                "proj/routing.py": """
                    ROUTES = {
                        "images.*": "images",
                        "feeds.tasks.import": "feeds",  # error: CEL402
                    }
                """,
                "proj/settings.py": """
                    from proj.routing import ROUTES

                    CELERY_TASK_ROUTES = ROUTES
                """,
            }
        ),
        # routes written inside an app factory configure the app it returns
        Invalid(
            files={
                **_TASKS,
                "proj/celery.py": """
                    from celery import Celery


                    def make_celery(config):
                        celery = Celery("proj", broker=config["BROKER_URL"])
                        celery.conf.update(
                            task_routes={
                                "images.tasks.*": "images",
                                "feeds.tasks.import_feeds": "feeds",  # error@13: CEL402
                            },
                        )
                        celery.conf.task_default_queue = "celery"
                        return celery


                    celery = make_celery({"BROKER_URL": "redis://"})
                """,
            }
        ),
        # near misses: a factory that returns something else configures no known app, and
        # a factory's routes that match its tasks are fine
        Valid(
            files={
                **_TASKS,
                "proj/celery.py": """
                    from celery import Celery


                    def make_celery(config):
                        celery = Celery("proj")
                        celery.conf.update(task_routes={"feeds.tasks.import_feeds": "feeds"})
                        return config


                    celery = make_celery({})
                """,
            }
        ),
        Valid(
            files={
                **_TASKS,
                "proj/celery.py": """
                    from celery import Celery


                    def make_celery(config):
                        celery = Celery("proj")
                        celery.conf["task_routes"] = {
                            "images.tasks.*": "images",
                            "feeds.tasks.import_feed": "feeds",
                        }
                        return celery


                    celery = make_celery({})
                """,
            }
        ),
        Valid(
            files={
                **_TASKS,
                "proj/settings.py": """
                    import re

                    CELERY_TASK_ROUTES = {
                        "images.tasks.*": {"queue": "images"},
                        "feeds.tasks.import_feed": {"queue": "feeds"},
                        re.compile(r"(images|feeds)\\.tasks\\..*"): "media",
                        "images.thumbnail": "images",
                        # tasks of another service or of installed packages
                        "billing_service.charge": "billing",
                        "django_celery_beat.*": "beat",
                    }
                """,
            }
        ),
        # a task whose name is computed: any key may match it
        Valid(
            files={
                **_TASKS,
                "proj/settings.py": 'CELERY_TASK_ROUTES = {"images.tasks.crop": "images"}',
                "images/crop.py": """
                    from celery import shared_task

                    PREFIX = __name__.rsplit(".", 1)[0]


                    @shared_task(name=PREFIX + ".tasks.crop")
                    def crop(image_id):
                        return image_id
                """,
            }
        ),
        # class-based tasks and tasks under decorators from other packages count as tasks
        Valid(
            files={
                **_TASKS,
                "proj/settings.py": """
                    CELERY_TASK_ROUTES = {
                        "images.tasks.Watermark": "images",
                        "feeds.tasks.refresh": "feeds",
                    }
                """,
                "images/tasks.py": """
                    from celery import Task


                    class Watermark(Task):
                        def run(self, image_id):
                            return image_id
                """,
                "feeds/tasks.py": """
                    from vendor.celery_utils import locked_task


                    @locked_task
                    def refresh():
                        return None
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        model = routing_model(index)
        names = model.names
        candidates = (*names.known, *names.possible, *names.builtins)
        seen: set[tuple[str, int, int]] = set()
        for source in model.route_sources:
            for entry in source.routes.entries():
                hint = dead_route_hint(entry, set(index.modules))
                matched = names.matching(entry)
                if matched is True or (matched is None and not hint):
                    continue
                if not hint and entry.kind is KeyKind.EXACT:
                    close = did_you_mean(entry.key, candidates)
                    hint = f"; did you mean `{close}`?" if close else ""
                if not hint and not names_project_module(entry.key, model.top_level_packages):
                    continue
                path, span = model.locate("route-key", entry.key, source.source.path)
                if span is None and path == source.source.path:
                    span = source.source.span
                if span is None or (path, span.line, span.column) in seen:
                    continue
                seen.add((path, span.line, span.column))
                yield Finding(path, span, {"key": entry.key, "hint": hint})
