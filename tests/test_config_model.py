"""The configuration model: sources, namespaces, classification, inheritance, env values."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from celerylint.config import Settings
from celerylint.engine.runner import RunRequest, plan_jobs, run_phase_one
from celerylint.project.config_model import ProjectConfig
from celerylint.project.index import ProjectIndex
from celerylint.semantics.config_env import Kind, guard_classification, name_kind
from celerylint.semantics.config_names import Style, meaning, suggest
from celerylint.semantics.project_files import lowest_version


@contextmanager
def project(
    tmp_path: Path, files: Mapping[str, str], extra: Mapping[str, Any] | None = None
) -> Iterator[ProjectConfig]:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(inspect.cleandoc(text) + "\n", encoding="utf-8")
    settings = Settings(root=tmp_path, extra=dict(extra or {}))
    jobs, _ = plan_jobs(RunRequest([tmp_path], settings, frozenset(), jobs=1, cwd=tmp_path))
    results = run_phase_one(jobs, frozenset(), {}, 1)
    index = ProjectIndex((r.facts for r in results if r.facts is not None), settings)
    yield index.config


DJANGO = {
    "proj/__init__.py": "",
    "proj/settings/__init__.py": "",
    "proj/celery.py": """
        import os
        from celery import Celery
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.local")
        app = Celery("proj")
        app.config_from_object("django.conf:settings", namespace="CELERY")
    """,
    "proj/wsgi.py": """
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.production")
    """,
    "proj/settings/base.py": """
        import environ
        env = environ.Env()
        DEBUG = False
        CELERY_TASK_ALWAYS_EAGER = True
        CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://localhost:6379/0")
        CELERY_ACKS_LATE = True
    """,
    "proj/settings/production.py": """
        from .base import *
        CELERY_ACKS_LATE = False
    """,
    "proj/settings/local.py": """
        from .base import *
        CELERY_TASK_EAGER_PROPAGATES = True
    """,
    "proj/settings/ci.py": """
        from .base import *
        CELERY_TASK_ALWAYS_EAGER = True
    """,
}


def test_django_layout_classification_and_inheritance(tmp_path: Path) -> None:
    with project(tmp_path, DJANGO) as config:
        kinds = {name: unit.kind for name, unit in config.units.items()}
        assert kinds == {
            "proj.settings.base": Kind.SHARED,
            "proj.settings.production": Kind.PRODUCTION,
            "proj.settings.local": Kind.DEVELOPMENT,
            "proj.settings.ci": Kind.TEST,
        }
        assert config.units["proj.settings.production"].parents == ("proj.settings.base",)
        source = config.units["proj.settings.base"].source
        assert source is not None and source.namespace == "CELERY" and source.namespace_known
        eager = config.values("task_always_eager")
        assert [(v.unit, v.reaches_production) for v in eager] == [
            ("proj.settings.base", True),
            ("proj.settings.ci", False),
        ]
        assert eager[0].production_in == ("proj.settings.production",)
        # overridden in production: the base value does not reach it
        acks = {v.unit: v.reaches_production for v in config.values("task_acks_late")}
        assert acks == {"proj.settings.base": False, "proj.settings.production": True}
        (broker,) = config.values("broker_url")
        assert broker.value == "redis://localhost:6379/0"
        assert broker.env is not None and broker.env.var == "CELERY_BROKER_URL"
        assert broker.style is Style.NAMESPACED


def test_explicit_globs_win(tmp_path: Path) -> None:
    extra = {
        "production-settings": ["proj.settings.local"],
        "test-settings": ["proj/settings/base.py"],
    }
    with project(tmp_path, DJANGO, extra) as config:
        assert config.units["proj.settings.local"].kind is Kind.PRODUCTION
        assert config.units["proj.settings.base"].kind is Kind.TEST


def test_pytest_config_marks_test_settings(tmp_path: Path) -> None:
    files = {
        **DJANGO,
        "proj/settings/sandbox.py": "from .base import *\nCELERY_TASK_ALWAYS_EAGER = True",
        "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = proj.settings.sandbox",
    }
    with project(tmp_path, files) as config:
        unit = config.units["proj.settings.sandbox"]
        assert unit.kind is Kind.TEST and "pytest.ini" in unit.reason


def test_deployment_files_name_production_settings(tmp_path: Path) -> None:
    files = {
        **DJANGO,
        "proj/settings/live.py": "from .base import *",
        "proj/settings/edge.py": "from .base import *",
        "Dockerfile": "FROM python:3.12\nENV DJANGO_SETTINGS_MODULE proj.settings.edge\n",
    }
    with project(tmp_path, files) as config:
        assert config.units["proj.settings.edge"].kind is Kind.PRODUCTION
        assert config.units["proj.settings.edge"].reason == "DJANGO_SETTINGS_MODULE in Dockerfile"
        assert config.units["proj.settings.live"].kind is Kind.PRODUCTION  # its name


def test_settings_classes_inherit_and_classify_by_name(tmp_path: Path) -> None:
    files = {
        "site/__init__.py": "",
        "site/settings.py": """
            from configurations import Configuration


            class Base(Configuration):
                CELERY_BROKER_URL = "redis://r:6379/0"
                CELERY_TASK_ALWAYS_EAGER = True


            class Production(Base):
                DEBUG = False


            class Test(Base):
                CELERY_TASK_EAGER_PROPAGATES = True
        """,
    }
    with project(tmp_path, files) as config:
        units = config.units
        assert units["site.settings.Production"].kind is Kind.PRODUCTION
        assert units["site.settings.Production"].parents == ("site.settings.Base",)
        assert units["site.settings.Test"].kind is Kind.TEST
        (eager,) = config.values("task_always_eager")
        assert eager.unit == "site.settings.Base"
        assert eager.production_in == ("site.settings.Production",)
        assert "task_eager_propagates" in config.unit_values("site.settings.Test")


def test_runtime_guards_and_single_file_settings(tmp_path: Path) -> None:
    files = {
        "site/__init__.py": "",
        "site/settings.py": """
            import sys
            DEBUG = True
            CELERY_TASK_ALWAYS_EAGER = False
            if "test" in sys.argv:
                CELERY_TASK_ALWAYS_EAGER = True
            if DEBUG:
                CELERY_TASK_EAGER_PROPAGATES = True
            CELERY_TASK_IGNORE_RESULT = True
        """,
    }
    with project(tmp_path, files) as config:
        assert config.production_units == ("site.settings",)
        values = {(v.name, v.guard): v for v in config.all_values}
        assert values[("CELERY_TASK_ALWAYS_EAGER", "test")].kind is Kind.TEST
        assert not values[("CELERY_TASK_ALWAYS_EAGER", "test")].reaches_production
        assert values[("CELERY_TASK_EAGER_PROPAGATES", "development")].kind is Kind.DEVELOPMENT
        assert values[("CELERY_TASK_IGNORE_RESULT", None)].reaches_production
        assert values[("CELERY_TASK_ALWAYS_EAGER", None)].reaches_production


def test_celeryconfig_module_and_class_sources(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/celeryconfig.py": """
            broker_url = "redis://r:6379/0"
            CELERYD_CONCURRENCY = 8
        """,
        "app/worker.py": """
            from celery import Celery
            app = Celery("app", backend="redis://r/1")
            app.config_from_object("app.celeryconfig")
            app.conf.task_serializer = "json"
            app.conf.update(task_acks_late=True)

            class TestConfig:
                task_always_eager = True

            class ProdConfig:
                worker_prefetch_multiplier = 1
        """,
        "app/other.py": """
            from app.worker import ProdConfig
            from celery import Celery
            other = Celery("other")
            other.config_from_object(ProdConfig)
        """,
    }
    with project(tmp_path, files) as config:
        unit = config.units["app.celeryconfig"]
        assert unit.source is not None and unit.source.namespace is None
        assert unit.source.apps == ("app.worker.app",)
        assert unit.kind is Kind.PRODUCTION
        (concurrency,) = config.values("worker_concurrency")
        assert concurrency.style is Style.LEGACY
        assert config.units["app.worker.ProdConfig"].kind is Kind.PRODUCTION
        assert "app.worker.TestConfig" not in config.units  # nobody reads it
        app_values = {v.name: v for v in config.app_values()}
        assert app_values["backend"].setting == "result_backend"
        assert app_values["task_serializer"].reaches_production
        assert app_values["task_acks_late"].op == "update"


def test_conf_writes_in_tests_are_never_production(tmp_path: Path) -> None:
    files = {
        "proj/__init__.py": "",
        "proj/celery.py": "from celery import Celery\napp = Celery('proj')",
        "tests/__init__.py": "",
        "tests/conftest.py": """
            from proj.celery import app
            app.conf.task_always_eager = True

            def setup():
                app.conf.update(task_eager_propagates=True)
        """,
    }
    with project(tmp_path, files) as config:
        values = {v.name: v for v in config.app_values()}
        assert values["task_always_eager"].kind is Kind.TEST
        assert not values["task_always_eager"].reaches_production
        assert not values["task_eager_propagates"].reaches_production


def test_no_celery_configuration_at_all(tmp_path: Path) -> None:
    files = {"lib/__init__.py": "", "lib/util.py": "TIMEOUT = 3\n"}
    with project(tmp_path, files) as config:
        assert not config.has_sources
        assert config.all_values == ()


def test_celery_version_target(tmp_path: Path) -> None:
    files = {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["celery[redis]>=5.3,<6"]'}
    with project(tmp_path, files) as config:
        assert config.celery_version.version == (5, 3)
        assert "pyproject.toml" in config.celery_version.origin
    with project(tmp_path, files, {"celery-version": "5.5"}) as config:
        assert config.celery_version.version == (5, 5)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("setup.py", 'setup(install_requires=["Django>=4", "celery>=4.4.0,<4.5"])', (4, 4)),
        ("pkg-1.0.dist-info/METADATA", "Name: pkg\nRequires-Dist: celery==5.6.3\n", (5, 6)),
        ("PKG-INFO", "Name: pkg\nRequires-Dist: celery (>=5.2)\n", (5, 2)),
        ("uv.lock", '[[package]]\nname = "celery"\nversion = "5.4.0"\n', (5, 4)),
        # a lock file naming another package only
        ("poetry.lock", '[[package]]\nname = "celery-types"\nversion = "0.9"\n', None),
    ],
)
def test_celery_version_from_setup_metadata_and_locks(
    tmp_path: Path, name: str, text: str, expected: tuple[int, int] | None
) -> None:
    with project(tmp_path, {name: text}) as config:
        declared = config.files.declared_celery_version
        assert (declared.version if declared else None) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("==5.2.7", (5, 2)), (">=5.4", (5, 4)), ("~=5.3.0", (5, 3)), ("<6", None)],
)
def test_lowest_version(spec: str, expected: tuple[int, int] | None) -> None:
    assert lowest_version(spec) == expected


def test_names_are_namespace_aware() -> None:
    eager = meaning("CELERY_TASK_ALWAYS_EAGER", "CELERY")
    assert eager is not None and eager.setting == "task_always_eager"
    assert meaning("CELERY_TASK_ALWAYS_EAGER", None) is None  # fact 3: ignored without one
    legacy = meaning("CELERY_ALWAYS_EAGER", "CELERY")
    assert legacy is not None and legacy.style is Style.LEGACY
    assert meaning("ENABLE_UTC", None) is not None
    assert meaning("CELERY_ENABLE_UTC", None) is None
    assert suggest("CELERY_TASK_ACK_LATE", "CELERY") == "CELERY_TASK_ACKS_LATE"


def test_suggestion_finds_the_same_words_in_another_order() -> None:
    # seen on real code: spelling distance proposed CELERY_TASK_SEND_SENT_EVENT
    assert suggest("CELERY_TASK_SEND_EVENTS", "CELERY") == "CELERY_WORKER_SEND_TASK_EVENTS"
    assert suggest("CELERY_SEND_TASK_EVENTS", "CELERY") == "CELERY_WORKER_SEND_TASK_EVENTS"
    assert suggest("task_send_events", None) == "worker_send_task_events"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("production", Kind.PRODUCTION),
        ("settings_test", Kind.TEST),
        ("local_settings", Kind.DEVELOPMENT),
        ("ProductionConfig", Kind.PRODUCTION),
        ("TestSettings", Kind.TEST),
        ("base", Kind.SHARED),
        ("celery", None),
    ],
)
def test_name_kind(name: str, kind: Kind | None) -> None:
    assert name_kind(name) == kind


def test_guard_classification() -> None:
    assert guard_classification("test") is Kind.TEST
    assert guard_classification("!test") is None
    assert guard_classification("other") is None
    assert guard_classification("!production") is Kind.DEVELOPMENT


FACTORY = """
    from celery import Celery

    from proj.web import flask_app


    def make_celery(app):
        celery = Celery(app.import_name, broker="redis://broker")
        celery.conf.update(task_default_queue="web", task_routes={"proj.tasks.*": "web"})
        celery.conf.update({"task_acks_late": True})
        celery.conf.result_expires = 60
        celery.conf["accept_content"] = ["json"]
        return celery


    celery = make_celery(flask_app)
