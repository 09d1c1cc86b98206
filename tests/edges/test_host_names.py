"""Issue 16 item 5 and issue 17 item 14: a server name Python's ssl cannot use is a usage
error naming the option (or FILE:LINE), never a traceback - in handshake, shell and replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import tlsstep
from tlsstep.hostname import host_name_problem

BAD = ["", ".foo", "foo..bar", "a" * 64 + ".test", "x" * 254, "ä" * 60 + ".test"]


@pytest.mark.parametrize("command", ["handshake", "shell"])
@pytest.mark.parametrize("name", BAD[:3])
def test_bad_server_name_is_a_usage_error(command: str, name: str) -> None:
    proc = tlsstep(command, "--server-name", name, input="handshake\n")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "'--server-name'" in proc.stderr and "host name" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.mark.parametrize("name", BAD)
def test_checker_agrees_with_python_ssl(name: str) -> None:
    """Every name the checker refuses is one ssl refuses too (so none is refused for nothing)."""
    import ssl

    assert host_name_problem(name)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with pytest.raises((ValueError, UnicodeError, TypeError)):
        ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname=name)


@pytest.mark.parametrize("name", ["example.test", "exämple.test", "foo.", "127.0.0.1", "::1"])
def test_good_names_pass(name: str) -> None:
    assert host_name_problem(name) is None


def test_scenario_server_name_is_checked_at_load(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\nserver_name = "a..b"\n[[step]]\nop = "handshake"\n')
    proc = tlsstep("replay", "-q", str(path))
    assert proc.returncode == 2
    assert f"{path}:2: server_name: 'a..b' is not a host name" in proc.stderr
