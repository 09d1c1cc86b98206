"""Scenario results as plain values: JSON-ready dicts and JUnit XML.

The terminal view and ``--json`` are built from the same :class:`ScenarioResult`,
so they cannot disagree (DESIGN.md, render). JUnit XML follows the schema CI
systems read (Jenkins, GitLab, GitHub test reporters): one ``<testcase>`` per
scenario, a ``<failure>`` per failed scenario, an ``<error>`` per invalid one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tlsstep.errors import ScenarioError
from tlsstep.render.json import event_dict, plain, wait_dict
from tlsstep.scenario.result import Mismatch, ScenarioResult
from tlsstep.steps import step_line

# A step as the shell writes it (``deliver client records=1``): the one encoder.
step_text = step_line


def mismatch_dict(m: Mismatch) -> dict[str, Any]:
    return {
        "step": m.step + 1,
        "line": m.line,
        "check": m.check,
        "expected": plain(m.expected),
        "actual": plain(m.actual),
        "message": m.message,
    }


def result_dict(result: ScenarioResult) -> dict[str, Any]:
    """One scenario's run as plain JSON values."""
    sc = result.scenario
    return {
        "name": sc.name,
        "path": sc.path,
        "description": sc.description,
        "status": result.status,
        "seconds": round(result.seconds, 6),
        "connections": result.connections,
        "error": None if result.error is None else str(result.error),
        "mismatches": [mismatch_dict(m) for m in result.mismatches],
        "steps": [
            {
                "number": report.outcome.index + 1,
                "line": report.outcome.step.line,
                "step": step_text(report.outcome.step),
                "result": str(report.outcome.result),
                "problem": report.outcome.problem,
                **(
                    {"stalled": [wait_dict(w) for w in report.outcome.stalled]}
                    if report.outcome.stalled
                    else {}
                ),
                "events": [event_dict(e) for e in report.outcome.entries],
                "passed": report.passed,
            }
            for report in result.steps
        ],
        "skipped_steps": result.skipped,
    }


def invalid_dict(error: ScenarioError) -> dict[str, Any]:
    return {
        "path": error.path,
        "line": error.line,
        "offset": error.offset,
        "status": "invalid",
        "error": str(error),
    }


def failure_text(result: ScenarioResult) -> str:
    """What went wrong, one line per failed check: ``FILE:LINE: step N (...): message``."""
    if result.error is not None:
        return str(result.error)
    out = []
    for m in result.mismatches:
        where = f"{result.scenario.path}:{m.line}" if m.line else result.scenario.path
        step = result.scenario.steps[m.step]
        out.append(f"{where}: step {m.step + 1} ({step_text(step)}): {m.message}")
    return "\n".join(out)


def junit(results: list[ScenarioResult], invalid: list[ScenarioError]) -> bytes:
    """JUnit XML: one testcase per scenario (and per file that could not be loaded)."""
    failures = sum(1 for r in results if r.status == "fail")
    errors = sum(1 for r in results if r.status == "invalid") + len(invalid)
    total = sum(r.seconds for r in results)
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="tlsstep replay",
        tests=str(len(results) + len(invalid)),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
        time=f"{total:.6f}",
    )
    # Names, paths and messages come from files: their control characters are escaped
    # (XML 1.0 cannot hold them; a CI page would show them raw).
    from tlsstep.safe_text import escape as x

    for r in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=x(Path(r.scenario.path).stem),
            name=x(r.scenario.name),
            file=x(r.scenario.path),
            time=f"{r.seconds:.6f}",
        )
        if r.status == "fail":
            first = r.mismatches[0]
            failure = ET.SubElement(case, "failure", message=x(first.message), type="expectation")
            failure.text = x(failure_text(r))
        elif r.status == "invalid":
            error = ET.SubElement(case, "error", message=x(str(r.error)), type="invalid")
            error.text = x(str(r.error))
    for e in invalid:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=x(Path(e.path).stem),
            name=x(e.path),
            file=x(e.path),
            time="0",
        )
        error = ET.SubElement(case, "error", message=x(str(e)), type="invalid")
        error.text = x(str(e))
    ET.indent(suites)
    text: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return text + b"\n"
