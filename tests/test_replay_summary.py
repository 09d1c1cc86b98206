"""The replay summary written without rich on a pipe is the characters rich prints.

Results of real scenario runs (passing, failing at a check, invalid, files that could not
be loaded) and results made to be awkward (long names, control characters, wide and
zero-width characters, blanks at either end, several lines) are printed both ways at
several widths and compared exactly; where the plain writer declines (a cell of several
lines, a table wider than the console), rich prints it.
"""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import ROOT
from tlsstep.errors import ScenarioError
from tlsstep.render.layout import PIPE_WIDTH
from tlsstep.render.replay import summary_table
from tlsstep.render.replay_summary import plain_summary
from tlsstep.render.terminal import make_console
from tlsstep.scenario import ScenarioResult, find_files, load, loads, run
from tlsstep.scenario.result import Mismatch, StepReport
from tlsstep.session import StepOutcome

WIDTHS = (PIPE_WIDTH, 300, 100, 60)


def by_rich(results: list[ScenarioResult], invalid: list[str], width: int) -> str:
    out = io.StringIO()
    make_console(width=width, color=False, file=out).print(summary_table(results, invalid))
    return out.getvalue()


def assert_same(results: list[ScenarioResult], invalid: list[str]) -> None:
    for width in WIDTHS:
        ours = plain_summary(results, invalid, width)
        rich = by_rich(results, invalid, width)
        if ours is None:
            # declined: only where rich wraps (too wide) or a cell has several lines
            assert width != PIPE_WIDTH or any(
                "\n" in c for c in [*invalid, *(str(r.error) for r in results)]
            )
            continue
        assert ours == rich, width


def scenario(name: str, steps: int = 1):  # type: ignore[no-untyped-def]
    body = "".join('\n[[step]]\nop = "handshake"\nside = "client"\n' for _ in range(steps))
    return loads(f"name = {toml_string(name)}\n{body}", path="made/up.toml")


def toml_string(text: str) -> str:
    return (
        '"'
        + "".join(c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in text)
        + '"'
    )


def result(
    name: str, *, seconds: float = 0.0123, error: str | None = None, fail: str | None = None
) -> ScenarioResult:
    sc = scenario(name, steps=2)
    steps: tuple[StepReport, ...] = ()
    if fail is not None:
        outcome = StepOutcome(step=sc.steps[0], index=0, entries=())
        mismatch = Mismatch(step=0, line=7, check="expect.version", expected=fail, actual="TLSv1.2")
        steps = (StepReport(outcome=outcome, mismatches=(mismatch,)),)
    return ScenarioResult(
        scenario=sc,
        steps=steps,
        seconds=seconds,
        connections=1,
        error=ScenarioError(error, path=sc.path, line=3) if error is not None else None,
    )


def test_real_runs_read_the_same() -> None:
    paths = find_files([str(ROOT / "scenarios")])[:6]
    results = [run(load(p)) for p in paths]
    failing = loads(
        'name = "expects TLS 1.2"\n[[step]]\nop = "handshake"\n'
        '[step.expect.client]\nversion = "TLSv1.2"\n',
        path="failing.toml",
    )
    results.append(run(failing))
    assert results[-1].status == "fail"
    invalid = ["bad.toml:3: step 1: no op called 'shake' (did you mean 'handshake'?)"]
    assert_same(results, invalid)
    assert_same(results, [])
    assert_same(results[:1], [])


@pytest.mark.parametrize(
    "name",
    [
        "x" * 300,  # wider than the narrow consoles
        "escape \x1b[2J and \x07 bell and \u202e override",
        "wide 日本語のシナリオ and emoji 🔒🔑",
        "combining e\u0301 and zero width \u200b joiner",
        "  blanks at both ends  ",
        "tab\tinside",
        "[bold]markup[/] :lock:",
    ],
)
def test_awkward_names_read_the_same(name: str) -> None:
    results = [
        result(name),
        result("passes", seconds=1.5),
        result(name, fail=name),
        result("invalid one", error=f"{name}: OpenSSL refused it"),
    ]
    assert_same(results, [f"{name}.toml:1: not a scenario"])


def test_a_cell_of_several_lines_is_left_to_rich() -> None:
    results = [result("ok"), result("bad", error="first line\nsecond line")]
    assert plain_summary(results, [], PIPE_WIDTH) is None
    assert plain_summary([result("ok")], ["two\nlines"], PIPE_WIDTH) is None
    assert_same(results, [])


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=4),
    problem=st.text(max_size=60),
    seconds=st.floats(min_value=0, max_value=1e6, allow_nan=False),
)
def test_any_text_reads_the_same(names: list[str], problem: str, seconds: float) -> None:
    results = [result(n, seconds=seconds) for n in names]
    results.append(result("failing", fail=problem))
    assert_same(results, [problem])


def test_a_piped_quiet_replay_loads_no_rich_console() -> None:
    """``replay -q`` on a pipe writes its table without importing rich's console or table."""
    code = (
        "import sys, runpy\n"
        "sys.argv = ['tlsstep', 'replay', '-q', sys.argv[1]]\n"
        "try:\n"
        "    runpy.run_module('tlsstep', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(repr(sorted(m for m in sys.modules if m in ('rich.console', 'rich.table'))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "scenarios" / "tls13-basic.toml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.stdout.startswith("replay\n┏"), proc.stderr
    assert "1 passed" in proc.stdout
    assert proc.stderr.endswith("[]"), proc.stderr