"""


def test_app_factory_configures_the_app_it_returns(tmp_path: Path) -> None:
    files = {"proj/__init__.py": "", "proj/worker.py": FACTORY}
    with project(tmp_path, files) as config:
        assert config.apps == ("proj.worker.celery",)
        for setting, expected in [
            ("broker_url", "redis://broker"),
            ("task_default_queue", "web"),
            ("task_acks_late", True),
            ("result_expires", 60),
        ]:
            (value,) = config.values_for(setting, "proj.worker.celery")
            assert value.value == expected
            assert value.kind is Kind.PRODUCTION
        (accept,) = config.values_for("accept_content", "proj.worker.celery")
        assert accept.op == "item"
        assert config.configures("proj.worker.celery")


@pytest.mark.parametrize(
    "body",
    [
        # returns another object
        'celery = Celery("proj")\ncelery.conf.task_default_queue = "web"\nreturn app',
        # several returns
        'celery = Celery("proj")\ncelery.conf.task_default_queue = "web"\n'
        "if app:\n    return celery\nreturn None",
        # the local is bound again
        'celery = Celery("proj")\ncelery = wrap(celery)\n'
        'celery.conf.task_default_queue = "web"\nreturn celery',
        'celery = Celery("proj")\nfor celery in apps:\n    pass\nreturn celery',
        # a parameter, not a local made here
        'celery.conf.task_default_queue = "web"\nreturn celery',
    ],
)
def test_app_factory_near_misses_make_no_app(tmp_path: Path, body: str) -> None:
    indented = "\n".join("    " + line for line in body.splitlines())
    source = f"from celery import Celery\n\n\ndef make_celery(app, celery=None, apps=()):\n{indented}\n\n\nworker = make_celery(None)\n"
    files = {"proj/__init__.py": "", "proj/worker.py": source}
    with project(tmp_path, files) as config:
        assert config.apps == ()
        assert not config.values("task_default_queue")


def test_app_factory_that_passes_the_app_on_may_be_configured_there(tmp_path: Path) -> None:
    source = """
        from celery import Celery


        def init_celery_app():
            celery_app = Celery("galaxy")
            configure(settings=celery_app.conf)
            return celery_app


        celery_app = init_celery_app()
    """
    files = {"proj/__init__.py": "", "proj/worker.py": source}
    with project(tmp_path, files) as config:
        assert config.apps == ("proj.worker.celery_app",)
        assert any(
            "passes the app on" in text for text in config.configures("proj.worker.celery_app")
        )


def test_celery_subclass_methods_configure_its_apps(tmp_path: Path) -> None:
    source = """
        from celery import Celery


        class FlaskCelery(Celery):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.conf.task_default_queue = "web"

            def init_app(self, app):
                self.conf["accept_content"] = ["json"]
                self.conf.update(app.config)


        class Other:
            def init_app(self, app):
                self.conf["result_expires"] = 5


        celery = FlaskCelery("proj")
    """
    files = {"proj/__init__.py": "", "proj/ext.py": source}
    with project(tmp_path, files) as config:
        assert config.apps == ("proj.ext.celery",)
        (queue,) = config.values_for("task_default_queue", "proj.ext.celery")
        assert queue.value == "web"
        assert queue.kind is Kind.PRODUCTION
        (accept,) = config.values_for("accept_content", "proj.ext.celery", production=False)
        assert accept.op == "item"
        assert accept.kind is Kind.UNKNOWN  # only when ``init_app`` runs
        assert not config.values("result_expires")
