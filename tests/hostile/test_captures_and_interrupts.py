"""Captures that embed secrets are 0600, --discard-secrets writes them without
(issue 17 item 11); Ctrl-C stops a shell command on a terminal and a piped shell
as a whole (item 12)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, tlsstep
from tests.states.test_step_pty import Terminal

SCENARIO = 'name = "one"\n[[step]]\nop = "handshake"\n'


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _has_secrets(path: Path) -> bool:
    return b"TRAFFIC_SECRET" in path.read_bytes()


@pytest.fixture(autouse=True)
def _umask() -> object:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_handshake_pcap_with_secrets_is_0600_even_over_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "run.pcapng"
    out.write_bytes(b"old")
    out.chmod(0o644)
    result = tlsstep("handshake", "--pcap", str(out))
    assert result.returncode == 0, result.stderr
    assert _has_secrets(out)
    assert _mode(out) == 0o600
    assert "0600" in result.stderr


def test_handshake_discard_secrets_writes_a_shareable_capture(tmp_path: Path) -> None:
    out = tmp_path / "run.pcapng"
    result = tlsstep("handshake", "--pcap", str(out), "--discard-secrets")
    assert result.returncode == 0, result.stderr
    assert not _has_secrets(out)
    assert out.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"  # still a pcapng with the packets
    assert _mode(out) == 0o644
    assert "--discard-secrets" in result.stderr


def test_replay_pcap_modes(tmp_path: Path) -> None:
    scenario = tmp_path / "one.toml"
    scenario.write_text(SCENARIO)
    kept, dropped = tmp_path / "kept", tmp_path / "dropped"
    assert tlsstep("replay", "-q", str(scenario), "--pcap", f"{kept}/").returncode == 0
    result = tlsstep("replay", "-q", str(scenario), "--pcap", f"{dropped}/", "--discard-secrets")
    assert result.returncode == 0, result.stderr
    assert _has_secrets(kept / "one.pcapng") and _mode(kept / "one.pcapng") == 0o600
    assert not _has_secrets(dropped / "one.pcapng") and _mode(dropped / "one.pcapng") == 0o644


def test_shell_pcap_modes(tmp_path: Path) -> None:
    kept, dropped = tmp_path / "kept.pcapng", tmp_path / "dropped.pcapng"
    lines = f"handshake\npcap {kept}\npcap {dropped} --discard-secrets\n"
    result = tlsstep("shell", input=lines)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _has_secrets(kept) and _mode(kept) == 0o600
    assert not _has_secrets(dropped) and _mode(dropped) == 0o644


def test_help_says_captures_hold_secrets() -> None:
    for command in ("handshake", "replay"):
        text = " ".join(tlsstep(command, "--help").stdout.split())
        assert "0600" in text and "--discard-secrets" in text


def test_ctrl_c_stops_a_piped_shell(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tlsstep", "shell", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"handshake\n")
    proc.stdin.flush()
    assert b'"ok": true' in proc.stdout.readline()
    proc.send_signal(signal.SIGINT)  # stdin stays open: the shell must not wait for more
    try:
        code = proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.communicate()
    assert code == 130
    assert list(tmp_path.iterdir()) == []  # cleaned up: the private directory is gone


def _wait_for_fifo_open(pid: int) -> None:
    end = time.monotonic() + 30
    while Path(f"/proc/{pid}/wchan").read_text() != "wait_for_partner":
        assert time.monotonic() < end, "the shell never opened the FIFO"
        time.sleep(0.05)


def test_ctrl_c_on_a_terminal_stops_the_command_not_the_shell(tmp_path: Path) -> None:
    fifo = tmp_path / "blocks.pcapng"
    os.mkfifo(fifo)
    term = Terminal("shell")
    term.expect("tlsstep>")
    term.send("handshake\n")
    term.expect("tlsstep>")
    term.send(f"pcap {fifo}\n")  # opening a FIFO nobody reads waits: a command that hangs
    _wait_for_fifo_open(term.proc.pid)
    term.proc.send_signal(signal.SIGINT)  # what Ctrl-C makes the terminal send
    term.expect("interrupted")
    term.send("show queue\n")
    term.expect("bytes queued")  # the shell is still there, with its session
    term.send("quit\n")
    assert term.finish() == 0  # on a terminal the status does not count failed commands
