"""Generated valid programs never make celerylint fail (the flake8-bugbear way).

hypothesmith generates programs that CPython compiles (``from_grammar``) and programs built
from libcst's own node types (``from_node``). Every rule runs on them, on their own and
turned into Celery code (every function becomes a task, with an app and settings next to
it), through the real two-phase engine. Nothing may raise, no rule may crash and no file
may be reported as an internal error. Celery-shaped programs (tasks with odd options,
dispatch calls, retries, settings, beat entries, with unusual values in every slot) reach
the rules' own code paths, which generic generated code rarely does. Runs are derandomized
and bounded, so CI sees the same examples every time (``CELERYLINT_FUZZ_SCALE`` below
runs a longer, randomized hunt).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from celerylint.diagnostics import Diagnostic
from celerylint.rules import all_rules
from celerylint.semantics import celery_data
from celerylint.testing import run_files

pytestmark = pytest.mark.slow  # generated programs: `-m "not slow"` skips it

ALL_CODES = frozenset(rule.code for rule in all_rules())

#: ``CELERYLINT_FUZZ_SCALE=20`` runs twenty times the examples, randomized, for a longer
#: hunt on a developer machine; CI runs the default: bounded and the same every time
SCALE = max(1, int(os.environ.get("CELERYLINT_FUZZ_SCALE", "1")))

FUZZ = settings(
    max_examples=60 * SCALE,
    deadline=None,
    derandomize=SCALE == 1,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: a small Django + Celery project around the generated module
PROJECT = {
    "proj/__init__.py": "from .celery import app\n\n__all__ = ['app']\n",
    "proj/celery.py": (
        "import os\n"
        "from celery import Celery\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n"
        "app = Celery('proj')\n"
        "app.config_from_object('django.conf:settings', namespace='CELERY')\n"
        "app.autodiscover_tasks()\n"
    ),
    "proj/settings.py": (
        "CELERY_BROKER_URL = 'redis://localhost:6379/0'\n"
        "CELERY_TASK_ROUTES = {'proj.tasks.*': {'queue': 'default'}}\n"
        "CELERY_TASK_ALWAYS_EAGER = False\n"
    ),
}

PRELUDE = (
    "from celery import shared_task\n"
    "from django.db import transaction\n"
    "from proj.celery import app\n"
)

#: decorators that make every generated function a task, in turn
DECORATORS = (
    "shared_task",
    "app.task(bind=True, acks_late=True)",
    "shared_task(autoretry_for=(Exception,), max_retries=None, retry_backoff=True)",
    "app.task(name='proj.generated', queue='missing', time_limit=5, soft_time_limit=10)",
)


class _MakeTasks(cst.CSTTransformer):
    """Decorate every function with a Celery task decorator (round-robin)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        text = DECORATORS[self.count % len(DECORATORS)]
        self.count += 1
        decorator = cst.Decorator(cst.parse_expression(text))
        return updated_node.with_changes(decorators=(decorator, *updated_node.decorators))


