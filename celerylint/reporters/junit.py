"""JUnit XML: one test suite per file, one failing test case per finding.

CI systems that only understand test reports (Jenkins, Azure Pipelines, GitLab's test
report widget) show findings this way. A clean run is one passing test case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from celerylint.diagnostics import Diagnostic
from celerylint.reporters.common import rule_name


def render(
    diagnostics: Sequence[Diagnostic], sources: dict[str, str], *, unsafe_fixes: bool = False
) -> str:
    n = str(len(diagnostics))
    tests = n if diagnostics else "1"
    root = ET.Element("testsuites", name="celerylint", tests=tests, failures=n, errors="0")
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(d.path, []).append(d)
    if not by_file:
        suite = ET.SubElement(
            root, "testsuite", name="celerylint", tests="1", failures="0", errors="0"
        )
        ET.SubElement(suite, "testcase", name="No findings", classname="celerylint")
    for path, found in by_file.items():
        count = str(len(found))
        suite = ET.SubElement(root, "testsuite", name=path, tests=count, failures=count, errors="0")
        for d in found:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{d.code} ({rule_name(d.code)}) at line {d.span.line}",
                classname=path,
                file=path,
                line=str(d.span.line),
            )
            failure = ET.SubElement(case, "failure", message=d.message, type=d.code)
            failure.text = f"{d.path}:{d.span.line}:{d.span.column}: {d.code} {d.message}"
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
