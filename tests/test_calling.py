"""The calling semantics behind CEL601-CEL609: signature binding, the result dataflow,
canvas shapes, request handlers, call arguments and times, and backend chord support."""

from __future__ import annotations

import inspect
from pathlib import Path

import libcst as cst
import pytest

from celerylint.diagnostics import FixSafety
from celerylint.factdata import ParamFact
from celerylint.kit.values import UNKNOWN, evaluate, timedelta_seconds
from celerylint.project.calls import chord_support
from celerylint.project.index import ProjectIndex
from celerylint.project.results import source_confirmed
from celerylint.semantics import celery_data
from celerylint.semantics.arity import bind, caller_parameters, render_signature
from celerylint.semantics.calls import (
    NOW,
    args_form,
    backend_alias,
    duration,
    eta_delay,
    expiry_conflict,
    moment,
    task_arguments,
)
from celerylint.testing import index_project, run_files, write_files


def _params(source: str) -> tuple[ParamFact, ...]:
    """ParamFacts of ``def f(<source>)``, through the real fact collector."""
    from celerylint.facts.extract import _params as extract

    module = cst.parse_module(f"def f({source}): pass\n")
    func = module.body[0]
    assert isinstance(func, cst.FunctionDef)
    return extract(func.params)


def _python_binds(source: str, positional: int, keywords: tuple[str, ...]) -> bool:
    namespace: dict[str, object] = {}
    exec(f"def f({source}): pass", namespace)
    try:
        inspect.signature(namespace["f"]).bind(*range(positional), **dict.fromkeys(keywords))  # type: ignore[arg-type]
    except TypeError:
        return False
    return True


SIGNATURES = [
    "a, b, c=None",
    "a, /, b, *, c",
    "*args, **kwargs",
    "a, *args, k=1",
    "a, b=2, /, c=3, *, d, **rest",
    "",
]
CALLS = [
    (0, ()),
    (1, ()),
    (2, ()),
    (3, ()),
    (5, ()),
    (1, ("b",)),
    (1, ("a",)),
    (0, ("a", "b")),
    (1, ("c",)),
    (2, ("d",)),
    (1, ("d", "x")),
    (0, ("b",)),
]


@pytest.mark.parametrize("source", SIGNATURES)
@pytest.mark.parametrize(("positional", "keywords"), CALLS)
def test_bind_agrees_with_python(source: str, positional: int, keywords: tuple[str, ...]) -> None:
    problem = bind(_params(source), positional, keywords)
    assert (problem is None) == _python_binds(source, positional, keywords), problem


def test_bind_problems_read_like_python() -> None:
    params = _params("image_id, width, height=None")
    assert bind(params, 1).describe() == "missing 1 required argument: 'width'"  # type: ignore[union-attr]
    assert bind(params, 0).describe() == (  # type: ignore[union-attr]
        "missing 2 required arguments: 'image_id' and 'width'"
    )
    assert bind(params, 4).describe() == (  # type: ignore[union-attr]
        "takes 3 positional arguments but 4 were given"
    )
    assert bind(params, 2, ("depth",)).describe() == (  # type: ignore[union-attr]
        "got an unexpected keyword argument 'depth'"
    )
    assert bind(params, 1, ("image_id",)).describe() == (  # type: ignore[union-attr]
        "got multiple values for argument 'image_id'"
    )
    assert bind(_params("a, /"), 0, ("a",)).kind == "positional-only"  # type: ignore[union-attr]


def test_partial_and_prepended_binding() -> None:
    params = _params("rows, recipient")
    assert bind(params, 1, partial=True) is None
    assert bind(params, 1, prepended=1) is None
    assert bind(params, 2, prepended=1, partial=True).kind == "too-many"  # type: ignore[union-attr]
    assert bind(params, 1, ("rows",), prepended=1, partial=True).kind == "duplicate"  # type: ignore[union-attr]


