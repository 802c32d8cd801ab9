"""The shared "what is a task" layer: every way a project makes tasks, and their options."""

from __future__ import annotations

import inspect
from pathlib import Path

import libcst as cst

from celerylint.diagnostics import TaskCondition
from celerylint.kit.names import Frame, NameResolver
from celerylint.kit.values import UNKNOWN, Ref
from celerylint.project.index import ProjectIndex
from celerylint.project.option_sites import extra_option_names
from celerylint.semantics.tasks import decorator_alias
from celerylint.testing import index_project, write_files

PROJECT = {
    "proj/__init__.py": "from .celery import app as celery_app\n",
    "proj/celery.py": """
        from celery import Celery

        app = Celery("proj")
        reports = Celery("reports")
    """,
    "proj/options.py": """
        from celery import Task, shared_task

        RETRY_OPTIONS = {"autoretry_for": (ConnectionError,), "retry_backoff": True}
        MAX = 7
        shared_task_with_retry = shared_task(
            acks_late=True, autoretry_for=(Exception,), retry_kwargs={"max_retries": 3}
        )
        spread_alias = shared_task(**RETRY_OPTIONS)
        dynamic_alias = shared_task(**load_options())


        class BaseTask(Task):
            acks_late = True
            retry_backoff = True

            def on_failure(self, *args):
                return self.alert_channel


        class AbstractMixin:
            typing = False


        class ChildTask(AbstractMixin, BaseTask):
            max_retries = MAX


        def traced_task(*args, **kwargs):
            def decorator(fn):
                return shared_task(*args, bind=True, **kwargs)(fn)

            return decorator


        def every(minutes):
            return shared_task(ignore_result=True)
    """,
    "proj/tasks.py": """
        from celery import shared_task as task
        from celery_once import QueueOnce

        from proj import celery_app
        from proj.celery import reports
        from proj.options import (
            RETRY_OPTIONS,
            BaseTask,
            ChildTask,
            dynamic_alias,
            every,
            shared_task_with_retry,
            spread_alias,
            traced_task,
        )


        @task
        def plain():
            return 1


        @celery_app.task(bind=True)
        def on_app(self):
            return 1


        @reports.task
        def on_second_app():
            return 1


        @shared_task_with_retry
        def via_alias():
            return 1


        @task(**RETRY_OPTIONS)
        def via_spread():
            return 1


        @spread_alias
        def via_spread_alias():
            return 1


        @dynamic_alias
        def via_dynamic_alias():
            return 1


        @task(**unknown_options())
        def via_dynamic_spread():
            return 1


        @task(base=BaseTask)
        def with_base():
            return 1


        @task(base=ChildTask, retry_backoff=False)
        def with_child_base():
            return 1


        @task(base=QueueOnce)
        def with_foreign_base():
            return 1


        @traced_task(queue="traced")
        def via_wrapper(self):
            return 1


        @every(minutes=5)
        def via_plain_wrapper():
            return 1


        class Registered(BaseTask):
            name = "registered"

            def run(self, x):
                return x


        class Unregistered(BaseTask):
            def run(self):
                return 1


        celery_app.register_task(Registered())
    """,
    "other/__init__.py": "",
    "other/tasks.py": """
        from some_registry import registry


        @registry.task
        def not_celery():
            return 1


        def task(fn):
            return fn


        @task
        def also_not_celery():
            return 1
    """,
}


def _index(tmp_path: Path) -> ProjectIndex:
    write_files(tmp_path, {k: inspect.cleandoc(v) + "\n" for k, v in PROJECT.items()})
    return index_project(tmp_path)


def test_every_form_of_task_is_recognised(tmp_path: Path) -> None:
    index = _index(tmp_path)
    functions = {t.fact.function for t in index.tasks if t.module == "proj.tasks"}
    assert functions == {
        "plain",
        "on_app",
        "on_second_app",
        "via_alias",
        "via_spread",
        "via_spread_alias",
        "via_dynamic_alias",
        "via_dynamic_spread",
        "with_base",
        "with_child_base",
        "with_foreign_base",
        "via_wrapper",
        "via_plain_wrapper",
        "Registered",  # a registered Task subclass
    }
    assert not [t for t in index.tasks if t.module == "other.tasks"]


def test_options_from_aliases_spreads_and_wrappers(tmp_path: Path) -> None:
    index = _index(tmp_path)
    task = {t.fact.function: t for t in index.tasks}
    assert task["on_app"].option("bind") is True
    assert task["plain"].option("bind") is False
    assert task["plain"].option("autoretry_for") == ()  # Celery's autoretry default
    assert task["via_alias"].option("acks_late") is True
    assert task["via_alias"].option("autoretry_for") == (Ref("builtins.Exception"),)
    assert task["via_spread"].option("retry_backoff") is True
    assert task["via_spread_alias"].option("autoretry_for") == (Ref("builtins.ConnectionError"),)
    assert task["via_spread"].origins["retry_backoff"].kind == "dict"
    # a non-literal spread makes every option it could set unknown
    assert task["via_dynamic_alias"].option("bind") is UNKNOWN
    assert task["via_dynamic_spread"].option("acks_late") is UNKNOWN
    assert task["via_dynamic_spread"].name is None
    # a wrapper that forwards **kwargs: its own options plus the ones at the use site
    assert task["via_wrapper"].option("bind") is True
    assert task["via_wrapper"].option("queue") == "traced"
    # a wrapper that does not forward: its parameters are not task options
    assert "minutes" not in task["via_plain_wrapper"].options
    assert task["via_plain_wrapper"].option("ignore_result") is True


