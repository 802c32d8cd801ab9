"""The configuration collector: settings writes, app configuration, environment defaults
and settings reads, gathered in the one traversal of each file. (App factories, result
uses and retries, read by the configuration model too, have their own collectors:
``facts/app_factories.py``, ``facts/result_uses.py``, ``facts/retries.py``.)

It only records plain facts (``factdata/``); what they mean for Celery (which names
a config source is read with, which module is production) is decided in phase 2 by
``project/config_model.py``. Positions are requested only for nodes a rule may report on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import (
    LOCAL_RECEIVER,
    SELF_RECEIVER,
    ConfWriteFact,
    EnvDefaultFact,
    SettingFact,
)
from celerylint.facts.app_factories import in_factory_body
from celerylint.kit.context import FileContext
from celerylint.kit.values import UNKNOWN, DictValue, Value, evaluate, string_value
from celerylint.semantics.config_env import OTHER, guard_kind, selects_environment
from celerylint.semantics.config_names import is_config_name
from celerylint.semantics.tasks import CELERY_APP_CLASSES

SpanOf = Callable[[cst.CSTNode], Span]

DJANGO_SETTINGS = frozenset({"django.conf.settings"})
_SETTING_METHODS = frozenset({"update", "append", "extend", "setdefault"})


def _conf_receiver(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """``X`` for ``X.conf``, else None."""
    if isinstance(node, cst.Attribute) and node.attr.value == "conf":
        return node.value
    return None


def _string_key(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = string_value(node)
        return value if isinstance(value, str) else None
    return None


class ConfigCollector:
    """Settings writes, app configuration, env defaults, settings reads."""

    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._settings: list[tuple[SettingFact, cst.CSTNode | None]] = []
        self._conf: list[tuple[ConfWriteFact, cst.CSTNode | None]] = []
        self._env: list[EnvDefaultFact] = []
        self._reads: dict[str, None] = {}
        self._replaces_app_task = False
        self._guards: list[str] = []  # module-level ``if`` tests, innermost last
        self._block_depth = 0
        self._stores: set[int] = set()  # ``app.conf.X = v`` targets are writes, not reads

    # -- helpers ----------------------------------------------------------------------------

    def _value(self, node: cst.BaseExpression) -> Value:
        return evaluate(node, self.ctx.resolve)

    def _alternatives(self, node: cst.BaseExpression) -> tuple[Value, ...]:
        """Both branches of ``a if c else b``; the operands of ``a + b``, ``a or b``; both
        truth values for ``not OTHER_SETTING``."""
        if isinstance(node, cst.IfExp):
            return (self._value(node.body), self._value(node.orelse))
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            return (*self._operands(node.left), *self._operands(node.right))
        if isinstance(node, cst.BooleanOperation):
            return (self._value(node.left), self._value(node.right))
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            return (True, False)  # derived from other settings: either (saleor's eager mode)
        return ()

    def _operands(self, node: cst.BaseExpression) -> tuple[Value, ...]:
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            return (*self._operands(node.left), *self._operands(node.right))
        return (self._value(node),)

    def _guard(self) -> str | None:
        if not self._guards:
            return None
        for guard in reversed(self._guards):
            if selects_environment(guard):
                return guard
        for guard in reversed(self._guards):
            if guard != OTHER:
                return guard  # a broker condition (``if HAS_CELERY:``)
        return OTHER

    def _local_receiver(self, node: cst.BaseExpression) -> str | None:
        """``<local>.celery`` for ``celery`` (in ``celery.conf...``) when it is a local name
        of a module-level function (the resolver knows no qualified name for it)."""
        if not isinstance(node, cst.Name):
            return None
        if in_factory_body(self.ctx):
            return LOCAL_RECEIVER + node.value
        ctx = self.ctx
        if len(ctx.functions) != 1 or len(ctx.classes) != 1:
            return None
        method = ctx.functions[0].node
        if not isinstance(method, cst.FunctionDef) or method.decorators:
            return None  # a static or class method, or one wrapped by something
        params = method.params.params
        if params and params[0].name.value == node.value:
            return SELF_RECEIVER  # ``self.conf...`` in a method of a module-level class
        return None

    def _receiver(self, node: cst.BaseExpression) -> str | None:
        """Who a ``conf`` belongs to: a qualified name, or a factory's local name."""
        return self.ctx.resolve(node) or self._local_receiver(node)

    @property
    def _module_body(self) -> bool:
        return not self.ctx.functions and not self.ctx.classes

    @property
    def _class_body(self) -> bool:
        return not self.ctx.functions and len(self.ctx.classes) == 1

    def _setting(
        self,
        name: str,
        value_node: cst.BaseExpression | None,
        node: cst.CSTNode,
        op: str = "=",
        key: Value = None,
        value: Value | None = None,
    ) -> None:
        owner = self.ctx.classes[0].name.value if self.ctx.classes else None
        if value is None:
            value = self._value(value_node) if value_node is not None else UNKNOWN
        alternatives: tuple[Value, ...] = ()
        if value is UNKNOWN and value_node is not None:
            alternatives = self._alternatives(value_node)
        fact = SettingFact(
            name,
            value,
            op,
            key,
            alternatives,
            owner,
            self._guard(),
            self._block_depth > 0,
        )
        self.ctx.want_position(node)
        self._settings.append((fact, node))

    def _conf_write(
        self,
        receiver: str,
        op: str,
        key: str | None,
        value_node: cst.BaseExpression | None,
        node: cst.CSTNode,
        value: Value | None = None,
    ) -> None:
        if value is None:
            value = self._value(value_node) if value_node is not None else UNKNOWN
        alternatives: tuple[Value, ...] = ()
        if value is UNKNOWN and value_node is not None:
            alternatives = self._alternatives(value_node)
        fn = self.ctx.function
        fact = ConfWriteFact(
            receiver,
            op,
            key,
            value,
            alternatives,
            self._guard(),
            fn.qualname if fn is not None else None,
        )
        self.ctx.want_position(node)
        self._conf.append((fact, node))

    # -- blocks and guards ------------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        if not self.ctx.functions:
            self._guards.append(guard_kind(node.test, self.ctx.resolve))
            self._block_depth += 1

    def leave_If(self, node: cst.If) -> None:
        if not self.ctx.functions:
            self._guards.pop()
            self._block_depth -= 1

    def visit_Else(self, node: cst.Else) -> None:
        if not self.ctx.functions and self._guards:
            guard = self._guards[-1]
            if guard != OTHER:
                self._guards[-1] = guard[1:] if guard.startswith("!") else "!" + guard

    def _enter_block(self, node: cst.CSTNode) -> None:
        if not self.ctx.functions:
            self._block_depth += 1

    def _leave_block(self, node: cst.CSTNode) -> None:
        if not self.ctx.functions:
            self._block_depth -= 1

    visit_For = visit_Try = visit_While = visit_With = _enter_block
    leave_Try = leave_For = leave_While = leave_With = _leave_block

    # -- writes -----------------------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._factory_binding(target.target, node.value)
            self._assign_target(target.target, node.value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._factory_binding(node.target, node.value)
        if node.value is not None:
            self._assign_target(node.target, node.value, node)

    def _factory_binding(
        self, target: cst.BaseExpression, value: cst.BaseExpression | None
    ) -> None:
        """``celery = Celery(...)`` in a module-level function (``facts/app_factories.py``)."""
        if (
            in_factory_body(self.ctx)
            and isinstance(target, cst.Name)
            and isinstance(value, cst.Call)
        ):
            self._app_init(target.value, value, LOCAL_RECEIVER + target.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target
        if (
            isinstance(target, cst.Name)
            and isinstance(node.operator, cst.AddAssign)
            and (self._module_body or self._class_body)
            and is_config_name(target.value)
        ):
            self._setting(target.value, node.value, node, op="+=")

    def _assign_target(
        self, target: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode
    ) -> None:
        ctx = self.ctx
        if isinstance(target, cst.Name):
            if not (self._module_body or self._class_body):
                return  # a local (``facts/result_uses.py`` follows dispatch results)
            if self._class_body and target.value in {"Task", "task_cls"}:
                self._replaces_app_task = True  # a ``Celery`` subclass's own Task class
            if is_config_name(target.value):
                self._setting(target.value, value, node)
            if self._module_body and isinstance(value, cst.Call):
                self._app_init(target.value, value)
            return
        if isinstance(target, cst.Attribute):
            self._stores.add(id(target))
            if target.attr.value == "Task":
                self._replaces_app_task = True  # ``app.Task = ContextTask``
            conf = _conf_receiver(target.value)
            if conf is not None and (receiver := self._receiver(conf)):
                self._conf_write(receiver, "attr", target.attr.value, value, node)
            return
        if isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            if not isinstance(index, cst.Index):
                return
            key = _string_key(index.value)
            base = target.value
            conf = _conf_receiver(base)
            if conf is not None:
                receiver = self._receiver(conf)
                if receiver and key is not None:
                    self._conf_write(receiver, "item", key, value, node)
                return
            ref = ctx.resolve(base)
            if ref == "os.environ" and key is not None:
                text = self._value(value)
                if isinstance(text, str):
                    fn = ctx.function
                    self._env.append(EnvDefaultFact(key, text, fn.qualname if fn else None))
                return
            if (
                isinstance(base, cst.Name)
                and self._module_body
                and is_config_name(base.value)
                and key is not None
            ):
                self._setting(base.value, value, node, op="item", key=key)

    def _app_init(self, name: str, call: cst.Call, receiver: str | None = None) -> None:
        """``app = Celery("proj", broker=..., **kw)``: the keyword arguments, with spans
        (``receiver``: a factory's local, ``<local>.celery``)."""
        callee = self.ctx.resolve(call.func)
        if callee is None or (
            callee not in CELERY_APP_CLASSES and "Celery" not in callee.rsplit(".", 1)[-1]
        ):
            return
        if receiver is None:
            receiver = f"{self.ctx.module}.{name}" if self.ctx.module else name
        for arg in call.args:
            if arg.keyword is not None:
                self._conf_write(receiver, "init", arg.keyword.value, arg.value, arg)

    # -- calls ------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        ctx = self.ctx
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            owner = func.value
            if method in _SETTING_METHODS:
                conf = _conf_receiver(owner)
                if conf is not None:
                    receiver = self._receiver(conf)
                    if receiver:
                        self._conf_call(receiver, method, node)
                    return
                if method == "setdefault":
                    if ctx.resolve(owner) == "os.environ":
                        self._environ_setdefault(node)
                    return
                if (
                    isinstance(owner, cst.Name)
                    and self._module_body
                    and is_config_name(owner.value)
                ):
                    self._setting_call(owner.value, method, node)
                return
        if isinstance(func, cst.Name | cst.Attribute):
            name = func.value if isinstance(func, cst.Name) else func.attr.value
            if (
                name == "getattr"
                and len(node.args) >= 2
                and ctx.resolve(node.args[0].value) in DJANGO_SETTINGS
            ):
                key = _string_key(node.args[1].value)
                if key is not None:
                    self._reads[key] = None

    def _conf_call(self, receiver: str, method: str, node: cst.Call) -> None:
        if method == "setdefault":
            if len(node.args) >= 2 and (key := _string_key(node.args[0].value)) is not None:
                self._conf_write(receiver, "setdefault", key, node.args[1].value, node)
            return
        if method != "update":
            return
        for arg in node.args:
            if arg.star == "**":
                self._conf_write(receiver, "update", None, arg.value, arg)
            elif arg.keyword is not None:
                self._conf_write(receiver, "update", arg.keyword.value, arg.value, arg)
            elif not arg.star and isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    if isinstance(element, cst.DictElement):
                        key = _string_key(element.key)
                        if key is not None:
                            self._conf_write(receiver, "update", key, element.value, element)
                        else:
                            self._conf_write(receiver, "update", None, None, element, UNKNOWN)
                    else:
                        self._conf_write(receiver, "update", None, element.value, element)
            elif not arg.star:
                self._conf_write(receiver, "update", None, arg.value, arg)

    def _setting_call(self, name: str, method: str, node: cst.Call) -> None:
        if method == "update":
            items: list[tuple[Value, Value]] = []
            complete = True
            for arg in node.args:
                if arg.keyword is not None:
                    items.append((arg.keyword.value, self._value(arg.value)))
                elif not arg.star:
                    value = self._value(arg.value)
                    if isinstance(value, DictValue):
                        items.extend(value.items)
                        complete = complete and value.complete
                    else:
                        complete = False
                else:
                    complete = False
            self._setting(name, None, node, op="update", value=DictValue(tuple(items), complete))
        elif method in {"append", "extend"} and len(node.args) == 1:
            self._setting(name, node.args[0].value, node, op=method)

    def _environ_setdefault(self, node: cst.Call) -> None:
        if len(node.args) < 2:
            return
        var = _string_key(node.args[0].value)
        value = self._value(node.args[1].value)
        if var is not None and isinstance(value, str):
            fn = self.ctx.function
            self._env.append(EnvDefaultFact(var, value, fn.qualname if fn else None))

    # -- reads ------------------------------------------------------------------------------

    def visit_Attribute(self, node: cst.Attribute) -> None:
        attr = node.attr.value
        base = node.value
        if isinstance(base, cst.Name):
            # ``settings.X`` of Django, or of a project's own settings wrapper
            # (``from proj.system_settings import settings``)
            if (
                attr.isupper()
                and base.value != "self"
                and (self.ctx.resolve(base) in DJANGO_SETTINGS or base.value.endswith("settings"))
            ):
                self._reads[attr] = None
            return
        if (
            isinstance(base, cst.Attribute)
            and base.attr.value == "conf"
            and id(node) not in self._stores
            and (attr.isupper() or is_config_name(attr))
        ):
            self._reads[attr] = None

    # -- result -----------------------------------------------------------------------------

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        def place(fact: Any, node: cst.CSTNode | None) -> Any:
            if node is None or span_of is None:
                return fact
            return dataclasses.replace(fact, span=span_of(node))

        return {
            "setting_writes": tuple(place(f, n) for f, n in self._settings),
            "conf_writes": tuple(place(f, n) for f, n in self._conf),
            "env_defaults": tuple(self._env),
            "setting_reads": tuple(self._reads),
            "replaces_app_task": self._replaces_app_task,
        }