def test_caller_parameters_drop_self_for_bound_tasks() -> None:
    params = _params("self, invoice_id")
    assert [p.name for p in caller_parameters(params, True) or ()] == ["invoice_id"]
    assert [p.name for p in caller_parameters(params, False) or ()] == ["self", "invoice_id"]
    assert caller_parameters(params, UNKNOWN) is None
    assert caller_parameters(_params("*args"), True) == _params("*args")
    assert caller_parameters(_params("*, x"), True) is None


def test_render_signature() -> None:
    assert render_signature(_params("a, /, b=1, *, c, **kw")) == "(a, /, b=..., *, c, **kw)"
    assert render_signature(_params("a, *rest, k=1")) == "(a, *rest, k=...)"


# -- the result dataflow -------------------------------------------------------------------

TASKS = """
from celery import shared_task


@shared_task
def fetch(url):
    return url
"""


def _reads(tmp_path: Path, body: str) -> list[tuple[int, str, str | None]]:
    """(line, read, source ref or method) of every result read in ``body`` whose source
    the index confirms (facts also keep unconfirmed candidates, such as a pool's
    ``apply_async``, for phase 2 to drop)."""
    write_files(tmp_path, {"app/__init__.py": "", "app/tasks.py": TASKS, "app/use.py": body})
    index = index_project(tmp_path)
    facts = index.modules["app.use"]
    return [
        (r.span.line if r.span else 0, r.read, r.source.ref or r.source.method)
        for r in facts.result_reads
        if source_confirmed(r.source, index)
    ]


def test_results_are_traced_through_names_loops_and_comprehensions(tmp_path: Path) -> None:
    body = inspect.cleandoc(
        """
        from app.tasks import fetch


        def run(urls, cache):
            r = fetch.delay(1)
            r.get()
            results = [fetch.delay(u) for u in urls]
            [x.get() for x in results]
            for i, x in enumerate(results):
                x.state
            pending = []
            for u in urls:
                pending.append(fetch.apply_async((u,)))
            pending[0].wait()
            for url, res in zip(urls, pending):
                res.ready()
            if (w := fetch.delay(2)):
                w.result
            a, b = fetch.delay(3), cache
            a.join()
            b.get("key")
            cache.get("x")
            more = list(results)
            more[-1].get()

            def inner():
                return r.get()

            r = {}
            r.get("x")
        """
    )
    reads = _reads(tmp_path, body + "\n")
    assert reads == [
        (6, "get", "app.tasks.fetch"),
        (8, "get", "app.tasks.fetch"),
        (10, "state", "app.tasks.fetch"),
        (14, "wait", "app.tasks.fetch"),
        (16, "ready", "app.tasks.fetch"),
        (18, "result", "app.tasks.fetch"),
        (20, "join", "app.tasks.fetch"),
        (24, "get", "app.tasks.fetch"),
        (27, "get", "app.tasks.fetch"),
    ]


def test_other_get_calls_are_never_results(tmp_path: Path) -> None:
    body = inspect.cleandoc(
        """
        from multiprocessing import Pool

        import requests

        from app.tasks import fetch

        pool = Pool(2)


        def run(request, result, data, urls):
            request.GET.get("q")
            result.get()
            pool.apply_async(len, ("x",)).get()
            requests.get("https://example.com")
            data.get("x").get("y")
            fetch.delay(1).id
            results = [fetch.delay(u) for u in urls]
            results.get("x")
            for result in results:
                pass
            fetch = {"a": 1}
            fetch.get("a")
            sig = fetch.s(1)
            sig().get()
        """
    )
    assert _reads(tmp_path, body + "\n") == []


