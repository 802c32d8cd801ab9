"""The facts behind CEL610 and CEL611: task return values JSON cannot encode, results
looked up by id, and the backend and serializer production stores results with."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest

from celerylint.project.results import production_backends, result_serializer
from celerylint.testing import index_project, write_files

APP = (
    'from celery import Celery\n\napp = Celery("app", broker="redis://r", backend="redis://r/1")\n'
)


def _returns(tmp_path: Path, body: str) -> list[tuple[int, str, str]]:
    """(line in ``body``, kind, text) of the task returns the collector records."""
    header = "from app.celery import app\n\n\n@app.task\ndef t(x, y):\n"
    source = header + textwrap.indent(body, "    ") + "\n"
    write_files(tmp_path, {"app/__init__.py": "", "app/celery.py": APP, "app/tasks.py": source})
    facts = index_project(tmp_path).modules["app.tasks"]
    return [(r.span.line - 5 if r.span else 0, r.kind, r.text) for r in facts.task_returns]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("return {x, y}", [(1, "set", "{x, y}")]),
        ("return frozenset(x)", [(1, "frozenset", "frozenset(x)")]),
        ("s = set(x)\ns |= {y}\nreturn s", [(3, "set", "s")]),
        ("s = set(x)\ns += [y]\nreturn s", []),  # not a set operator: forgotten
        ("s = set(x) | set(y)\nreturn s", [(2, "set", "s")]),
        ("s = set(x)\nreturn list(s)", []),
        ("q = M.objects.filter(a=x)\nreturn q.first()", [(2, "model instance", "q.first()")]),
        ("q = M.objects.filter(a=x)\nreturn q.count()", []),
        ("o, _ = M.objects.get_or_create(a=x)\nreturn [o.pk, o]", [(2, "model instance", "o")]),
        ("return M.objects.get_or_create(a=x)", [(1, "pair", "M.objects.get_or_create(a=x)")]),
        ("return M.objects.values('a')", [(1, "queryset", "M.objects.values('a')")]),
        ("return x if y else M.objects.all()", [(1, "queryset", "M.objects.all()")]),
        ("for x in M.objects.all():\n    pass\nreturn x", []),
        ("with open(x) as f:\n    return f", [(2, "file object", "f")]),
        ("with open(x) as f:\n    return f.read()", []),
        ("def inner():\n    return {x}\nreturn 1", []),
        ("set = list\nreturn set(x)", []),
    ],
)
def test_task_returns(tmp_path: Path, body: str, expected: list[tuple[int, str, str]]) -> None:
    assert _returns(tmp_path, body) == expected


def test_results_by_id_know_whether_the_function_sent_a_task(tmp_path: Path) -> None:
    body = inspect.cleandoc(
        """
        from celery.result import AsyncResult, GroupResult

        from app.celery import app
        from app.tasks import t


        def poll(task_id):
            r = AsyncResult(task_id)
            r.state
            r.get()
            AsyncResult(task_id).revoke()
            return app.AsyncResult(task_id, backend=None).ready()


        def send_and_poll(x):
            sent = t.delay(x, x)
            return AsyncResult(sent.id).get()


        def restore(group_id):
            return GroupResult.restore(group_id), app.GroupResult.restore(group_id)
        """
    )
    write_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/celery.py": APP,
            "app/tasks.py": "from app.celery import app\n\n\n@app.task\ndef t(x, y):\n    return x\n",
            "app/views.py": body + "\n",
        },
    )
    facts = index_project(tmp_path).modules["app.views"]
    found = [
        (f.span.line if f.span else 0, f.text, f.read, f.dispatched, f.options)
        for f in facts.results_by_id
    ]
    assert found == [
        (8, "AsyncResult(task_id)", "state", False, False),  # one fact per lookup
        (12, "app.AsyncResult(task_id, backend=None)", "ready", False, True),
        (17, "AsyncResult(sent.id)", "get", True, False),
        (21, "GroupResult.restore(group_id)", "restore", False, False),
        (21, "app.GroupResult.restore(group_id)", "restore", False, False),
    ]


@pytest.mark.parametrize(
    ("config", "backends", "serializer"),
    [
        ("", (), "json"),
        ('app.conf.result_backend = "rpc://"', ("rpc",), "json"),
        ('app.conf.result_backend = "db+postgresql://db/r"', ("db",), "json"),
        ("app.conf.result_backend = None", ("disabled",), "json"),
        ('app.conf.result_serializer = "msgpack"', (), "msgpack"),
        ('import os\napp.conf.result_backend = os.environ["B"]', None, "json"),
    ],
)
def test_production_backend_and_serializer(
    tmp_path: Path, config: str, backends: tuple[str, ...] | None, serializer: str | None
) -> None:
    app = 'from celery import Celery\n\napp = Celery("app", broker="redis://r")\n' + config + "\n"
    write_files(tmp_path, {"app/__init__.py": "", "app/celery.py": app})
    index = index_project(tmp_path)
    assert production_backends(index) == backends
    assert result_serializer(index) == serializer
