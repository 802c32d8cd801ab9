"""The routing model: routes as Celery matches them, declared queues, who consumes a queue."""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst
import pytest
from celery.app.routes import prepare
from kombu import Queue

from celerylint.kit.values import Value, evaluate
from celerylint.project.routing_model import RoutingModel, routing_model
from celerylint.semantics.queue_consumers import Consumed, queue_consumed
from celerylint.semantics.routing import (
    DeclaredQueues,
    Destination,
    KeyKind,
    MapRoute,
    OpaqueRouter,
    RouteEntry,
    TaskNames,
    WorkerCommand,
    dead_route_hint,
    did_you_mean,
    names_project_module,
    parse_queues,
    parse_routes,
)
from celerylint.testing import index_project, write_files

NAMES = [
    "proj.tasks.add",
    "proj.tasks.add_many",
    "proj.mail.tasks.send",
    "mail.tasks.send",
    "video.tasks.encode",
    "image.tasks.resize",
    "feed.tasks.import_feed",
    "feed.tasks.task_1",
    "reports.build",
    "celery.backend_cleanup",
]

ROUTE_TABLES = [
    '{"proj.tasks.add": "math"}',
    '{"proj.tasks.add": {"queue": "math", "routing_key": "m"}}',
    '{"proj.*": "proj"}',  # `*` also matches dots
    '{"proj.tasks.*": "a", "proj.*": "b"}',  # patterns in order
    '{"proj.*": "b", "proj.tasks.add": "exact"}',  # exact keys first
    '{"*.tasks.*": "any"}',
    '{"feed.tasks.task_?": "q"}',  # no `*`: an exact key
    '{"feed.tasks.task_?*": "q"}',
    '{"feed.tasks.task_[0-9]*": "q"}',
    '{re.compile(r"(image|video)\\.tasks\\..*"): "media"}',
    '{re.compile(r"video"): "prefix-only"}',  # .match: anchored at the start only
    '{re.compile(r"tasks"): "nowhere"}',
    '{r"(image|video)\\.tasks\\..*": "media"}',  # a regex written as a string
    '[{"mail.*": "mail"}, {"proj.*": "proj"}]',
    '[{"mail.*": "mail"}, {"mail.tasks.send": "second"}]',  # first router wins
    '[[("proj.tasks.*", "a"), ("proj.*", "b")]]',  # a list of pairs
    '({"reports.build": "reports"},)',
    '{"proj.tasks.add": {"exchange": "math", "routing_key": "m"}}',
]


def _value(source: str) -> Value:
    expr = cst.parse_expression(source)

    def resolve(node: cst.BaseExpression) -> str | None:
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            return f"{node.value.value}.{node.attr.value}"
        if isinstance(node, cst.Name):
            return {"Queue": "kombu.Queue"}.get(node.value, node.value)
        return None

    return evaluate(expr, resolve)


def _celery_route(source: str, name: str) -> object:
    routers = prepare(eval(source, {"re": re, "Queue": Queue}))
    for router in routers:
        found = router(name, (), {}, {}, task=None)
        if found is not None:
            return found
    return None


@pytest.mark.parametrize("source", ROUTE_TABLES)
def test_routes_match_like_celery(source: str) -> None:
    routes = parse_routes(_value(source))
    assert routes.opaque is None
    for name in NAMES:
        expected = _celery_route(source, name)
        ours = routes.lookup(name)
        assert not isinstance(ours, OpaqueRouter)
        if expected is None:
            assert ours is None, (source, name)
        else:
            assert ours is not None, (source, name)
            assert isinstance(expected, dict)
            assert ours.route.queue == expected.get("queue"), (source, name)


def test_route_kinds() -> None:
    routes = parse_routes(_value('{"a.b": "q", "a.*": "q", re.compile("a"): "q"}'))
    assert [e.kind for e in routes.entries()] == [KeyKind.EXACT, KeyKind.GLOB, KeyKind.REGEX]


def test_opaque_routers() -> None:
    assert parse_routes(_value('"proj.routers.route_task"')).opaque is not None
    assert parse_routes(_value("(route_task,)")).opaque is not None
    assert parse_routes(_value("[{'a.*': 'q'}, 'proj.routers.Router']")).opaque is not None
    # a router consulted after a match does not matter for that name
    mixed = parse_routes(_value("[{'a.*': 'q'}, 'proj.routers.Router']"))
    assert isinstance(mixed.lookup("a.x"), RouteEntry)
    assert isinstance(mixed.lookup("b.x"), OpaqueRouter)
    # a spread may add routes we cannot see
    spread = parse_routes(_value("{**BASE, 'a.*': 'q'}"))
    assert spread.opaque is not None
    assert isinstance(spread.lookup("b.x"), OpaqueRouter)
    assert parse_routes(_value("None")).empty