def test_canvas_and_celery_results(tmp_path: Path) -> None:
    body = inspect.cleandoc(
        """
        from celery import chain, chord, current_app, group
        from celery.result import AsyncResult, GroupResult

        from app.tasks import fetch


        def run(ids, task_id):
            chain(fetch.s(1), fetch.s()).apply_async().get()
            (fetch.s(1) | fetch.s())().get()
            group(fetch.s(i) for i in ids)().join()
            chord([fetch.s(1)])(fetch.s()).get()
            AsyncResult(task_id).get()
            GroupResult.restore(task_id).join()
            current_app.send_task("app.tasks.fetch", args=(1,)).get()
            fetch.AsyncResult(task_id).state
            fetch.s(1).delay().get()
        """
    )
    assert _reads(tmp_path, body + "\n") == [
        (8, "get", "chain"),
        (9, "get", "chain"),
        (10, "join", "group"),
        (11, "get", "chain"),
        (12, "get", "AsyncResult"),
        (13, "join", "restore"),
        (14, "get", "celery.current_app"),
        (15, "state", "app.tasks.fetch"),
        (16, "get", "app.tasks.fetch"),
    ]


# -- canvas shapes ---------------------------------------------------------------------------


def test_canvas_roles(tmp_path: Path) -> None:
    body = inspect.cleandoc(
        """
        from celery import chain, chord, group, signature

        from app.tasks import fetch


        def run(ids):
            chain(fetch.s(1), fetch.s(), group(fetch.s(), fetch.si(2)), fetch.s())
            fetch.s(1) | (fetch.s() | fetch.s())
            chord([fetch.s(1)], fetch.s())()
            chord(fetch.s(i) for i in ids)(fetch.s())
            fetch.apply_async((1,), link=[fetch.s(), chain(fetch.s(), fetch.s())], link_error=fetch.s())
            fetch.s(1).set(queue="q").link(fetch.s())
            signature("app.tasks.fetch", args="x")
        """
    )
    write_files(tmp_path, {"app/__init__.py": "", "app/tasks.py": TASKS, "app/use.py": body})
    facts = index_project(tmp_path).modules["app.use"]
    placed = [
        (s.span.line if s.span else 0, s.role, s.receives_parent, s.chord) for s in facts.signatures
    ]
    assert placed == [
        (7, "chain", False, -1),
        (7, "chain", True, -1),
        (7, "chord-header", True, 0),
        (7, "chord-header", True, 0),
        (7, "chord-body", True, 0),
        (8, "chain", False, -1),
        (8, "chain", True, -1),
        (8, "chain", True, -1),
        (9, "chord-header", False, 1),
        (9, "chord-body", True, 1),
        (10, "chord-header", False, 2),
        (10, "chord-body", True, 2),
        (11, "link", True, -1),
        (11, "link", True, -1),
        (11, "chain", True, -1),
        (12, "link", True, -1),
        (13, "", False, -1),
    ]
    assert [c.kind for c in facts.chords] == ["group-chain", "chord", "chord"]
    assert facts.signatures[-1].task_name == "app.tasks.fetch"
    assert facts.signatures[-1].args_form == "string"
    assert facts.signatures[3].immutable is True


def test_bitwise_or_on_other_values_is_no_canvas(tmp_path: Path) -> None:
    body = inspect.cleandoc(
        """
        from django.db.models import Q


        def run(a, b):
            return Q(a=1) | Q(b=2), a | b, {1} | {2}
        """
    )
    write_files(tmp_path, {"app/__init__.py": "", "app/tasks.py": TASKS, "app/use.py": body})
    facts = index_project(tmp_path).modules["app.use"]
    assert facts.signatures == () and facts.chords == ()


# -- request handlers --------------------------------------------------------------------------


