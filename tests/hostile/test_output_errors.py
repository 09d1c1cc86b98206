"""Output that cannot be written is an error message with exit status 1, never a
traceback (issue 17 item 14): standard output on a full disk, --keylog /dev/full."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

FULL = "/dev/full"  # every write fails with ENOSPC


def _run_to_full(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(FULL, "w") as out:
        return subprocess.run(
            [sys.executable, "-m", "tlsstep", *args],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            input="handshake\nshow state\n",
            timeout=120,
            check=False,
        )


@pytest.mark.skipif(not Path(FULL).exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["handshake", "--json"],
        ["handshake", "-v"],
        ["replay", "--json", str(ROOT / "scenarios" / "tls13-basic.toml")],
        ["shell", "--json"],
    ],
    ids=" ".join,
)
def test_stdout_on_a_full_disk(args: list[str]) -> None:
    result = _run_to_full(*args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "could not write to standard output: No space left on device" in result.stderr


@pytest.mark.skipif(not Path(FULL).exists(), reason="needs /dev/full")
def test_keylog_on_a_full_disk() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "tlsstep", "handshake", "--keylog", FULL],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"could not write {FULL}: No space left on device" in result.stderr