def test_follow_references() -> None:
    table = _value('{"a.*": "q"}')
    routes = parse_routes(_value("ROUTES"), follow=lambda v: table if v == _value("ROUTES") else v)
    assert isinstance(routes.lookup("a.b"), RouteEntry)


def test_destinations() -> None:
    routes = parse_routes(
        _value('{"a": "q", "b": {"queue": "r"}, "c": {"exchange": "x"}, "d": Queue("s"), "e": X}')
    )
    found = {e.key: e.route for e in routes.entries()}
    assert found["a"].queue == "q"
    assert found["b"].queue == "r"
    assert found["c"].queue is None and found["c"].known
    assert found["d"].queue == "s"
    assert not found["e"].known


def test_parse_queues() -> None:
    assert parse_queues(_value("None")).names is None
    queues = parse_queues(_value('(Queue("a"), Queue(name="b"), Queue("c", routing_key="c"))'))
    assert queues.names == {"a", "b", "c"} and queues.complete
    assert parse_queues(_value('{"a": {}, "b": {"exchange": "b"}}')).names == {"a", "b"}
    dynamic = parse_queues(_value("[Queue(x) for x in NAMES]"))
    assert not dynamic.complete
    assert dynamic.declares("a") is None
    partial = parse_queues(_value('[Queue("a"), *EXTRA]'))
    assert partial.declares("a") is True and partial.declares("b") is None


UNSET = DeclaredQueues(None)


def test_queue_consumed_by_workers() -> None:
    plain = WorkerCommand("Procfile", 2, None)
    only_emails = WorkerCommand("Procfile", 3, ("emails",))
    with_default = WorkerCommand("compose.yml", 9, ("celery", "emails"))
    dynamic = WorkerCommand("Procfile", 4, (), known=False)
    excluded = WorkerCommand("Procfile", 5, None, ("celery",))
    emails_declared = DeclaredQueues(frozenset({"emails"}))

    assert queue_consumed("celery", [plain], UNSET, "celery").verdict is Consumed.YES
    assert queue_consumed("celery", [only_emails], UNSET, "celery").verdict is Consumed.NO
    no = queue_consumed("celery", [only_emails], UNSET, "celery")
    assert "Procfile:3" in no.reason and "-Q" in no.reason
    assert (
        queue_consumed("celery", [only_emails, with_default], UNSET, "celery").verdict
        is Consumed.YES
    )
    assert queue_consumed("celery", [only_emails, dynamic], UNSET, "celery").verdict is (
        Consumed.UNKNOWN
    )
    assert queue_consumed("celery", [excluded], UNSET, "celery").verdict is Consumed.NO
    # a worker without -Q consumes task_queues, which may lack the default queue
    assert queue_consumed("celery", [plain], emails_declared, "celery").verdict is Consumed.NO
    assert queue_consumed("emails", [plain], emails_declared, "celery").verdict is Consumed.YES
    # a renamed default queue
    assert queue_consumed("default", [plain], UNSET, "default").verdict is Consumed.YES


def test_queue_consumed_without_workers() -> None:
    declared = DeclaredQueues(frozenset({"emails", "reports"}))
    assert queue_consumed("celery", [], declared, "celery").verdict is Consumed.NO
    assert queue_consumed("emails", [], declared, "celery").verdict is Consumed.YES
    assert queue_consumed("celery", [], UNSET, "celery").verdict is Consumed.UNKNOWN
    incomplete = DeclaredQueues(frozenset({"emails"}), complete=False)
    assert queue_consumed("celery", [], incomplete, "celery").verdict is Consumed.UNKNOWN


def test_task_names() -> None:
    names = TaskNames(frozenset({"a.tasks.x"}), frozenset({"a.tasks.Export"}))
    assert names.exists("a.tasks.x") and names.exists("a.tasks.Export")
    assert names.exists("celery.backend_cleanup")
    assert names.exists("a.tasks.y") is False
    assert TaskNames(frozenset(), complete=False).exists("a.tasks.y") is None
    entry = MapRoute((RouteEntry("a.*", KeyKind.GLOB, _dest("q")),)).entries[0]
    assert names.matching(entry) is True
    assert names.matching(RouteEntry("b.*", KeyKind.GLOB, _dest("q"))) is False


