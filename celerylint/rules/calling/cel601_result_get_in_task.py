from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.results import source_confirmed
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.results import describe_source


class ResultGetInTask(ProjectRule):
    """
    ## What it does
    Reports a task that waits for another task's result: `.get()`, `.join()`, `.wait()` or
    `.collect()` on an `AsyncResult`, `GroupResult` or `ResultSet` inside a task body.

    Methods of `celery.Task` subclasses (`run` and the handlers) count as task code.
    Results are traced from `t.delay()`, `t.apply_async()` (also on signatures), called
    `chain`/`group`/`chord` objects, `app.send_task()`, `AsyncResult(id)` and
    `app.AsyncResult(id)`, through local variables, list comprehensions, `.append()`
    and `for` loops. `.get()` on anything else (a dict, a parameter) is never reported.
    With `disable_sync_subtasks=False` or inside `with allow_join_result():` the wait is
    deliberate and the finding is only informational.

    ## Why is this bad?
    A worker process that waits for a subtask is not doing work. When every process of
    the pool waits for subtasks queued behind them, the pool deadlocks. Celery's Tasks
    guide (*Avoid launching synchronous subtasks*) calls it "really inefficient, and may
    even cause a deadlock if the worker pool is exhausted", and at run time
    `result.get()` raises `RuntimeError("Never call result.get() within a task!")`
    (eager mode hides it).

    ## Use instead
    ```python
    @shared_task
    def update_page_info(url):
        chain(fetch_page.s(url), parse_page.s(), store_page_info.s(url)).delay()
    ```

    ## Fix safety
    There is no fix: turning the waits into a chain or chord restructures the task.
    """

    code = "CEL601"
    name = "result-get-in-task"
    message = (
        "Task `{task}` waits on {source} with `.{read}()`; a worker blocked on a subtask can "
        "deadlock the pool, so chain the work instead"
    )
    severity = Severity.ERROR
    examples = (
        Invalid(
            """
            from celery import Task, shared_task


            @shared_task
            def fetch_page(url):
                return url


            class Crawl(Task):
                name = "crawler.crawl"

                def run(self, url):
                    return fetch_page.delay(url).get(timeout=30)  # error@16: CEL601
            """
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task
            def fetch_page(url):
                return url


            @shared_task
            def update_page_info(url):
                page = fetch_page.delay(url).get()  # error@12: CEL601
                return page
            """
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task
            def resize(image_id):
                return image_id


            @shared_task
            def resize_all(image_ids):
                results = [resize.delay(i) for i in image_ids]
                return [r.get(timeout=30) for r in results]  # error@13: CEL601
            """
        ),
        Invalid(
            """
            from celery import group, shared_task


            @shared_task
            def score(user_id):
                return user_id


            @shared_task(bind=True)
            def leaderboard(self, user_ids):
                pending = []
                for user_id in user_ids:
                    pending.append(score.apply_async((user_id,)))
                for result in pending:
                    result.wait()  # error: CEL601
                job = group(score.s(u) for u in user_ids)()
                return job.join()  # error@12: CEL601
            """
        ),
        Invalid(
            """
            from celery import chain, current_app, shared_task


            @shared_task
            def extract(path):
                return path


            @shared_task
            def load(rows):
                return rows


            @shared_task
            def nightly_import(path):
                rows = current_app.send_task("etl.extract", args=(path,)).get()  # error@12: CEL601
                flow = chain(extract.s(path), load.s()).delay()
                for _parent, value in flow.collect():  # error@27: CEL601
                    rows = value
                return rows
            """
        ),
        Invalid(
            """
            from celery import shared_task
            from celery.result import AsyncResult, allow_join_result


            @shared_task
            def poll(task_id):
                with allow_join_result():
                    return AsyncResult(task_id).get()  # error@16: CEL601
            """
        ),
        Valid(
            """
            from celery import chain, shared_task


            @shared_task
            def fetch_page(url):
                return url


            @shared_task
            def parse_page(page):
                return page


            @shared_task
            def update_page_info(url, cache):
                page = cache.get(url)  # a dict, not a result
                options = {"retries": 3}
                options.get("retries")
                chain(fetch_page.s(url), parse_page.s()).delay()
                return page
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task
            def fetch_page(url):
                return url


            def fetch_now(url):
                # not a task: a management command or a test may wait
                return fetch_page.delay(url).get(timeout=10)


            @shared_task
            def check(result, pool):
                # parameters and other libraries' objects are not traced
                result.get()
                return pool.apply_async(len, ("x",)).get()
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task
            def fetch_page(url):
                return url


            @shared_task
            def status(url):
                result = fetch_page.delay(url)
                if result.ready():  # not waiting
                    return result.state
                result = {"state": "PENDING"}
                return result.get("state")  # rebound to a dict
            """
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        for facts in index.by_path.values():
            for read in facts.result_reads:
                if not read.blocking or read.function is None or read.span is None:
                    continue
                name = _task_name(index, facts.module, facts.path, read.function)
                if name is None or not source_confirmed(read.source, index):
                    continue
                yield Finding(
                    facts.path,
                    read.span,
                    {
                        "task": name,
                        "source": describe_source(read.source),
                        "read": read.read,
                    },
                    severity=Severity.INFO if read.opted_out else None,
                )


def _task_name(index: ProjectIndex, module: str, path: str, function: str) -> str | None:
    """The task whose code this function is: a task function, or a method of a
    ``celery.Task`` subclass (``run`` and the handlers run in the worker too)."""
    task = index.task_for(path, function)
    if task is not None:
        return task.fact.function.rsplit(".", 1)[-1]
    owner, _, method = function.rpartition(".")
    if owner and "." not in owner and index.task_class(f"{module}.{owner}") is not None:
        return f"{owner}.{method}"
    return None