def test_request_handlers(tmp_path: Path) -> None:
    from celerylint.project.handlers import is_request_handler

    files = {
        "web/__init__.py": "",
        "web/tasks.py": TASKS,
        "web/apps.py": "from flask import Blueprint\nfrom fastapi import APIRouter\n\n"
        "bp = Blueprint('x', __name__)\nrouter = APIRouter()\nother = object()\n",
        "web/bases.py": "from django.views.generic import View\n\n\nclass Base(View):\n    pass\n",
        "web/views.py": inspect.cleandoc(
            """
            from rest_framework.decorators import api_view

            from web.apps import bp, other, router
            from web.bases import Base
            from web.tasks import fetch


            def page(request):
                return fetch.delay(1).get()


            def helper(url):
                return fetch.delay(url).get()


            class PageView(Base):
                def get(self, request):
                    return fetch.delay(1).get()


            class Plain:
                def get(self):
                    return fetch.delay(1).get()


            @bp.route("/x")
            def flask_view():
                return fetch.delay(1).get()


            @router.get("/y")
            async def fastapi_view():
                return fetch.delay(1).get()


            @other.get("/z")
            def not_a_route():
                return fetch.delay(1).get()


            @api_view(["GET"])
            def drf_view(req):
                return fetch.delay(1).get()
            """
        )
        + "\n",
    }
    write_files(tmp_path, files)
    index = index_project(tmp_path)
    verdicts = {
        read.function: is_request_handler(read.handler, index)
        for read in index.modules["web.views"].result_reads
    }
    assert verdicts == {
        "page": True,
        "helper": False,
        "PageView.get": True,
        "Plain.get": False,
        "flask_view": True,
        "fastapi_view": True,
        "not_a_route": False,
        "drf_view": True,
    }


# -- call arguments and times -----------------------------------------------------------------


def _call(source: str) -> cst.Call:
    node = cst.parse_expression(source)
    assert isinstance(node, cst.Call)
    return node


def _resolve(node: cst.BaseExpression) -> str | None:
    names = {
        "timedelta": "datetime.timedelta",
        "timezone": "django.utils.timezone",
        "dict": "builtins.dict",
    }
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.insert(0, node.attr.value)
        node = node.value
    if isinstance(node, cst.Name) and node.value in names:
        return ".".join([names[node.value], *parts])
    return None


@pytest.mark.parametrize(
    ("source", "positional", "keywords", "form"),
    [
        ("t.delay(1, 2, a=3)", 2, ("a",), ""),
        ("t.delay(*xs)", None, None, ""),
        ("t.apply_async((1, 2), {'a': 1})", 2, ("a",), "tuple"),
        ("t.apply_async(args=[1], kwargs=dict(a=1, b=2))", 1, ("a", "b"), "list"),
        ("t.apply_async((x))", None, (), "paren"),
        ("t.apply_async('abc')", None, (), "string"),
        ("t.apply_async(5)", None, (), "scalar"),
        ("t.apply_async(xs, kw)", None, None, "other"),
        ("t.apply_async((*xs, 1))", None, (), "tuple"),
        ("t.apply_async(countdown=5)", 0, (), ""),
        ("app.send_task('n', (1,), kwargs={'a': 1})", 1, ("a",), "tuple"),
    ],
)
def test_task_arguments(
    source: str, positional: int | None, keywords: tuple[str, ...] | None, form: str
) -> None:
    call = _call(source)
    assert isinstance(call.func, cst.Attribute)
    found = task_arguments(call, call.func.attr.value, _resolve)
    assert found is not None
    assert (found.positional, found.keywords, found.args_form) == (positional, keywords, form)


def test_args_form_of_absent_or_none() -> None:
    assert args_form(None, None) == ""
    node = cst.parse_expression("None")
    assert args_form(node, evaluate(node, _resolve)) == ""


def test_moments() -> None:
    assert duration(cst.parse_expression("timedelta(hours=1, minutes=30)"), _resolve) == 5400
    assert duration(cst.parse_expression("timedelta(1)"), _resolve) == 86400
    assert duration(cst.parse_expression("timedelta(hours=n)"), _resolve) is None
    now_plus = moment(
        cst.parse_expression("timezone.now() + timedelta(minutes=5)"), _resolve, relative=False
    )
    assert now_plus is not None and (now_plus.base, now_plus.seconds) == (NOW, 300)
    based = moment(cst.parse_expression("start - timedelta(seconds=5)"), _resolve, relative=False)
    assert based is not None and (based.base, based.seconds) == ("start", -5)
    assert moment(cst.parse_expression("60"), _resolve, relative=False) is None