def as_celery_code(source: str) -> str | None:
    """``source`` with a Celery prelude and every function a task; None when libcst cannot
    parse it (the plain run covers that case)."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return None
    if module.encoding != "utf-8":
        return None
    return PRELUDE + module.visit(_MakeTasks()).code


def assert_no_internal_error(files: dict[str, str]) -> list[Diagnostic]:
    """Every rule over ``files``: ``run_files`` raises on any rule crash, and an engine
    failure on a file would be a CEL000 "internal error"."""
    diagnostics = run_files(files, ALL_CODES)
    broken = [d for d in diagnostics if d.code == "CEL000" and "internal error" in d.message]
    assert not broken, broken
    for d in diagnostics:
        if d.code == "CEL000" and "nested too deeply" not in d.message:
            # only for a file libcst really cannot parse
            text = files.get(d.path)
            assert text is not None, d
            try:
                cst.parse_module(text)
            except cst.ParserSyntaxError:
                continue
            raise AssertionError(f"CEL000 on a file that parses: {d}")
    return diagnostics


def check_program(source: str) -> None:
    assert_no_internal_error({**PROJECT, "proj/tasks.py": source})
    celery_code = as_celery_code(source)
    if celery_code is not None:
        assert_no_internal_error({**PROJECT, "proj/tasks.py": celery_code})


@FUZZ
@given(hypothesmith.from_grammar())
def test_programs_from_the_grammar(source: str) -> None:
    check_program(source)


@settings(FUZZ, max_examples=25 * SCALE)
@given(hypothesmith.from_node())
def test_programs_from_libcst_nodes(source: str) -> None:
    check_program(source)


@settings(FUZZ, max_examples=25 * SCALE)
@given(st.lists(hypothesmith.from_grammar(), min_size=2, max_size=4))
def test_generated_modules_import_each_other(sources: list[str]) -> None:
    """Several generated modules in one project, each importing the others (the project
    phase follows imports, re-exports and star imports between them)."""
    names = [f"gen{i}" for i in range(len(sources))]
    files = dict(PROJECT)
    for i, source in enumerate(sources):
        others = "".join(f"from proj.{n} import *\n" for n in names if n != names[i])
        files[f"proj/{names[i]}.py"] = (as_celery_code(source) or source) + "\n" + others
    assert_no_internal_error(files)


# -- Celery-shaped programs ------------------------------------------------------------------
# Generic generated code rarely reaches the rules' interesting paths (task decorators with
# options, dispatch calls, retries, settings). These programs are made of the constructs the
# rules read, with odd values in every slot: literals of every type, names, calls,
# comprehensions, starred arguments, and expressions built from them.

LITERALS = (
    "None",
    "True",
    "False",
    "0",
    "-1",
    "1.5",
    "10**9",
    "'x'",
    "''",
    "b'x'",
    "f'{x}'",
    "'proj.tasks.*'",
    "'celery'",
    "'amqp://guest:guest@localhost//'",
    "'re:^proj'",
    "...",
    "()",
    "(Exception,)",
    "[ValueError, KeyError]",
    "{}",
    "{'queue': 'q'}",
    "{'max_retries': 3}",
    "[{'queue': 'q'}]",
    "x",
    "self",
    "obj.pk",
    "Order.objects.get(pk=1)",
    "datetime.now()",
    "timedelta(seconds=5)",
    "lambda *a: a",
    "[i for i in range(3)]",
    "{**kw}",
    "not x",
    "os.environ['X']",
    "os.environ.get('X', 'y')",
    "env('X', default=1)",
    "settings.X",
    "crontab(minute='*')",
    "signature('t')",
    "add.s(1)",
    "add.si()",
    "chain(add.s(), add.s())",
)
OPTION_NAMES = tuple(
    sorted(
        {
            *celery_data.TASK_ATTRIBUTES,
            *celery_data.TASK_DECORATOR_OPTIONS,
            *celery_data.TASK_AUTORETRY_OPTIONS,
            *celery_data.TASK_CALL_OPTIONS,
            "retry_kwargs",
            "countdown",
            "x",
        }
    )
)
SETTING_NAMES = (
    *celery_data.SETTING_KEYS[::7],
    "CELERY_TASK_ALWAYS_EAGER",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ROUTES",
    "BROKER_URL",
    "CELERY_ACCEPT_CONTENT",
    "CELERYD_PREFETCH_MULTIPLIER",
    "task_routes",
    "beat_schedule",
)
DISPATCH = ("delay", "apply_async", "s", "si", "signature", "apply", "retry", "map", "chunks")
TASKS = ("add", "self", "send_mail", "tasks.add", "app.tasks['proj.add']", "f()")


def _compound(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Expressions built from smaller ones: containers, calls, operators, conditionals."""
    return st.one_of(
        st.lists(parts, max_size=3).map(lambda xs: "(" + "".join(x + ", " for x in xs) + ")"),
        st.lists(parts, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(parts, parts), max_size=3).map(
            lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"
        ),
        st.tuples(parts, st.sampled_from(("+", "*", "|", "if x else", "or", "==", "%")), parts).map(
            lambda t: f"(({t[0]}) {t[1]} ({t[2]}))"
        ),
        st.tuples(st.sampled_from(("f", "getattr", "env", "int", "str")), parts).map(
            lambda fa: f"{fa[0]}({fa[1]})"
        ),
        st.tuples(parts, st.sampled_from((".pk", "[0]", "()", ".get('q')", ".s()"))).map(
            lambda t: f"({t[0]}){t[1]}"
        ),
    )


#: odd values for every slot: literals of every type and expressions built from them
expressions = st.recursive(st.sampled_from(LITERALS), _compound, max_leaves=6)


@st.composite
def arguments(draw: st.DrawFn, names: Sequence[str] = OPTION_NAMES) -> str:
    positional = draw(st.lists(expressions, max_size=2))
    star = draw(st.sampled_from(("", "*args", "**kw", "*a, **kw")))
    keywords = draw(st.dictionaries(st.sampled_from(names), expressions, max_size=4))
    parts = [*positional, *(f"{k}={v}" for k, v in keywords.items())]
    if star:
        parts.append(star)
    return ", ".join(parts)


