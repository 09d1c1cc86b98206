"""The socket carrier against real loopback peers: every failure a classified value."""

from __future__ import annotations

import socket
import ssl
import sys
from pathlib import Path

import pytest

from tests.net.peers import (
    LOOPBACK,
    PEER_TIMEOUT,
    Certs,
    banner,
    closed_port,
    http_plain,
    offline,
    openssl_server,
    postgres_ssl,
    silent,
    smtp_starttls,
    tcp_server,
)
from tlsstep.net.address import Target
from tlsstep.net.carrier import Carrier, Listener
from tlsstep.net.problems import NetProblem, NetProblemKind, not_tls
from tlsstep.net.starttls import Preamble, StartTls, run_preamble


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("certs"))


def connect(port: int, timeout: float = 5) -> Carrier:
    carrier = Carrier.open(Target(host=LOOPBACK, port=port), timeout)
    assert isinstance(carrier, Carrier), carrier
    return carrier


def test_refused() -> None:
    problem = Carrier.open(Target(host=LOOPBACK, port=closed_port()), 2)
    assert isinstance(problem, NetProblem)
    assert problem.kind is NetProblemKind.refused
    assert problem.message.startswith(f"{LOOPBACK}:")
    assert "connection refused during connect" in problem.message


def test_name_not_found() -> None:
    # Looked up where no resolver can be reached: a name that cannot be found, and no
    # query leaves the machine (.invalid never resolves either: RFC 6761 §6.4).
    script = (
        "from tlsstep.net.address import Target\n"
        "from tlsstep.net.carrier import Carrier\n"
        "p = Carrier.open(Target(host='no-such-host.invalid', port=443), 2)\n"
        "print(p.kind.name, p.message, sep='|')\n"
    )
    proc = offline(sys.executable, "-c", script)
    assert proc.returncode == 0, proc.stderr
    kind, message = proc.stdout.strip().split("|")
    assert kind == "name_not_found"
    assert "no-such-host.invalid:443: name not found during connect" in message


def test_silent_server_times_out_with_nothing() -> None:
    with tcp_server(silent) as port, connect(port) as carrier:
        got = carrier.receive(0.2)
    assert got.timed_out and not got.data and not got.eof


def test_http_server_is_named(certs: Certs) -> None:
    with tcp_server(http_plain) as port, connect(port) as carrier:
        assert carrier.send(b"\x16\x03\x01\x00\x05hello") is None
        got = carrier.receive(5)
        rest = carrier.receive(5)
    assert got.data.startswith(b"HTTP/1.1 400")
    assert rest.eof and carrier.eof
    message = not_tls("the handshake", carrier.where, got.data).message
    assert "not TLS: the peer's first bytes look like" in message
    assert "an HTTP server's response: HTTP/1.1 400 Bad Request" in message


def test_ssh_banner() -> None:
    with tcp_server(banner(b"SSH-2.0-OpenSSH_9.6\r\n")) as port, connect(port) as carrier:
        got = carrier.receive(5)
    assert "an SSH server's banner" in not_tls("x", "y", got.data).message


def test_bytes_to_openssl_server_and_back(certs: Certs) -> None:
    with openssl_server(certs.server_file()) as port, connect(port) as carrier:
        ctx = ssl.create_default_context(cafile=str(certs.ca_file))
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
        # One flight may arrive in many receives on a loaded machine: go on until the
        # handshake is done, each receive bounded (PEER_TIMEOUT is a hang guard).
        for _ in range(100):
            try:
                obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                assert carrier.send(outgoing.read()) is None
                got = carrier.receive(PEER_TIMEOUT)
                assert got.data and not got.timed_out and not got.eof
                incoming.write(got.data)
        assert obj.version() == "TLSv1.3"
        assert carrier.send(outgoing.read()) is None
        assert carrier.local[0] == LOOPBACK and carrier.remote == (LOOPBACK, port)
        assert carrier.sent > 0 and carrier.received > 0