@pytest.mark.parametrize(
    ("source", "seconds"),
    [
        ("timezone.now() + timedelta(hours=2)", 7200),
        ("timedelta(days=1) + timezone.now()", 86400),
        ("timezone.now() + timedelta(0, 90, weeks=1)", 604890),
        ("timezone.now() - timedelta(minutes=1)", -60),
        ("start + timedelta(hours=2)", None),  # from a variable
        ("timezone.now() + timedelta(hours=n)", None),  # not a literal
        ("timezone.now() + timedelta(**kw)", None),
        ("timezone.now() + timedelta(1, 2, 3, 4, 5, 6, 7, 8)", None),  # too many arguments
        ("timezone.now()", 0),
    ],
)
def test_eta_delay(source: str, seconds: float | None) -> None:
    assert eta_delay(cst.parse_expression(source), _resolve) == seconds


def test_timedelta_seconds_reads_only_literal_arguments() -> None:
    assert timedelta_seconds(evaluate(cst.parse_expression("timedelta(1, 30)"), _resolve)) == 86430
    assert (
        timedelta_seconds(evaluate(cst.parse_expression("timedelta(hours=True)"), _resolve)) is None
    )
    assert timedelta_seconds(evaluate(cst.parse_expression("timedelta(years=1)"), _resolve)) is None
    assert timedelta_seconds(evaluate(cst.parse_expression("dict(hours=1)"), _resolve)) is None
    assert moment(cst.parse_expression("deadline"), _resolve, relative=True) is None


@pytest.mark.parametrize(
    ("source", "conflict"),
    [
        ("t.apply_async(countdown=60, expires=60)", "countdown"),
        ("t.apply_async(countdown=60, expires=61)", None),
        ("t.apply_async(countdown=0, expires=0)", None),
        ("t.apply_async(eta=timezone.now() + timedelta(hours=1), expires=3000)", "eta"),
        ("t.apply_async(eta=timezone.now() + timedelta(hours=1), expires=4000)", None),
        ("t.apply_async(eta=s + timedelta(hours=1), expires=s + timedelta(minutes=59))", "eta"),
        ("t.apply_async(eta=s + timedelta(hours=1), expires=u + timedelta(minutes=59))", None),
        ("t.apply_async(eta=s + timedelta(hours=1), expires=30)", None),
        ("t.apply_async(countdown=n, expires=30)", None),
    ],
)
def test_expiry_conflicts(source: str, conflict: str | None) -> None:
    found = expiry_conflict(_call(source), _resolve)
    assert (found[0] if found else None) == conflict


# -- result backends and chords -------------------------------------------------------------------


def test_backend_chord_support_comes_from_celery() -> None:
    support = celery_data.RESULT_BACKEND_CHORDS
    assert support["rpc"] == "unsupported"
    assert support["disabled"] == "unsupported"
    assert support["redis"] == "native"
    assert support["cache"] == "native"
    assert support["db"] == "polling"
    assert backend_alias("db+postgresql://x/y") == "db"
    assert backend_alias("rediss://:pw@host:6380/0") == "rediss"
    assert backend_alias("django-db") == "django-db"


def _project(tmp_path: Path, settings: str) -> ProjectIndex:
    write_files(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/celery.py": "from celery import Celery\n\napp = Celery('proj')\n"
            "app.config_from_object('django.conf:settings', namespace='CELERY')\n",
            "proj/settings.py": settings,
        },
    )
    return index_project(tmp_path)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("CELERY_RESULT_BACKEND = 'rpc://'\n", ("rpc", "unsupported")),
        ("CELERY_RESULT_BACKEND = 'django-db'\n", ("django-db", "native")),
        ("CELERY_RESULT_BACKEND = 'db+sqlite:///r.db'\n", ("db", "polling")),
        ("CELERY_RESULT_BACKEND = None\n", ("disabled", "unsupported")),
        ("import os\nCELERY_RESULT_BACKEND = os.environ.get('B', 'rpc://')\n", None),
        ("CELERY_BROKER_URL = 'redis://r'\n", None),
        ("CELERY_RESULT_BACKEND = 'myproject.backends:Custom'\n", None),
    ],
)
def test_chord_support_of_the_production_backend(
    tmp_path: Path, settings: str, expected: tuple[str, str] | None
) -> None:
    assert chord_support(_project(tmp_path, settings)) == expected


