"""No key log outlives a run, whatever signal ends it (issue 17 item 10).

Each command is started as a user starts it, stopped mid-run with a secret in its
key log, and killed with each of the five signals; then nothing under its TMPDIR
may hold a secret, and for the signals that can be caught the private directory
is gone as well. While it runs, the key log must have no name on disk: only the
process's own descriptors reach it (so SIGKILL cannot leave it behind).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT

SECRET = "TRAFFIC_SECRET"
SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGKILL"]
SCENARIO = """\
name = "one handshake"
[[step]]
op = "handshake"
"""


def _keylog_in_process(pid: int, tmp: Path) -> str:
    """The text of the process's key log, found through its open descriptors.

    The file has no name: an O_TMPFILE file shows as ``TMP/#INODE (deleted)``, the
    fallback's as ``TMP/tlsstep-*/keylog-* (deleted)``. Only files under the run's
    TMPDIR are read (never the --pcap FIFO, whose read would block).
    """
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if not target.startswith(f"{tmp}/"):
                continue
            return Path(f"/proc/{pid}/fd/{fd}").read_text(errors="replace")
        except OSError:
            continue
    return ""


def _secrets_on_disk(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_fifo():
            try:
                if SECRET in path.read_text(errors="replace"):
                    found.append(path)
            except OSError:
                pass
    return found


def _wait_until_blocked(pid: int, command: str, end: float) -> None:
    """Wait until the process sleeps where the test means to stop it: the shell reading
    stdin, a run opening its --pcap FIFO. A SIGINT that lands while an import is being
    finished can be swallowed by CPython ("Exception ignored in _get_module_lock"), and
    the run then waits on the FIFO for ever. Where the kernel hides wchan, go on at once."""
    where = "pipe_read" if command == "shell" else "wait_for_partner"
    while True:
        try:
            wchan = Path(f"/proc/{pid}/wchan").read_text()
        except OSError:
            return
        if wchan in ("", "0") or where in wchan:
            return
        assert time.monotonic() < end, f"the run never blocked in {where}: {wchan}"
        time.sleep(0.02)


def _start(command: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp), COLUMNS="100")
    fifo = tmp_path / "capture.pcapng"
    if command != "shell":
        os.mkfifo(fifo)  # writing the capture blocks here: the run is over, the key log full
    args = {
        "shell": ["shell", "--json"],
        "handshake": ["handshake", "--pcap", str(fifo)],
        "replay": ["replay", str(tmp_path / "s.toml"), "--pcap", str(fifo)],
    }[command]
    (tmp_path / "s.toml").write_text(SCENARIO)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tlsstep", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    if command == "shell":
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"handshake\n")
        proc.stdin.flush()
        assert b'"ok": true' in proc.stdout.readline()  # waits on stdin from here on
    return proc


@pytest.mark.parametrize("command", ["shell", "handshake", "replay"])
@pytest.mark.parametrize("name", SIGNALS)
def test_no_key_log_left_after_a_signal(command: str, name: str, tmp_path: Path) -> None:
    proc = _start(command, tmp_path)
    try:
        end = time.monotonic() + 60
        while "SERVER_TRAFFIC_SECRET_0" not in _keylog_in_process(proc.pid, tmp_path / "tmp"):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < end, "the run never wrote its key log"
            time.sleep(0.05)
        # Mid-run, secrets in the key log: still none of them has a name on disk.
        assert _secrets_on_disk(tmp_path) == []
        _wait_until_blocked(proc.pid, command, end)
        proc.send_signal(getattr(signal, name))
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert b"Traceback" not in err, err.decode()
    if name == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode != 0
        if name != "SIGINT":
            assert proc.returncode == 128 + getattr(signal, name)
        assert list((tmp_path / "tmp").iterdir()) == []  # the private directory went too
    assert _secrets_on_disk(tmp_path) == []