def test_half_close_keeps_reading(certs: Certs) -> None:
    def answer_after_eof(conn: socket.socket) -> None:
        while conn.recv(100):
            pass
        conn.sendall(b"bye")

    with tcp_server(answer_after_eof) as port, connect(port) as carrier:
        carrier.send(b"x")
        carrier.shutdown_write()
        carrier.shutdown_write()  # twice is fine
        got = carrier.receive(5)
        assert got.data == b"bye"
        assert carrier.receive(5).eof


def test_python_tls_server_via_starttls_smtp(certs: Certs) -> None:
    with tcp_server(smtp_starttls(certs.server_context())) as port, connect(port) as carrier:
        preamble = Preamble(StartTls.smtp)
        assert run_preamble(carrier, preamble, 5) is None
        assert preamble.done
        assert [e.data[:4] for e in preamble.exchanges] == [
            b"220-",
            b"EHLO",
            b"250-",
            b"STAR",
            b"220 ",
        ]


def test_starttls_refused_is_a_problem(certs: Certs) -> None:
    server = tcp_server(smtp_starttls(certs.server_context(), offer=False))
    with server as port, connect(port) as carrier:
        problem = run_preamble(carrier, Preamble(StartTls.smtp), 5)
    assert problem is not None and problem.kind is NetProblemKind.starttls
    assert "does not offer STARTTLS" in problem.message


def test_starttls_postgres_n(certs: Certs) -> None:
    server = tcp_server(postgres_ssl(certs.server_context(), accept=False))
    with server as port, connect(port) as carrier:
        problem = run_preamble(carrier, Preamble(StartTls.postgres), 5)
    assert problem is not None and "answered N" in problem.message


def test_starttls_timeout_says_what_it_waited_for() -> None:
    with tcp_server(silent) as port, connect(port) as carrier:
        problem = run_preamble(carrier, Preamble(StartTls.smtp), 0.2)
    assert problem is not None and problem.kind is NetProblemKind.timeout
    assert "waiting 0.2 s for the 220 banner" in problem.message
    assert "nothing had arrived" in problem.message


def test_closed_mid_preamble_shows_what_arrived() -> None:
    def half_banner(conn: socket.socket) -> None:
        conn.sendall(b"220-partial")

    with tcp_server(half_banner) as port, connect(port) as carrier:
        problem = run_preamble(carrier, Preamble(StartTls.smtp), 5)
    assert problem is not None and problem.kind is NetProblemKind.closed
    assert "220-partial" in problem.message


def test_listener_port_in_use() -> None:
    first = Listener.open(LOOPBACK, 0)
    assert isinstance(first, Listener)
    try:
        second = Listener.open(LOOPBACK, first.port)
        assert isinstance(second, NetProblem)
        assert second.kind is NetProblemKind.address_in_use
        assert f"{LOOPBACK}:{first.port}: address in use during listen" in second.message
    finally:
        first.close()


def test_listener_accepts(tmp_path: Path) -> None:
    listener = Listener.open(LOOPBACK, 0)
    assert isinstance(listener, Listener)
    try:
        assert listener.accept(0.05) is None
        with socket.create_connection((LOOPBACK, listener.port)) as client:
            server = listener.accept(5)
            assert server is not None
            client.sendall(b"hi")
            assert server.receive(5).data == b"hi"
            server.close()
    finally:
        listener.close()


def test_dial_with_postgres_preamble(certs: Certs) -> None:
    from tlsstep.net.dial import Dialed, DialFailed, dial
    from tlsstep.net.starttls import Direction

    with tcp_server(postgres_ssl(certs.server_context())) as port:
        dialed = dial(Target(host=LOOPBACK, port=port), timeout=5, starttls=StartTls.postgres)
        assert isinstance(dialed, Dialed)
        dialed.carrier.close()
    assert [e.direction for e in dialed.preamble] == [Direction.sent, Direction.received]
    failed = dial(Target(host=LOOPBACK, port=closed_port()), timeout=5, starttls=StartTls.smtp)
    assert isinstance(failed, DialFailed) and failed.problem.kind is NetProblemKind.refused
