"""The hostile-input corpus (tests/hostile/corpus): every file and line gets a clear
error with where it is, never a traceback, never unbounded work or a wait
(issue 17 items 4, 6, 7, 15)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import ROOT, tlsstep
from tlsstep import limits
from tlsstep.cli import main
from tlsstep.errors import ScenarioError
from tlsstep.scenario import load
from tlsstep.steps import StepError, parse_line

CORPUS = Path(__file__).parent / "corpus"
SCENARIOS = CORPUS / "scenarios"


def _nul(name: str) -> int:
    return (SCENARIOS / name).read_bytes().find(b"\0")


# file -> (":LINE" or ":@OFFSET", text the message must contain)
EXPECTED = {
    "utf16.toml": (":@0", "UTF-16 text"),
    "binary.toml": (f":@{_nul('binary.toml')}", "binary data, not TOML text: a NUL byte on line 4"),
    "latin1.toml": (":@11", "not UTF-8 text: byte 0xe9 on line 1"),
    "empty.toml": (":1", "empty file"),
    "only-comments.toml": (":2", "no steps"),
    "nested-arrays.toml": (":1", "nested too deeply"),
    "deep-table.toml": (":2", "nested too deeply"),
    "deep-dotted-key.toml": (":2", "nested too deeply"),
}


def test_every_corpus_scenario_has_an_expectation() -> None:
    assert sorted(p.name for p in SCENARIOS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_scenario_names_where(name: str) -> None:
    where, text = EXPECTED[name]
    path = SCENARIOS / name
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}{where}: "), str(caught.value)
    assert text in caught.value.message
    result = CliRunner().invoke(main, ["replay", "-q", str(path)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path}{where}: {text}" in result.stderr


def test_replay_json_gives_the_offset() -> None:
    path = SCENARIOS / "utf16.toml"
    result = CliRunner().invoke(main, ["replay", "--json", str(path)])
    invalid = json.loads(result.stdout)["invalid"]
    assert invalid[0]["offset"] == 0 and invalid[0]["line"] is None


def test_replay_of_a_fifo_does_not_wait(tmp_path: Path) -> None:
    fifo = tmp_path / "waits.toml"
    os.mkfifo(fifo)  # nobody ever writes to it
    result = tlsstep("replay", str(fifo))
    assert result.returncode == 2
    assert f"{fifo}: is a pipe (FIFO), not a file" in result.stderr


def test_replay_of_a_device_or_an_oversized_file(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    with big.open("wb") as f:
        f.truncate(limits.MAX_SCENARIO_BYTES + 1)
    result = CliRunner().invoke(main, ["replay", "/dev/zero", str(big)])
    assert result.exit_code == 2
    assert "/dev/zero: is a character device, not a file" in result.stderr
    assert f"{big}: 4,194,305 bytes; a scenario may be at most 4,194,304 bytes" in result.stderr


@pytest.mark.parametrize(
    ("cert", "message"),
    [
        ("/dev/zero", "is a character device, not a file"),
        (str(CORPUS / "certs" / "empty.pem"), "certificate file"),
        (str(CORPUS / "certs" / "binary.pem"), "certificate file"),
        (str(CORPUS / "certs" / "not-pem.pem"), "certificate file"),
    ],
)
def test_bad_certificate_files_are_usage_errors(cert: str, message: str) -> None:
    result = CliRunner().invoke(main, ["handshake", "--cert", cert])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "\x1b" not in result.stderr  # the file's escape sequence is not replayed


def test_certificate_fifo_and_oversized_file(tmp_path: Path) -> None:
    fifo = tmp_path / "cert.pem"
    os.mkfifo(fifo)
    result = tlsstep("handshake", "--cert", str(fifo))
    assert result.returncode == 2 and "is a pipe (FIFO), not a file" in result.stderr
    big = tmp_path / "big.pem"
    with big.open("wb") as f:
        f.truncate(limits.MAX_CERT_FILE_BYTES + 1)
    result = CliRunner().invoke(main, ["handshake", "--ca", str(big)])
    assert result.exit_code == 2 and "may be at most 1,048,576 bytes" in result.stderr


def test_shell_lines_split_in_linear_time_with_a_maximum() -> None:
    # A long quoted word: shlex.split grew it one character at a time.
    step = parse_line("write client '" + "x" * (limits.MAX_SHELL_LINE - 20) + "'")
    assert len(step.data) == limits.MAX_SHELL_LINE - 20  # type: ignore[attr-defined]
    with pytest.raises(StepError, match="a shell line may have at most 1,048,576"):
        parse_line("write client " + "x" * limits.MAX_SHELL_LINE)
    with pytest.raises(StepError, match="no closing quotation"):
        parse_line("write client 'open")


def test_shell_split_agrees_with_shlex() -> None:
    import random
    import shlex

    from tlsstep.shell_words import SplitError, split

    rng = random.Random(17)
    alphabet = "ab '\"\\ \t=x$\n#"
    for _ in range(5000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        try:
            expected: list[str] | None = shlex.split(line)
        except ValueError:
            expected = None
        try:
            got: list[str] | None = split(line)
        except SplitError:
            got = None
        assert got == expected, line


def test_shell_reading_dev_zero_stops() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open("/dev/zero", "rb") as zero:
        result = subprocess.run(
            [sys.executable, "-m", "tlsstep", "shell", "--json"],
            stdin=zero,
            capture_output=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    last = json.loads(result.stdout.splitlines()[-1])
    assert last["ok"] is False and "longer than 1,048,576 characters" in last["error"]


def test_shell_lines_corpus() -> None:
    lines = (CORPUS / "shell-lines.txt").read_text(encoding="utf-8")
    result = tlsstep("shell", "--json", input=lines)
    assert result.returncode == 1  # some commands failed, none crashed
    assert "Traceback" not in result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    commands = [c for c in lines.splitlines() if c.strip() and not c.startswith("#")]
    assert len(replies) == commands.index("quit")  # one reply per command up to quit
    assert replies[0]["ok"] is True
    assert all(len(r.get("error", "")) < 400 for r in replies)  # bad values quoted short
