"""``tlsstep replay`` and ``handshake --save``: exit codes, reports, JUnit, JSON, round trip."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from tlsstep.cli import main
from tlsstep.scenario import load, loads, run
from tlsstep.scenario.source import key_lines

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"

FAILING = """\
name = "expects TLS 1.2 from a TLS 1.3 run"
description = "fails on purpose"

[[step]]
op = "handshake"
[step.expect]
result = "done"
[step.expect.client]
version = "TLSv1.2"

[[step]]
op = "read"
side = "client"
"""


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_replay_all_bundled_exits_0_with_a_summary() -> None:
    code, out, _ = invoke("replay", "-q", str(SCENARIOS))
    assert code == 0, out
    count = len(list(SCENARIOS.glob("*.toml")))
    assert f"{count} passed" in out
    assert "step  1" not in out  # -q: no per-step output


def test_failed_expectation_shows_expected_actual_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(FAILING)
    code, out, _ = invoke("replay", str(bad), str(SCENARIOS / "alpn-agreed.toml"))
    assert code == 1
    flat = " ".join(out.split())
    assert "expect.client.version: expected 'TLSv1.2', got 'TLSv1.3'" in flat
    assert f"{bad}:9" in flat.replace(" ", "")  # the line of version = ..., wrapped or not
    assert "1 later step(s) not run" in flat
    assert "1 passed, 1 failed" in flat  # replay went on with the next scenario


def test_result_names_the_failed_check() -> None:
    result = run(loads(FAILING, path="f.toml"))
    assert result.status == "fail"
    [m] = result.mismatches
    assert (m.check, m.expected, m.actual, m.line, m.step) == (
        "expect.client.version",
        "TLSv1.2",
        "TLSv1.3",
        9,
        0,
    )


def test_fail_fast_and_k(tmp_path: Path) -> None:
    (tmp_path / "a-bad.toml").write_text(FAILING)
    (tmp_path / "b-good.toml").write_text((SCENARIOS / "tls13-basic.toml").read_text())
    code, out, _ = invoke("replay", "-q", "--json", "--fail-fast", str(tmp_path))
    assert code == 1
    doc = json.loads(out)
    assert [s["status"] for s in doc["scenarios"]] == ["fail"]
    code, out, _ = invoke("replay", "-q", "--json", "-k", "basic", str(tmp_path))
    assert code == 0
    assert [s["name"] for s in json.loads(out)["scenarios"]] == ["TLS 1.3 basic handshake"]
    code, _, err = invoke("replay", "-k", "nothing-matches", str(tmp_path))
    assert code == 2 and "no scenario to run" in err


def test_json_document() -> None:
    code, out, _ = invoke("replay", "--json", str(SCENARIOS / "version-mismatch.toml"))
    assert code == 0
    doc = json.loads(out)
    [scenario] = doc["scenarios"]
    assert scenario["status"] == "pass" and scenario["mismatches"] == []
    [step] = scenario["steps"]
    assert step["step"] == "handshake" and step["result"] == "error"
    errors = [e["error"]["reason"] for e in step["events"] if "error" in e]
    assert errors == ["UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION"]
    assert doc["summary"] == {"passed": 1, "failed": 0, "invalid": 0}


def test_junit_has_one_testcase_per_scenario(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(FAILING)
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\n[[step]]\nop = "dance"\n')
    out = tmp_path / "junit.xml"
    code, _, _ = invoke("replay", "-q", "--junit", str(out), str(SCENARIOS), str(bad), str(broken))
    assert code == 2  # an invalid file wins over a failed check
    root = ET.parse(out).getroot()
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(list(SCENARIOS.glob("*.toml"))) + 2
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("errors")) == ("1", "1")
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["expects TLS 1.2 from a TLS 1.3 run"]
    failure = failed[0].find("failure")
    assert failure is not None and f"{bad}:9" in (failure.text or "")
    errored = [c for c in cases if c.find("error") is not None]
    assert [c.get("file") for c in errored] == [str(broken)]


@pytest.mark.parametrize(
    "args",
    [
        ["--resume", "--data", "hello", "--alpn", "h2"],
        ["--tls-version", "1.2", "--resume"],
        ["--client-tls-version", "1.2", "--server-tls-version", "1.3"],
        ["--client-cert", "--server-group", "prime256v1"],
        ["--post-handshake-auth"],
        ["--states", "--resume", "--server-cert-problem", "expired"],
        ["--states", "--data", "hi", "--resume"],
    ],
    ids=[
        "tls13-resume",
        "tls12-resume",
        "version-mismatch",
        "mtls-hrr",
        "pha",
        "states-bad",
        "states",
    ],
)
def test_save_then_replay(tmp_path: Path, args: list[str]) -> None:
    saved = tmp_path / "run.toml"
    code, _, _ = invoke("handshake", *args, "--save", str(saved))
    scenario = load(saved)  # it parses
    assert scenario.steps and any(s.expect for s in scenario.steps)
    code2, out, _ = invoke("replay", "-q", str(saved))
    assert code2 == 0, out
    # The recording holds what happened, so it fails when reality differs.
    changed = saved.read_text().replace('version = "TLSv1', 'version = "TLSv0', 1)
    if changed != saved.read_text():
        saved.write_text(changed)
        assert invoke("replay", "-q", str(saved))[0] == 1
    assert code in (0, 1)


def test_key_lines_follow_headers_dotted_keys_and_strings() -> None:
    source = (
        'name = "x"\n'  # 1
        'description = """\n'  # 2
        "[[step]]\n"  # 3: inside the string
        'op = "nope"\n'  # 4: inside the string
        '"""\n'  # 5
        "[server]\n"  # 6
        "alpn = ['h2'] # comment = 1\n"  # 7
        "[[step]]\n"  # 8
        'op = "handshake"\n'  # 9
        "expect.client.version = 'TLSv1.3'\n"  # 10
        "[[step]]\n"  # 11
        "[step.expect]\n"  # 12
        "  result = 'done'\n"  # 13
        "[step.expect.server]\n"  # 14
        'alpn = ""\n'  # 15
    )
    lines = key_lines(source)
    assert lines.line(("step", 0)) == 8
    assert lines.line(("step", 0, "op")) == 9
    assert lines.line(("step", 0, "expect", "client", "version")) == 10
    assert lines.line(("server", "alpn")) == 7
    assert lines.line(("step", 1, "expect", "result")) == 13
    assert lines.line(("step", 1, "expect", "server", "alpn")) == 15
    assert lines.line(("step", 1, "expect", "server", "nothing")) == 14
    # No sixth step: the first real [[step]] header, not the one inside the string.
    assert lines.line(("step", 5)) == 8


