"""Piped output of every command (issue 16 item 11): no line ends in a blank, and nothing
is wrapped, so a record, a key log line or a summary row is always one whole line.

Each command runs twice on a pipe: once with COLUMNS=40 (which rich obeyed on a pipe,
breaking lines there) and once with no COLUMNS; once the values that change from run to
run (random bytes, sizes, times) are masked, both outputs must be the same lines.
"""

from __future__ import annotations

import re
import socket
import ssl
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.net.peers import LOOPBACK, Certs, openssl_server
from tests.net.test_serve import serve
from tests.output.terminal import environment, piped

# NSS key log: LABEL <64 hex client random> <hex secret> (whole, on one line).
KEY_LOG_LINE = re.compile(r"^[A-Z0-9_]+ [0-9a-f]{64} [0-9a-f]{32,}$")
RECORD_LINE = re.compile(
    r"^ +(?:handshake|application_data|change_cipher_spec|alert)(?: → \w+)? +"
    r"(?:TLS 1\.[0-3]|SSL 3\.0|unknown \S+) +\d+ B"
)


def masked(output: str) -> list[str]:
    """The lines, with what differs between two runs (hex, numbers, blank runs) masked.

    A table's rules are as long as its widest cell, and a timing cell widens from "98" to
    "1204" on a loaded machine: runs of rule characters are masked like blank runs.
    """
    output = re.sub(r"[0-9a-f]{6,}", "#", output)
    output = re.sub(r"[0-9]+", "0", output)
    output = re.sub(r"([─━═])\1+", r"\1", output)
    return [re.sub(r" +", " ", line) for line in output.splitlines()]


def blank_ended(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.endswith((" ", "\t"))]


def check(output: str, narrow: str) -> None:
    """No blank at a line's end; the same lines whatever COLUMNS says."""
    assert output.strip(), "no output"
    assert not blank_ended(output), blank_ended(output)[:5]
    assert masked(narrow) == masked(output)


def run_both(*args: str, input: str = "", env: dict[str, str] | None = None) -> str:
    code, wide = piped(*args, input=input, env=environment(**(env or {})))
    assert code in (0, 1), wide
    code2, narrow = piped(*args, input=input, env=environment(COLUMNS="40", **(env or {})))
    assert code2 == code
    check(wide, narrow)
    return wide


@pytest.mark.parametrize(
    "options",
    [
        (),
        ("-vv",),
        ("--states", "--explain"),
        ("--certs", "--ladder", "-v"),
        ("--client-cert", "--resume", "--alpn", "h2,http/1.1"),
        ("--tls-version", "1.2", "--states", "--explain"),
        ("--server-cert-problem", "expired", "--certs"),
    ],
)
def test_handshake(options: tuple[str, ...]) -> None:
    out = run_both("handshake", *options)
    records = [line for line in out.splitlines() if RECORD_LINE.match(line)]
    assert records
    # Each record line names what it carried, on the same line.
    for line in records:
        if "change_cipher_spec" not in line and "alert" not in line:
            assert re.search(r"B (?:🔒 \[[^]]+\] )?\w+", line), line


def test_every_record_is_one_line() -> None:
    """As many record lines as records in the run's JSON, each whole."""
    import json

    code, out = piped("handshake", "--json")
    assert code == 0
    doc = json.loads(out)
    count = sum(len(e.get("records", [])) for e in doc["events"])
    code, out = piped("handshake", env=environment(COLUMNS="40"))
    assert count and sum(bool(RECORD_LINE.match(line)) for line in out.splitlines()) == count


def test_replay() -> None:
    out = run_both("replay", "-k", "tls1", str(ROOT / "scenarios"))  # tls12-*, tls13-*
    assert "passed" in out
    run_both("replay", "-q", str(ROOT / "scenarios" / "cert-server-wrong-host.toml"))


def test_decode(tmp_path: Path) -> None:
    capture, keys = tmp_path / "run.pcapng", tmp_path / "run.keys"
    code, out = piped("handshake", "--pcap", str(capture), "--keylog", str(keys))
    assert code == 0, out
    out = run_both("decode", str(capture))
    assert "stream 1" in out
    out = run_both("decode", "-vv", str(capture), "--keylog", str(keys))
    assert "EncryptedExtensions" in out


def test_shell() -> None:
    steps = (
        "handshake\nshow keys\nshow state\nshow queue\nshow ladder\nshow certs\nhelp\n"
        "help deliver\nexplain on\nreset\nhandshake client\ndeliver client\nshow summary\n"
        'write client data="hello"\ndeliver client\nread server\n'
    )
    out = run_both("shell", input=steps)
    keys = [line for line in out.splitlines() if line.startswith(("CLIENT_", "SERVER_", "EXP"))]
    assert len(keys) >= 5
    assert all(KEY_LOG_LINE.match(line) for line in keys), keys


def test_cache(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert piped("handshake", env=environment(**env))[0] == 0  # something to list
    out = run_both("cache", "list", env=env)
    assert out.strip()


def test_connect(tmp_path: Path) -> None:
    certs = Certs(tmp_path)
    # No tickets: a TLS 1.3 server's tickets come after the handshake, in whichever receive
    # they reach, so two runs could differ in where they show, not in how lines are laid out.
    # (-no_ticket is not enough: in TLS 1.3 it makes OpenSSL send stateful tickets.)
    with openssl_server(certs.server_file(), "-www", "-num_tickets", "0") as port:
        address = f"{LOOPBACK}:{port}"
        args = ("connect", address, "--ca", str(certs.ca_file), "--certs", "-v")
        out = run_both(*args)
    assert RECORD_LINE.search(out) or any(RECORD_LINE.match(line) for line in out.splitlines())


def serve_once(env: dict[str, str]) -> str:
    with serve("--once", "--states", env=env) as server:
        ctx = ssl.create_default_context(cafile=server.ca_file)
        with (
            socket.create_connection((LOOPBACK, server.port), timeout=10) as sock,
            ctx.wrap_socket(sock, server_hostname="example.test") as tls,
        ):
            tls.sendall(b"ping")
            assert tls.recv(100) == b"ping"
        out, _ = server.proc.communicate(timeout=30)
    return out


def test_serve() -> None:
    check(serve_once(environment()), serve_once(environment(COLUMNS="40")))
