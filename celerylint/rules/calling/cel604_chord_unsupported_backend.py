from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.factdata import ModuleFacts
from celerylint.project.calls import checkable_task, chord_support
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.django import is_test_module


class ChordUnsupportedBackend(ProjectRule):
    """
    ## What it does
    Reports chords (`chord(header)(body)`, `chord(header, body)`, and a group chained
    into a task, which Celery upgrades to a chord) when the production result backend
    cannot run them: the `rpc://` backend, or a backend set to `"disabled"`/`None`. When
    the backend has no native join (anything but Redis, memcached, DynamoDB, Google Cloud
    Storage and django-celery-results), the finding is informational: Celery falls back to
    polling.

    The backend comes from the configuration Celery reads in production (`result_backend`,
    `CELERY_RESULT_BACKEND`, `Celery(backend=...)`); values read from the environment are
    left alone. A project with no backend at all is CEL510's.

    ## Why is this bad?
    The `rpc` backend raises `NotImplementedError: The "rpc" result backend does not
    support chords!` when the chord is applied, and so does a disabled backend. Backends
    without a native join run the `celery.chord_unlock` task, which retries every
    `result_chord_retry_interval` seconds, forever by default, until the header is done
    (Canvas guide, *Chords: Important Notes*).

    ## Use instead
    ```python
    CELERY_RESULT_BACKEND = "redis://redis:6379/1"
    ```

    ## Fix safety
    There is no fix: the backend is an operations decision.
    """

    code = "CEL604"
    name = "chord-unsupported-backend"
    message = "This {what} needs a result backend with chord support, but `{backend}` {problem}"
    severity = Severity.ERROR
    examples = (
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                """,
                "proj/settings.py": """
                    CELERY_BROKER_URL = "amqp://rabbitmq"
                    CELERY_RESULT_BACKEND = "rpc://"
                """,
                "gallery/__init__.py": "",
                "gallery/tasks.py": """
                    from celery import chord, group, shared_task


                    @shared_task
                    def resize(image_id):
                        return image_id


                    @shared_task
                    def publish_gallery(image_ids):
                        return image_ids


                    def publish(image_ids):
                        chord(resize.s(i) for i in image_ids)(publish_gallery.s())  # error: CEL604
                        (group(resize.s(i) for i in image_ids) | publish_gallery.s()).delay()  # error@6: CEL604
                """,
            }
        ),
        Invalid(
            files={
                "worker/__init__.py": "",
                "worker/app.py": """
                    from celery import Celery

                    # a chord here works, but polls the database every second until done
                    app = Celery("worker", backend="db+postgresql://db/results")
                """,
                "worker/tasks.py": """
                    from celery import chord

                    from worker.app import app


                    @app.task
                    def crawl(url):
                        return url


                    @app.task
                    def index(pages):
                        return len(pages)


                    def crawl_site(urls):
                        return chord([crawl.s(u) for u in urls], index.s()).delay()  # error@12: CEL604
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj", backend="redis://redis:6379/1")
                """,
                "gallery/__init__.py": "",
                "gallery/tasks.py": """
                    from celery import chain, chord, group, shared_task


                    @shared_task
                    def resize(image_id):
                        return image_id


                    @shared_task
                    def publish_gallery(image_ids):
                        return image_ids


                    def publish(image_ids):
                        chord(resize.s(i) for i in image_ids)(publish_gallery.s())
                        chain(resize.s(1), publish_gallery.s()).delay()  # a chain is no chord
                        group(resize.s(i) for i in image_ids).delay()
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        verdicts: dict[frozenset[str] | None, tuple[str, str] | None] = {}
        for facts in index.by_path.values():
            if is_test_module(facts.module):
                continue
            for number, chord in enumerate(facts.chords):
                if chord.span is None:
                    continue
                apps = _apps_of(facts, number, index)
                if apps not in verdicts:
                    verdicts[apps] = chord_support(index, apps)
                verdict = verdicts[apps]
                if verdict is None or verdict[1] == "native":
                    continue
                backend, support = verdict
                if support == "unsupported":
                    problem = "cannot run chords (`NotImplementedError` when the chord is sent)"
                    severity = None
                else:
                    problem = (
                        "has no native chord join: Celery polls with the `celery.chord_unlock` "
                        "task every `result_chord_retry_interval` seconds"
                    )
                    severity = Severity.INFO
                what = (
                    "chord"
                    if chord.kind == "chord"
                    else "group chained into a task (an implicit chord)"
                )
                yield Finding(
                    facts.path,
                    chord.span,
                    {"what": what, "backend": backend, "problem": problem},
                    severity=severity,
                )


def _apps_of(facts: ModuleFacts, chord: int, index: ProjectIndex) -> frozenset[str] | None:
    """The Celery apps a chord's tasks are registered with, when they all name theirs
    (``@app.task``); None when any is a shared task (sent through whichever app is
    current) or unknown."""
    apps: set[str] = set()
    for sig in facts.signatures:
        if sig.chord != chord:
            continue
        task = checkable_task(index, sig.receiver, sig.task_name)
        app = index.task_app(task) if task is not None else None
        if app is None:
            return None
        apps.add(app)
    return frozenset(apps) or None
