"""tlsstep handshake --step through a pseudo-terminal, as a person would use it."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="120", TERM="dumb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tlsstep", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
        )
        os.close(slave)
        self.seen = ""

    def expect(self, pattern: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while pattern not in ANSI.sub("", self.seen):
            left = end - time.monotonic()
            assert left > 0, f"no {pattern!r} in:\n{self.seen}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    break
                self.seen += chunk.decode("utf-8", "replace")
        text = ANSI.sub("", self.seen)
        assert pattern in text, text
        return text

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def finish(self) -> int:
        try:
            while True:
                ready, _, _ = select.select([self.master], [], [], 5)
                if not ready:
                    break
                chunk = os.read(self.master, 4096)
                if not chunk:
                    break
                self.seen += chunk.decode("utf-8", "replace")
        except OSError:
            pass
        code = self.proc.wait(timeout=30)
        os.close(self.master)
        return code


def test_step_pauses_then_continues() -> None:
    term = Terminal("handshake", "--step")
    first = term.expect("q: quit")
    assert "client.do_handshake() → want read" in first
    assert "WAIT_SH" in first  # the client's state after sending its ClientHello
    assert "next: deliver client" in first
    assert "server.do_handshake()" not in first  # paused after one operation
    term.send("\n")
    second = term.expect("next: handshake server")
    assert "client ──▶ server" in second
    term.send("c\n")
    text = term.expect("handshake complete")
    assert term.finish() == 0
    assert text.count("q: quit") == 2  # no more pauses after c


def test_step_q_quits() -> None:
    term = Terminal("handshake", "--step", "--tls-version", "1.2")
    term.expect("q: quit")
    term.send("q\n")
    assert term.finish() == 0
    assert "handshake complete" not in term.seen


def test_step_refuses_without_a_terminal() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "tlsstep", "handshake", "--step"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "--step needs a terminal" in proc.stderr
    assert "Traceback" not in proc.stderr