def test_base_classes_contribute_options(tmp_path: Path) -> None:
    index = _index(tmp_path)
    task = {t.fact.function: t for t in index.tasks}
    assert task["with_base"].option("acks_late") is True
    assert task["with_base"].origins["acks_late"].kind == "class"
    child = task["with_child_base"]
    assert child.option("acks_late") is True  # inherited through ChildTask
    assert child.option("max_retries") == 7  # a project constant
    assert child.option("typing") is False  # from a mixin
    assert child.option("retry_backoff") is False  # the decorator wins over the base
    foreign = task["with_foreign_base"]
    assert foreign.option("acks_late") is UNKNOWN  # QueueOnce may set anything
    assert foreign.option("bind") is False  # but not decorator-only options
    assert extra_option_names(index, task["with_base"]) == frozenset(
        {"acks_late", "retry_backoff", "on_failure", "alert_channel"}
    )


def test_task_classes(tmp_path: Path) -> None:
    index = _index(tmp_path)
    assert {
        "proj.options.BaseTask",
        "proj.options.ChildTask",
        "proj.tasks.Registered",
        "proj.tasks.Unregistered",
    } <= index.task_classes
    assert index.task_finder.registered_task_classes == frozenset({"proj.tasks.Registered"})
    registered = next(t for t in index.tasks if t.kind == "class")
    assert registered.name == "registered"
    assert [p.name for p in registered.fact.params] == ["x"]
    assert registered.option("acks_late") is True


def test_conditions(tmp_path: Path) -> None:
    index = _index(tmp_path)
    path = next(p for p in index.by_path if p.endswith("tasks.py") and "proj" in p)
    assert index.condition_holds(path, TaskCondition("on_app", (("bind", True),)))
    assert not index.condition_holds(path, TaskCondition("plain", (("bind", True),)))
    assert not index.condition_holds(path, TaskCondition("via_dynamic_spread", (("bind", False),)))
    assert index.condition_holds(path, TaskCondition("Unregistered", holder="class"))
    assert index.condition_holds(
        path, TaskCondition("with_base", any_truthy=("acks_late", "autoretry_for"))
    )
    assert not index.condition_holds(
        path, TaskCondition("plain", any_truthy=("acks_late", "autoretry_for"))
    )
    assert index.condition_holds(path, TaskCondition("", task_ref="proj.tasks.via_alias"))
    options = next(p for p in index.by_path if p.endswith("options.py"))
    assert index.condition_holds(
        options, TaskCondition("shared_task_with_retry", (("acks_late", True),), "factory")
    )
    assert not index.condition_holds(options, TaskCondition("MAX", holder="factory"))


def test_transactions(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/db.py": inspect.cleandoc(
                """
                import contextlib

                from django.db import transaction


                @contextlib.contextmanager
                def traced_atomic(name):
                    with transaction.atomic():
                        yield


                def atomic_default():
                    return transaction.atomic(using="default")


                @contextlib.contextmanager
                def span(name):
                    yield
                """
            ),
        },
    )
    index = index_project(tmp_path)
    assert index.transactions.is_atomic_wrapper("app.db.traced_atomic")
    assert index.transactions.is_atomic_wrapper("app.db.atomic_default")
    assert not index.transactions.is_atomic_wrapper("app.db.span")


def _alias_of(source: str) -> str | None:
    module = cst.parse_module("import functools\nfrom celery import shared_task\n" + source)
    frame = Frame("module", module)
    frame.bindings.update(
        {"functools": "functools", "shared_task": "celery.shared_task", "app": "proj.app"}
    )
    resolver = NameResolver("proj.base", frame, False)
    stmt = module.body[-1]
    assert isinstance(stmt, cst.SimpleStatementLine)
    assign = stmt.body[0]
    assert isinstance(assign, cst.Assign)
    found = decorator_alias(assign.value, resolver.resolve)
    return None if found is None else found.ref


def test_decorator_alias_forms() -> None:
    assert _alias_of("task = app.task\n") == "proj.app.task"
    assert _alias_of("task = shared_task\n") == "celery.shared_task"
    assert _alias_of("retrying = shared_task(acks_late=True)\n") == "celery.shared_task"
    assert _alias_of("bound = functools.partial(app.task, bind=True)\n") == "proj.app.task"
    assert _alias_of("bound = functools.partial(app.task, **OPTIONS)\n") == "proj.app.task"
    # near misses: a task made from a function, a partial of something else, a partial
    # with more positional arguments, the app's registry
    assert _alias_of("made = shared_task(func)\n") is None
    assert _alias_of("other = functools.partial(print, bind=True)\n") is None
    assert _alias_of("odd = functools.partial(app.task, func)\n") is None
    assert _alias_of("registry = app.tasks\n") is None