# -- rules end to end ---------------------------------------------------------------------------


def test_cel607_fix_is_unsafe_when_the_task_takes_kwargs() -> None:
    files = {
        "ops/__init__.py": "",
        "ops/tasks.py": TASKS + "\n\n@shared_task\ndef audit(**fields):\n    return fields\n",
        "ops/use.py": "from ops.tasks import audit, fetch\n\n\ndef run():\n"
        "    audit.delay(countdown=5)\n    fetch.delay(1, countdown=5)\n",
    }
    found = sorted(run_files(files, {"CEL607"}), key=lambda d: d.span.line)
    assert [(d.span.line, d.fix.safety if d.fix else None) for d in found] == [
        (5, FixSafety.UNSAFE),
        (6, FixSafety.SAFE),
    ]


def test_cel603_global_ignore_result_setting() -> None:
    files = {
        "proj/__init__.py": "",
        "proj/celery.py": "from celery import Celery\n\napp = Celery('proj')\n"
        "app.config_from_object('django.conf:settings', namespace='CELERY')\n",
        "proj/settings.py": "CELERY_TASK_IGNORE_RESULT = True\n",
        "app/__init__.py": "",
        "app/tasks.py": TASKS
        + "\n\n@shared_task(ignore_result=False)\ndef kept(x):\n    return x\n",
        "app/use.py": "from app.tasks import fetch, kept\n\n\ndef run():\n"
        "    fetch.delay(1).get(timeout=1)\n    kept.delay(1).get(timeout=1)\n",
    }
    found = run_files(files, {"CEL603"})
    assert [(d.path, d.span.line) for d in found] == [("app/use.py", 5)]
    assert "task_ignore_result" in found[0].message


def test_cel606_send_task_needs_an_app_and_a_known_name() -> None:
    files = {
        "app/__init__.py": "",
        "app/celery.py": "from celery import Celery\n\napp = Celery('app')\n",
        "app/tasks.py": TASKS,
        "app/use.py": "from app.celery import app\n\n\ndef run(client):\n"
        "    app.send_task('app.tasks.fetch', args=(1, 2))\n"
        "    client.send_task('app.tasks.fetch', args=(1, 2))\n"
        "    app.send_task('other.task', args=(1, 2))\n",
    }
    found = run_files(files, {"CEL606"})
    assert [(d.span.line, d.message) for d in found] == [
        (
            5,
            "`send_task('app.tasks.fetch')` does not fit `fetch(url)`: "
            "takes 1 positional argument but 2 were given",
        ),
    ]


def test_cel604_reads_the_backend_of_the_chords_app() -> None:
    files = {
        "shop/__init__.py": "",
        "shop/worker.py": "from celery import Celery\n\napp = Celery('shop', backend='redis://r/1')\n",
        "shop/tasks.py": "from celery import chord\n\nfrom shop.worker import app\n\n\n"
        "@app.task\ndef a(x):\n    return x\n\n\n@app.task\ndef b(xs):\n    return xs\n\n\n"
        "def go(ids):\n    chord(a.s(i) for i in ids)(b.s())\n",
        "photos/__init__.py": "",
        "photos/worker.py": "from celery import Celery\n\napp = Celery('photos', backend='rpc://')\n",
        "photos/tasks.py": "from celery import chord\n\nfrom photos.worker import app\n\n\n"
        "@app.task\ndef a(x):\n    return x\n\n\n@app.task\ndef b(xs):\n    return xs\n\n\n"
        "def go(ids):\n    chord(a.s(i) for i in ids)(b.s())\n",
    }
    found = run_files(files, {"CEL604"})
    assert [(d.path, d.span.line) for d in found] == [("photos/tasks.py", 17)]