@st.composite
def statement(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """One statement of a task body, as lines (indented relative to the body)."""
    task = draw(st.sampled_from(TASKS))
    kind = draw(st.integers(0, 11 if depth < 2 else 7))
    if kind == 0:
        return [f"{task}.{draw(st.sampled_from(DISPATCH))}({draw(arguments())})"]
    if kind == 1:
        return [f"raise self.retry({draw(arguments())})"]
    if kind == 2:
        return [f"return {task}.delay({draw(arguments())}).get({draw(arguments())})"]
    if kind == 3:
        call = draw(st.sampled_from(("time.sleep", "requests.get", "urlopen", "sleep")))
        return [f"{call}({draw(arguments())})"]
    if kind == 4:
        return [f"self.{draw(st.sampled_from(OPTION_NAMES))} = {draw(expressions)}"]
    if kind == 5:
        method = draw(st.sampled_from(("select_for_update", "filter", "get", "save")))
        return [f"Order.objects.{method}({draw(arguments())})"]
    if kind == 6:
        canvas = draw(st.sampled_from(("chord", "group", "chain")))
        return [f"{canvas}([{task}.s(), add.si()])({draw(arguments())})"]
    if kind == 7:
        return [f"return {draw(expressions)}"]
    body = draw(st.lists(statement(depth + 1), min_size=1, max_size=3))
    inner = ["    " + line for lines in body for line in lines]
    if kind == 8:
        return ["with transaction.atomic():", *inner]
    if kind == 9:
        handler = draw(st.sampled_from(("Exception", "BaseException", "(ValueError, Retry)", "")))
        tail = draw(st.sampled_from(("pass", "raise", "raise self.retry(exc=exc)", "return")))
        clause = f"except {handler} as exc:" if handler else "except:"
        return ["try:", *inner, clause, f"    {tail}"]
    if kind == 10:
        return [f"for item in {draw(expressions)}:", *inner]
    return ["def inner(*a, **kw):", *inner, "transaction.on_commit(inner)"]


@st.composite
def task_definition(draw: st.DrawFn) -> str:
    decorator = draw(
        st.sampled_from(("app.task", "shared_task", "celery_app.task", "periodic_task"))
    )
    called = draw(st.booleans())
    head = f"@{decorator}({draw(arguments())})" if called else f"@{decorator}"
    extra = draw(st.sampled_from(("", "@functools.wraps(f)\n", "@transaction.atomic\n")))
    params = draw(st.sampled_from(("", "self", "self, x, y=[]", "*args, **kwargs", "order, /")))
    body = draw(st.lists(statement(), min_size=1, max_size=4))
    lines = [f"{extra}{head}", f"def {draw(st.sampled_from(('add', 'run', 'job')))}({params}):"]
    lines += ["    " + line for stmt in body for line in stmt]
    return "\n".join(lines)


@st.composite
def module_statement(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))  # 6-9: a task
    if kind == 0:
        return f"{draw(st.sampled_from(SETTING_NAMES))} = {draw(expressions)}"
    if kind == 1:
        return f"app.conf.{draw(st.sampled_from(SETTING_NAMES))} = {draw(expressions)}"
    if kind == 2:
        return f"app.conf.update({draw(arguments(SETTING_NAMES))})"
    if kind == 3:
        fields = draw(arguments(celery_data.CRONTAB_FIELDS))
        return (
            "app.conf.beat_schedule = {'job': {'task': "
            + draw(expressions)
            + f", 'schedule': crontab({fields})"
            + "}}"
        )
    if kind == 4:
        return f"app.add_periodic_task({draw(expressions)}, ({draw(expressions)}).s())"
    if kind == 5:
        return f"app.send_task({draw(arguments())})"
    return draw(task_definition())


CELERY_PRELUDE = (
    "import functools, os, time\n"
    "from datetime import datetime, timedelta\n"
    "import requests\n"
    "from celery import Celery, chain, chord, group, shared_task, signature\n"
    "from celery.exceptions import Retry\n"
    "from celery.schedules import crontab\n"
    "from django.conf import settings\n"
    "from django.db import transaction\n"
    "from proj.celery import app\n"
    "from proj.models import Order\n"
    "celery_app = Celery('other', broker=os.environ.get('BROKER'))\n"
)


@st.composite
def celery_module(draw: st.DrawFn) -> str:
    statements = draw(st.lists(module_statement(), min_size=1, max_size=6))
    return CELERY_PRELUDE + "".join(s + "\n" for s in statements)


@settings(FUZZ, max_examples=100 * SCALE)
@given(celery_module(), celery_module())
def test_celery_shaped_programs(tasks: str, more: str) -> None:
    files = {
        **PROJECT,
        "proj/models.py": "from django.db import models\nclass Order(models.Model):\n    pass\n",
        "proj/tasks.py": tasks,
        "proj/more.py": more,
    }
    assert_no_internal_error(files)


def test_the_transform_makes_tasks() -> None:
    """The Celery variant really turns functions into tasks the rules look at."""
    source = "def f(x=[]):\n    import time\n    x.append(1)\n    time.sleep(1)\n"
    code = as_celery_code(source)
    assert code is not None and "@shared_task\ndef f" in code
    found = {d.code for d in assert_no_internal_error({**PROJECT, "proj/tasks.py": code})}
    assert {"CEL305", "CEL307"} <= found
