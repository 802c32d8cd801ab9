from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import Severity
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.task_scope import task_body

#: blocking network calls with no timeout by default -> the position ``timeout`` takes
#: when passed positionally (None: keyword only)
IO_CALLS: dict[str, int | None] = {
    **{
        f"requests.{verb}": None
        for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request")
    },
    **{f"requests.api.{verb}": None for verb in ("get", "post", "put", "patch", "delete")},
    "urllib.request.urlopen": 2,
    "smtplib.SMTP": 3,
    "smtplib.SMTP_SSL": None,
    "socket.create_connection": 1,
    "http.client.HTTPConnection": 2,
    "http.client.HTTPSConnection": None,
    "ftplib.FTP": 4,
}


class IoWithoutTimeout(FileRule):
    """
    ## What it does
    Reports network calls without a timeout in a task body: `requests.get/post/...`,
    `urllib.request.urlopen()`, `smtplib.SMTP()`, `socket.create_connection()`,
    `http.client.HTTPConnection()` and `ftplib.FTP()` with no `timeout` (keyword or
    positional). Calls through a `requests.Session` are not reported (a session subclass
    may set a default), nor calls that pass `**kwargs` (the timeout may be in them).

    ## Why is this bad?
    These calls wait forever by default. A server that accepts the connection and never
    answers holds the worker slot until a time limit kills the process, or for good when no
    time limit is set. "If your task does I/O then make sure you add timeouts to these
    operations" (Tasks guide).

    ## Use instead
    ```python
    @shared_task
    def fetch_rates():
        return requests.get("https://api.example.com/rates", timeout=(3.05, 30)).json()
    ```

    ## Fix safety
    There is no fix yet. Adding a timeout would be an unsafe fix: a slow call that used to
    succeed may now fail.
    """

    code = "CEL306"
    name = "io-without-timeout"
    message = "`{call}()` in task `{task}` has no timeout and can hang the worker slot forever; pass `timeout=`"
    severity = Severity.WARNING
    examples = (
        Invalid(
            """
            import smtplib
            from urllib.request import urlopen

            import requests
            from celery import shared_task


            @shared_task
            def fetch_rates(url):
                rates = requests.get(url).json()  # error@13: CEL306
                page = urlopen(url)  # error@12: CEL306
                with smtplib.SMTP("mail.example.com", 25) as smtp:  # error@10: CEL306
                    smtp.noop()
                return rates, page
            """
        ),
        Invalid(
            """
            import requests
            from celery import Task


            class SyncTask(Task):
                def run(self, payload):
                    return requests.post("https://api.example.com", json=payload)  # error@16: CEL306
            """
        ),
        Valid(
            """
            import socket
            from urllib.request import urlopen

            import requests
            from celery import shared_task

            session = requests.Session()


            @shared_task
            def fetch_rates(url, options):
                requests.get(url, timeout=10)
                urlopen(url, None, 5)
                socket.create_connection(("db", 5432), 3)
                session.get(url)  # a session may carry a default timeout
                requests.post(url, **options)  # the timeout may be in options
                return url


            def fetch_in_a_script(url):
                return requests.get(url)  # not a task
            """
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        ref = self.ctx.resolve(node.func)
        if ref is None or ref not in IO_CALLS:
            return
        body = task_body(self.ctx)
        if body is None:
            return
        position = IO_CALLS[ref]
        positional = 0
        for arg in node.args:
            if arg.star:
                return  # ``*args``/``**kwargs``: the timeout may be in there
            if arg.keyword is not None:
                if arg.keyword.value == "timeout":
                    return
            else:
                positional += 1
        if position is not None and positional > position:
            return
        name = body.function if body.is_class else body.node.name.value
        self.report(node, call=ref, task=name, condition=body.condition())