def test_real_command_line_runs_the_bundled_scenarios() -> None:
    """As a user runs it: a separate process, the summary table, exit 0."""
    from tests.helpers import tlsstep

    proc = tlsstep("replay", "-q", str(SCENARIOS))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "passed" in proc.stdout and "Traceback" not in proc.stderr


def test_scenario_layer_imports_neither_rich_nor_click() -> None:
    import subprocess
    import sys

    code = "import sys, tlsstep.scenario; print(' '.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = out.stdout.split()
    assert not [m for m in loaded if m.split(".")[0] in ("rich", "click")]


def test_k_glob_and_unwritable_outputs(tmp_path: Path) -> None:
    code, out, _ = invoke("replay", "-q", "--json", "-k", "cert-server-*", str(SCENARIOS))
    assert code == 0
    names = [s["path"] for s in json.loads(out)["scenarios"]]
    assert names and all(Path(p).name.startswith("cert-server-") for p in names)
    missing = tmp_path / "no" / "such" / "dir" / "x.xml"
    code, _, err = invoke(
        "replay", "-q", "--junit", str(missing), str(SCENARIOS / "eof-ignored.toml")
    )
    assert code == 2 and "--junit" in err
    code, _, err = invoke("handshake", "--save", str(tmp_path / "no" / "x.toml"))
    assert code == 2 and "--save" in err
