"""SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).

``tool.driver.rules`` is built from the rule classes (id, name, descriptions, help, docs
URL, default level); results carry regions (1-based lines and Unicode code-point columns,
end exclusive, as our spans are), fixes where a rule offers one, and a stable
``partialFingerprints`` entry so that viewers can track a finding across commits.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from celerylint import __version__
from celerylint.diagnostics import Diagnostic, Severity, Span
from celerylint.example_docs import docs_with_examples
from celerylint.reporters.common import rule_url
from celerylint.reporters.fingerprint import fingerprints
from celerylint.rules import all_rules
from celerylint.rules.base import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/celerylint/celerylint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "celerylint/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def doc_section(rule: type[Rule], title: str) -> str:
    """The text of one ``## title`` section of a rule's docs, paragraphs kept."""
    match = re.search(rf"^## {re.escape(title)}\s*\n(.*?)(?=^## |\Z)", rule.docs(), re.M | re.S)
    if match is None:
        return ""
    paragraphs = [
        " ".join(line.strip() for line in block.splitlines())
        for block in match.group(1).strip().split("\n\n")
    ]
    return "\n\n".join(p for p in paragraphs if p)


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    summary = rule.summary()
    why = doc_section(rule, "Why is this bad?")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": f"{summary}\n\n{why}" if why else summary},
        "help": {
            "text": f"{summary}\n\n{rule_url(rule.code)}",
            "markdown": docs_with_examples(rule),
        },
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {
            "level": LEVELS[rule.severity],
            "enabled": rule.default_enabled,
        },
        "properties": {
            "tags": ["celery", "project" if rule.project else "file"],
            "precision": "high",
            "fix": rule.fix_safety.value,
        },
    }


def _region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }


def _artifact(path: str, base: str) -> dict[str, str]:
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, base)
    except ValueError:
        rel = ".."
    if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
        return {"uri": Path(absolute).as_uri()}
    return {"uri": rel.replace(os.sep, "/"), "uriBaseId": SRCROOT}


def _result(
    diag: Diagnostic, index: Mapping[str, int], base: str, fingerprint: str
) -> dict[str, Any]:
    location = {"artifactLocation": _artifact(diag.path, base), "region": _region(diag.span)}
    result: dict[str, Any] = {
        "ruleId": diag.code,
        "level": LEVELS[diag.severity],
        "message": {"text": diag.message},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if diag.code in index:
        result["ruleIndex"] = index[diag.code]
    if diag.fix is not None and diag.fix.edits:
        result["fixes"] = [
            {
                "description": {"text": diag.fix.message},
                "artifactChanges": [
                    {
                        "artifactLocation": _artifact(diag.path, base),
                        "replacements": [
                            {
                                "deletedRegion": _region(edit.span),
                                "insertedContent": {"text": edit.content},
                            }
                            for edit in diag.fix.edits
                        ],
                    }
                ],
                "properties": {"safety": diag.fix.safety.value},
            }
        ]
    return result


def to_sarif(
    diagnostics: Sequence[Diagnostic], sources: Mapping[str, str], base: str | None = None
) -> dict[str, Any]:
    base = os.path.abspath(base if base is not None else os.getcwd())
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    prints = fingerprints(diagnostics, sources)
    base_uri = Path(base).as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "celerylint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [rule_descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": base_uri}},
                "columnKind": "unicodeCodePoints",
                "results": [
                    _result(d, index, base, fp) for d, fp in zip(diagnostics, prints, strict=True)
                ],
            }
        ],
    }


def render(
    diagnostics: Sequence[Diagnostic], sources: dict[str, str], *, unsafe_fixes: bool = False
) -> str:
    return json.dumps(to_sarif(diagnostics, sources), indent=2) + "\n"
