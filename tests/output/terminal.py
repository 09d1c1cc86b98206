"""Run the real command line on a pseudo-terminal or a pipe, as a person or a script would.

On a pseudo-terminal the child's standard input, output and error are a real terminal
(``isatty()`` is true, the window has the width asked for), so "on a terminal" is what
is tested, not an environment variable that imitates one.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Mapping

from tests.helpers import ROOT

# Any escape sequence: CSI (colours, cursor moves) and OSC (titles, links).
ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[A-Za-z]|\][^\x07\x1b]*(?:\x07|\x1b\\))")


def environment(**overrides: str | None) -> dict[str, str]:
    """The test's environment without the colour and width variables a developer's shell
    may set, then ``overrides`` (None removes a variable)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TERM="xterm-256color")
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "COLORTERM", "TTY_COMPATIBLE"):
        env.pop(name, None)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def on_terminal(
    *args: str,
    columns: int = 100,
    env: Mapping[str, str] | None = None,
    input: str = "",
    timeout: float = 60,
) -> tuple[int, str]:
    """Run ``tlsstep ARGS`` on a new pseudo-terminal ``columns`` wide; type ``input``.

    Returns:
        The exit status and everything the terminal was sent (newlines as ``\\n``).
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tlsstep", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=dict(env if env is not None else environment()),
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    if input:
        os.write(master, input.encode())
    seen = b""
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 1)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
        try:  # it closed the terminal as it exits: give it the time to
            proc.wait(timeout=max(end - time.monotonic(), 5))
        except subprocess.TimeoutExpired:
            proc.kill()
    code = proc.wait(timeout=30)
    return code, seen.decode("utf-8", "replace").replace("\r\n", "\n")


def piped(*args: str, env: Mapping[str, str] | None = None, input: str = "") -> tuple[int, str]:
    """Run ``tlsstep ARGS`` with standard output a pipe (``| cat``); returns status, output."""
    proc = subprocess.run(
        [sys.executable, "-m", "tlsstep", *args],
        capture_output=True,
        text=True,
        env=dict(env if env is not None else environment()),
        input=input,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout
