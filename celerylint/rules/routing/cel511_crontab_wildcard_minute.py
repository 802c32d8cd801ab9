from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity
from celerylint.kit.edits import NodeFix
from celerylint.kit.fixkit import keyword, with_arguments
from celerylint.kit.values import Ref, evaluate, is_known
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics import celery_data

CRONTAB_REFS = frozenset({"celery.schedules.crontab"})
#: ``crontab``'s fields in positional order, from the installed celery (``minute`` first)
FIELDS: tuple[str, ...] = celery_data.CRONTAB_FIELDS


class CrontabWildcardMinute(FileRule):
    """
    ## What it does
    Reports `celery.schedules.crontab(...)` that restricts the hour, day of week, day of
    month or month of year, but leaves `minute` at its default `"*"` (or sets it to
    `"*"`), so the schedule fires every minute while it matches.

    ## Why is this bad?
    `crontab(hour=3)` does not mean "at 3 o'clock": `minute` defaults to `"*"`, so it runs
    sixty times, from 03:00 to 03:59. The Celery docs' crontab table lists
    `crontab(day_of_week="sunday")` as "Execute every minute (!) at Sundays".

    ## Use instead
    ```python
    CELERY_BEAT_SCHEDULE = {
        "nightly": {"task": "reports.tasks.build", "schedule": crontab(minute=0, hour=3)},
    }
    ```

    ## Fix safety
    The fix sets `minute=0` (adds it, or replaces the `"*"`). It is unsafe: it changes
    when the task runs, which is the point, but minute 0 may not be the minute meant, so
    it is applied only with `--unsafe-fixes`.
    """

    code = "CEL511"
    name = "crontab-wildcard-minute"
    message = (
        "This `crontab` restricts {fields} but {minute}, so it fires every minute "
        "while the schedule matches"
    )
    severity = Severity.WARNING
    fix_safety = FixSafety.UNSAFE
    examples = (
        Invalid(
            """
            from celery.schedules import crontab

            nightly = crontab(hour=3)  # error@11: CEL511
            sundays = crontab(day_of_week="sunday")  # error@11: CEL511
            monthly = crontab("*", 0, day_of_month=1)  # error@11: CEL511
            spread = crontab(  # error@10: CEL511
                hour="*/4",
            )
            """,
            fixed="""
            from celery.schedules import crontab

            nightly = crontab(minute=0, hour=3)  # error@11: CEL511
            sundays = crontab(minute=0, day_of_week="sunday")  # error@11: CEL511
            monthly = crontab(0, 0, day_of_month=1)  # error@11: CEL511
            spread = crontab(  # error@10: CEL511
                minute=0,
                hour="*/4",
            )
            """,
        ),
        Invalid(
            """
            from celery import schedules

            CELERY_BEAT_SCHEDULE = {
                "digest": {
                    "task": "mail.tasks.send_digest",
                    "schedule": schedules.crontab(minute="*", hour="7,19"),  # error@21: CEL511
                },
            }
            """,
            fixed="""
            from celery import schedules

            CELERY_BEAT_SCHEDULE = {
                "digest": {
                    "task": "mail.tasks.send_digest",
                    "schedule": schedules.crontab(minute=0, hour="7,19"),  # error@21: CEL511
                },
            }
            """,
        ),
        Valid(
            """
            from celery.schedules import crontab

            from proj.conf import REPORT_HOUR

            nightly = crontab(minute=0, hour=3)
            quarterly = crontab(0, 0, day_of_month="1", month_of_year="*/3")
            every_minute = crontab()
            also_every_minute = crontab(hour="*")
            business_hours = crontab(minute="*/15", hour="9-17")
            configured = crontab(hour=REPORT_HOUR)
            """
        ),
        # not Celery's crontab
        Valid(
            """
            from proj.scheduling import crontab

            nightly = crontab(hour=3)
            """
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        if name != "crontab" or self.ctx.resolve(func) not in CRONTAB_REFS:
            return
        given: dict[str, cst.BaseExpression] = {}
        for position, arg in enumerate(node.args):
            if arg.star:
                return  # ``crontab(**spec)``: fields we cannot see
            if arg.keyword is not None:
                given[arg.keyword.value] = arg.value
            elif position < len(FIELDS):
                given[FIELDS[position]] = arg.value
        restricted = []
        for field in FIELDS[1:]:
            if field in given:
                value = evaluate(given[field], self.ctx.resolve)
                if not is_known(value) or isinstance(value, Ref):
                    continue
                if value != "*":
                    restricted.append(f"`{field}`")
        if not restricted:
            return
        if "minute" in given:
            if evaluate(given["minute"], self.ctx.resolve) != "*":
                return
            minute = 'sets `minute="*"`'
        else:
            minute = 'leaves `minute` at its default `"*"`'
        self.report(node, fields=" and ".join(restricted), minute=minute, fix=self._at_zero(node))

    def _at_zero(self, node: cst.Call) -> NodeFix:
        """``minute=0``: the ``"*"`` replaced where it is given, else added first."""
        zero = cst.Integer("0")
        for position, arg in enumerate(node.args):
            named = arg.keyword.value if arg.keyword is not None else None
            if named == "minute" or (named is None and position == 0):
                return self.fix({arg.value: zero}, "Run at minute 0 (`minute=0`)")
        new = with_arguments(node, [keyword("minute", zero)], first=True)
        return self.fix({node: new}, "Run at minute 0 (`minute=0`)")
