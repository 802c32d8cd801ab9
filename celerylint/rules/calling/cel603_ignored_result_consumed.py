from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.calls import ignores_result
from celerylint.project.index import ProjectIndex
from celerylint.project.results import source_confirmed, source_task
from celerylint.project.task_model import Task
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.django import is_test_module


class IgnoredResultConsumed(ProjectRule):
    """
    ## What it does
    Reports code that needs the result of a task that does not store it: a task with
    `ignore_result=True` (on the decorator, on its base class, or through the global
    `task_ignore_result` setting), or a call made with `apply_async(..., ignore_result=True)`,
    whose result is then read with `.get()`, `.join()`, `.wait()`, `.ready()`, `.state`,
    `.result` and the like, or which is used in a chord header (including the implicit chord
    of `group(...) | callback`). A header signature that sets the option itself counts too
    (`t.s(x).set(ignore_result=True)`, `t.signature((x,), ignore_result=True)`), and one
    that sets `ignore_result=False` stores its result whatever the task says. A chord
    body (the callback) that ignores its result is fine: it still runs, only the chord's
    own result is not stored. Reads in test modules are left alone: tests usually run tasks
    eagerly, and eager results are kept.

    ## Why is this bad?
    The result backend never hears about such a task: its state stays `PENDING`, an
    `AsyncResult(id)` rebuilt from the id blocks forever, and in Celery 5.7 `.get()` on
    the result of a call with `ignore_result` returns `None` at once. "Tasks used within a
    chord must not ignore their results" (Canvas guide, *Chords: Important Notes*): with a
    database or other polling backend, `chord_unlock` waits for header results that are
    never stored, so the body never runs. Only the Redis backend's native join collects
    the header's return values without storing them (`on_chord_part_return` is called
    either way), which is an implementation detail to rely on at one's peril.

    ## Use instead
    ```python
    @shared_task
    def thumbnail(image_id): ...
    ```

    ## Fix safety
    There is no fix: storing results costs backend space, so whether to store them or to
    stop reading them is a design decision.
    """

    code = "CEL603"
    name = "ignored-result-consumed"
    message = "{what} ignores its result ({why}), {effect}"
    severity = Severity.ERROR
    examples = (
        Invalid(
            """
            from celery import shared_task


            @shared_task(ignore_result=True)
            def thumbnail(image_id):
                return image_id


            def make_thumbnail(image_id):
                result = thumbnail.delay(image_id)
                if result.ready():  # error@8: CEL603
                    return result.result  # error@16: CEL603
                return None
            """
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task
            def render(page):
                return page


            def render_now(page):
                return render.apply_async((page,), ignore_result=True).get(timeout=5)  # error@12: CEL603
            """
        ),
        Invalid(
            """
            from celery import chord, group, shared_task


            @shared_task(ignore_result=True)
            def crawl(url):
                return url


            @shared_task
            def summarize(pages):
                return len(pages)


            def crawl_all(urls):
                chord(crawl.s(u) for u in urls)(summarize.s())  # error@11: CEL603
                (group(crawl.s(u) for u in urls) | summarize.s()).delay()  # error@12: CEL603
            """
        ),
        Invalid(
            """
            from celery import chord, group, shared_task


            @shared_task
            def crawl(url):
                return url


            @shared_task
            def summarize(pages):
                return len(pages)


            def crawl_all(urls):
                chord([crawl.s(u).set(ignore_result=True) for u in urls], summarize.s())()  # error@12: CEL603
                chord(group(crawl.signature((u,), ignore_result=True) for u in urls))(summarize.s())  # error@17: CEL603
                (group(crawl.s(u).set(queue="io", ignore_result=True) for u in urls) | summarize.s())()  # error@12: CEL603
            """
        ),
        # near misses: the header stores its results (the signature overrides the task's
        # ``ignore_result=True``, or says nothing); only the callback ignores its result
        Valid(
            """
            from celery import chord, group, shared_task


            @shared_task(ignore_result=True)
            def crawl(url):
                return url


            @shared_task
            def fetch(url, **flags):
                return url, flags


            @shared_task(ignore_result=True)
            def summarize(pages):
                return len(pages)


            def crawl_all(urls, options):
                chord(crawl.s(u).set(ignore_result=False) for u in urls)(summarize.s())
                chord(crawl.s(u).set(**options) for u in urls)(summarize.s())
                chord(fetch.s(u).set(queue="io") for u in urls)(summarize.s())
                (group(fetch.s(u) for u in urls) | summarize.s().set(ignore_result=True))()
                # ``s``/``si`` pass the task's own keyword arguments, not options
                chord(fetch.si(u, ignore_result=True) for u in urls)(summarize.s())
            """
        ),
        # the header built first and held in a local name: reported where the chord uses it
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/worker.py": """
                    from celery import Celery


                    def make_celery(name):
                        app = Celery(name)
                        app.conf.update(result_backend="db+sqlite:///results.db")
                        return app


                    celery = make_celery("proj")
                """,
                "proj/tasks.py": """
                    from proj.worker import celery


                    @celery.task(ignore_result=True)
                    def render(page):
                        return page


                    @celery.task
                    def publish(pages):
                        return len(pages)
                """,
                "proj/views.py": """
                    from celery import chord, group

                    from proj.tasks import publish, render


                    def send(page):
                        header = [render.s(page), render.s(page + 1)]
                        chord(header)(publish.s())  # error@11: CEL603


                    def send_both(page):
                        header = group(render.s(p) for p in (page, page + 1))
                        chord(header, publish.s()).apply_async(countdown=5)  # error@11: CEL603


                    def send_later(page):
                        header = [render.s(page)]
                        chord(header).apply_async(args=(), kwargs={}, body=publish.s())  # error@11: CEL603
                        steps = group(render.s(page), render.s(page + 1))
                        (steps | publish.s()).delay()  # error@6: CEL603
                """,
            }
        ),
        # near misses: a header name bound more than once (which value reaches the chord is
        # not certain), a header whose tasks store their results
        Valid(
            """
            from celery import chord, shared_task


            @shared_task(ignore_result=True)
            def render(page):
                return page


            @shared_task
            def render_stored(page):
                return page


            @shared_task
            def publish(pages):
                return len(pages)


            def send(page, fast):
                header = [render_stored.s(page)]
                if fast:
                    header = [render.s(page)]
                chord(header)(publish.s())


            def send_stored(page):
                header = [render_stored.s(page), render_stored.s(page + 1)]
                chord(header)(publish.s())


            def send_overridden(page):
                header = [render.s(page).set(ignore_result=False)]
                chord(header)(publish.s())
            """
        ),
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                """,
                "proj/settings.py": """
                    CELERY_BROKER_URL = "redis://redis:6379/0"
                    CELERY_RESULT_BACKEND = "redis://redis:6379/1"
                    CELERY_TASK_IGNORE_RESULT = True
                """,
                "proj/tasks.py": """
                    from celery import Task, shared_task


                    class FireAndForget(Task):
                        ignore_result = True


                    @shared_task(base=FireAndForget)
                    def ping(host):
                        return host


                    @shared_task
                    def resolve(host):
                        return host
                """,
                "proj/checks.py": """
                    from proj.tasks import ping, resolve


                    def health(host):
                        alive = ping.delay(host).get(timeout=5)  # error@13: CEL603
                        address = resolve.delay(host).get(timeout=5)  # error@15: CEL603
                        return alive, address
                """,
            }
        ),
        Valid(
            """
            from celery import chord, shared_task


            @shared_task(ignore_result=True)
            def audit(event):
                return event


            @shared_task
            def crawl(url):
                return url


            @shared_task
            def summarize(pages):
                return len(pages)


            def record(event, urls, cache):
                audit.delay(event)  # fire and forget: fine
                audit.delay(event).id  # the id does not need the backend
                cache.get(event)
                chord(crawl.s(u) for u in urls)(summarize.s())
                return crawl.apply_async((event,), ignore_result=False).get(timeout=5)
            """
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        for facts in index.by_path.values():
            # tests usually run eagerly, where results are kept whatever the task says
            in_tests = is_test_module(facts.module)
            for read in facts.result_reads:
                if in_tests or read.span is None or not source_confirmed(read.source, index):
                    continue
                task = source_task(read.source, index)
                if read.source.ignore_result is True:
                    why = "`ignore_result=True` on this call"
                elif task is not None and (reason := ignores_result(task, index)):
                    why = reason
                else:
                    continue
                name = _task_name(task) if task is not None else "This task"
                effect = (
                    f"so `.{read.read}()` never sees it finish"
                    if read.read not in ("state", "status", "result", "info", "traceback")
                    else f"so `.{read.read}` never sees it finish"
                )
                yield Finding(facts.path, read.span, {"what": name, "why": why, "effect": effect})
            reported: set[tuple[object, str]] = set()
            for sig in facts.signatures:
                # a chord body that ignores its result still runs: only the chord's own
                # result is lost, which matters only where it is read (above)
                if sig.role != "chord-header" or sig.span is None:
                    continue
                if sig.receiver is not None:
                    task = index.task_at(sig.receiver)
                elif sig.task_name is not None:
                    found = index.tasks_by_name.get(sig.task_name, [])
                    task = found[0] if len(found) == 1 else None
                else:
                    task = None
                if task is None or sig.ignore_result in ("false", "unknown"):
                    continue  # the signature's own option decides (or may)
                if sig.ignore_result == "true":
                    reason = "`ignore_result=True` on this signature"
                elif not (reason := ignores_result(task, index)):
                    continue
                # a header held in a local name is reported where the chord uses it, once
                span = sig.via_span or sig.span
                if (span, task.fact.function) in reported:
                    continue
                reported.add((span, task.fact.function))
                yield Finding(
                    facts.path,
                    span,
                    {
                        "what": _task_name(task),
                        "why": reason,
                        "effect": (
                            "so a chord that waits for stored header results (every backend "
                            "but Redis) never sees the header finish and never runs its body"
                        ),
                    },
                )


def _task_name(task: Task) -> str:
    return f"`{task.fact.function.rsplit('.', 1)[-1]}`"
