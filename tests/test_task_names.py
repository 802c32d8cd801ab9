"""Task names: the index must name every task exactly as Celery does (``gen_task_name``)."""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from celerylint.semantics import celery_data
from celerylint.semantics.tasks import generated_task_name
from celerylint.testing import index_project, write_files

PROJECT = {
    "namespkg/__init__.py": """
        from celery import shared_task


        @shared_task
        def in_package():
            return 1
    """,
    "namespkg/app.py": """
        from celery import Celery

        app = Celery("namespkg")


        @app.task
        def on_app():
            return 1


        @app.task(name="custom.on_app")
        def on_app_named():
            return 1
    """,
    "namespkg/tasks.py": """
        from celery import shared_task

        from namespkg.app import app

        NAME = "constant.name"


        @shared_task
        def plain():
            return 1


        @shared_task(name="explicit.name")
        def explicit():
            return 1


        @shared_task(name=None)
        def none_name():
            return 1


        @shared_task(name=NAME)
        def from_constant():
            return 1


        @app.task(bind=True)
        def imported_app(self):
            return 1


        class Jobs:
            @shared_task
            def in_class():
                return 1


        def factory():
            @shared_task
            def made_in_function():
                return 1

            return made_in_function


        made = factory()
    """,
    "namespkg/sub/__init__.py": "",
    "namespkg/sub/deep.py": """
        from celery import shared_task


        @shared_task()
        def deep():
            return 1
    """,
}


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    write_files(tmp_path, {k: _dedent(v) for k, v in PROJECT.items()})
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "namespkg" or m.startswith("namespkg.")]:
            del sys.modules[name]


def _dedent(text: str) -> str:
    return inspect.cleandoc(text) + "\n"


def test_index_names_tasks_like_celery(project: Path) -> None:
    for module in ("namespkg", "namespkg.app", "namespkg.tasks", "namespkg.sub.deep"):
        importlib.import_module(module)
    app: Celery = sys.modules["namespkg.app"].app
    app.finalize(auto=True)
    celery_names = set(app.tasks) - set(celery_data.BUILTIN_TASK_NAMES)

    index = index_project(project)
    ours = {t.name for t in index.tasks}
    assert ours == celery_names
    assert "namespkg.tasks.in_class" in ours  # ``__name__``, not the qualified name
    assert "namespkg.tasks.made_in_function" in ours
    assert "namespkg.tasks.none_name" in ours


def test_generated_name() -> None:
    assert generated_task_name("proj.tasks", "send") == "proj.tasks.send"
    assert generated_task_name("proj.tasks", "Outer.send") == "proj.tasks.send"
    assert generated_task_name("", "send") == "send"


def test_builtin_task_names_match_installed_celery() -> None:
    app = Celery("probe", set_as_current=False)
    app.finalize(auto=True)
    assert set(celery_data.BUILTIN_TASK_NAMES) == {n for n in app.tasks if n.startswith("celery.")}


def test_possible_task_names(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/tasks.py": _dedent(
                """
                from celery import Task
                from vendor.decorators import job

                from pkg.app import app


                class Base(Task):
                    abstract = True


                class Export(Base):
                    name = "pkg.export"


                class Import(Base):
                    pass


                @job
                def vendor_task():
                    return 1


                @app.task(name=PREFIX + "dynamic")
                def dynamic():
                    return 1
                """
            ),
            "pkg/app.py": "from celery import Celery\n\napp = Celery('pkg')\n",
        },
    )
    index = index_project(tmp_path)
    assert {
        "pkg.export",
        "pkg.tasks.Import",
        "pkg.tasks.vendor_task",
    } <= index.task_finder.possible_task_names
    assert not index.task_names_complete


def test_a_script_that_python_cannot_import_gives_no_generated_name(tmp_path: Path) -> None:
    # seen on real code: ``scripts/sync-data.py`` and ``my-tools/`` are run, not imported
    write_files(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/sync-data.py": _dedent(
                """
                from celery import shared_task


                @shared_task
                def sync():
                    return 1


                @shared_task(name="proj.sync_named")
                def sync_named():
                    return 1
                """
            ),
            "proj/tasks.py": _dedent(
                """
                from celery import shared_task


                @shared_task
                def ok():
                    return 1
                """
            ),
        },
    )
    index = index_project(tmp_path)
    names = {t.fact.function: t.name for t in index.tasks}
    assert names == {"sync": None, "sync_named": "proj.sync_named", "ok": "proj.tasks.ok"}