def _dest(queue: str) -> Destination:
    return Destination(queue)


def test_hints_and_suggestions() -> None:
    modules = {"proj", "proj.tasks"}
    regex_as_string = RouteEntry("(image|video)\\.tasks\\..*", KeyKind.GLOB, _dest("q"))
    assert "re.compile" in dead_route_hint(regex_as_string, modules)
    question = RouteEntry("feed.tasks.task_?", KeyKind.EXACT, _dest("q"))
    assert "`?`" in dead_route_hint(question, modules)
    module = RouteEntry("proj.tasks", KeyKind.EXACT, _dest("q"))
    assert "proj.tasks.*" in dead_route_hint(module, modules)
    assert did_you_mean("reports.tasks.nightly_reprot", ["reports.tasks.nightly_report"]) == (
        "reports.tasks.nightly_report"
    )
    assert did_you_mean("reports.tasks.build_nightly", ["reports.tasks.nightly_build"]) in (
        "reports.tasks.nightly_build",
        None,
    )
    assert did_you_mean("zzz", ["reports.tasks.nightly_report"]) is None
    assert names_project_module("proj.tasks.*", {"proj"})
    assert not names_project_module("vendor.tasks.x", {"proj"})


ROUTERS = '''
def route_task(name, args, kwargs, options, task=None, **kw):
    """Route by app."""
    if name.startswith(("mail.", "notifications.")):
        return {"queue": "emails"}
    elif name in {"reports.tasks.build", "reports.tasks.export"}:
        return "reports"
    elif name == "reports.tasks.ignore" or name.endswith(".local"):
        return None
    else:
        return {"exchange": "misc", "routing_key": "misc"}


def only_mail(name, *args, **kwargs):
    if name.startswith("mail."):
        return {"queue": QUEUE}


def dynamic(name, args, kwargs, options, task=None, **kw):
    return {"queue": name.split(".")[0]}


def logs(name, args, kwargs, options, task=None, **kw):
    print(name)
    return "q"
'''


def _model(tmp_path: Path, routes: str) -> RoutingModel:
    write_files(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/routers.py": ROUTERS,
            "proj/settings.py": (
                f"from proj.routers import only_mail\n\nCELERY_TASK_ROUTES = {routes}\n"
            ),
        },
    )
    return routing_model(index_project(tmp_path))


def test_router_function_is_evaluated(tmp_path: Path) -> None:
    (source,) = _model(tmp_path, '("proj.routers.route_task",)').route_sources
    routes = source.routes
    assert routes.opaque is None

    def queue(name: str) -> str | None:
        found = routes.lookup(name)
        assert isinstance(found, RouteEntry), name
        return found.route.queue

    assert queue("mail.tasks.send") == "emails"
    assert queue("notifications.tasks.push") == "emails"
    assert queue("reports.tasks.export") == "reports"
    assert queue("shop.tasks.x") is None  # routed by exchange
    assert routes.lookup("reports.tasks.ignore") is None
    assert routes.lookup("x.local") is None


def test_router_function_by_reference_and_fallthrough(tmp_path: Path) -> None:
    (source,) = _model(tmp_path, '[only_mail, {"reports.*": "reports"}]').route_sources
    routes = source.routes
    mail = routes.lookup("mail.tasks.send")
    assert isinstance(mail, RouteEntry) and not mail.route.known  # ``QUEUE`` is unknown
    reports = routes.lookup("reports.tasks.build")
    assert isinstance(reports, RouteEntry) and reports.route.queue == "reports"
    assert routes.lookup("shop.tasks.x") is None


@pytest.mark.parametrize("router", ["logs", "missing"])
def test_router_functions_that_cannot_be_evaluated(tmp_path: Path, router: str) -> None:
    (source,) = _model(tmp_path, f'"proj.routers.{router}"').route_sources
    assert source.routes.opaque is not None


def test_router_function_with_a_computed_queue(tmp_path: Path) -> None:
    (source,) = _model(tmp_path, '"proj.routers.dynamic"').route_sources
    found = source.routes.lookup("reports.tasks.build")
    assert isinstance(found, RouteEntry) and not found.route.known  # routed, queue unknown
