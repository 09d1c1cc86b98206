"""``tlsstep serve`` with real clients on 127.0.0.1: openssl s_client, curl, Python ssl."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT
from tests.net.peers import LOOPBACK, PEER_TIMEOUT, START_DEADLINE


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int
    ca_file: str
    banner: str

    def documents(self) -> list[dict[str, Any]]:
        """Stop the server (if it still runs) and read its JSON Lines."""
        try:
            out, err = self.proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        docs = []
        for line in out.split("\n"):
            if line.strip():
                try:
                    docs.append(json.loads(line))
                except ValueError:
                    raise AssertionError(
                        f"not a JSON line: {line[:300]!r}; stderr: {err}"
                    ) from None
        return docs


@contextlib.contextmanager
def serve(*args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """``tlsstep serve --port 0 ARGS``, started (its port and CA read from its banner)."""
    env = env or dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="100")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tlsstep", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    banner = ""
    port = ca = None
    # Blocking readline with a deadline (select() would miss lines already buffered).
    deadline = threading.Timer(START_DEADLINE, proc.kill)  # a hang guard, not a timing
    deadline.start()
    while port is None or ca is None:
        line = proc.stderr.readline()
        if not line:
            proc.kill()
            raise AssertionError(f"serve did not start: {banner}{proc.stderr.read()}")
        banner += line
        if match := re.search(r"listening on 127\.0\.0\.1:(\d+)", line):
            port = int(match.group(1))
        if match := re.search(r"--cacert (\S+)", line):
            ca = match.group(1)
    deadline.cancel()
    try:
        yield Server(proc=proc, port=port, ca_file=ca, banner=banner)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def python_client(server: Server, data: bytes = b"ping", **kwargs: Any) -> bytes:
    ctx = ssl.create_default_context(cafile=server.ca_file)
    for key, value in kwargs.items():
        setattr(ctx, key, value)
    with (
        socket.create_connection((LOOPBACK, server.port), timeout=PEER_TIMEOUT) as sock,
        ctx.wrap_socket(sock, server_hostname="example.test") as tls,
    ):
        tls.sendall(data)
        return tls.recv(1000)


def s_client(server: Server) -> subprocess.CompletedProcess[str]:
    """openssl s_client asking for example.test, trusting serve's CA; it refuses (a fatal
    alert) a certificate that does not verify."""
    return subprocess.run(
        [
            "openssl",
            "s_client",
            "-connect",
            f"{LOOPBACK}:{server.port}",
            "-servername",
            "example.test",
            "-CAfile",
            server.ca_file,
            "-verify_return_error",
        ],
        input="hello\n",
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT,
        check=False,
    )


def test_python_client_echo() -> None:
    with serve("--once", "--json") as server:
        assert "--resolve example.test:" in server.banner
        assert python_client(server, b"hello") == b"hello"
        (doc,) = server.documents()
    assert server.proc.returncode == 0
    assert doc["summary"]["ok"] and doc["network"]["role"] == "serve"
    assert any(e["op"] == "receive" and e["side"] == "client" for e in doc["events"])
    reads = [e for e in doc["events"] if e["op"] == "read" and e["side"] == "server"]
    assert any("hello" in json.dumps(e) for e in reads)


def test_two_clients_one_after_another() -> None:
    # --timeout: serve waits for each client's next bytes as long as the client may take
    with serve("--json", "--timeout", str(PEER_TIMEOUT)) as server:
        assert server.proc.stdout is not None
        assert python_client(server, b"one") == b"one"
        first = json.loads(server.proc.stdout.readline())  # one line as each connection ends
        assert python_client(server, b"two") == b"two"
        second = json.loads(server.proc.stdout.readline())
        server.proc.send_signal(2)  # Ctrl-C
        docs = [first, second, *server.documents()]
    assert len(docs) == 2
    assert [d["network"]["connections"][0]["client"] != "" for d in docs] == [True, True]


def test_html_and_svg_one_file_per_connection(tmp_path: Path) -> None:
    page, ladder = tmp_path / "page.html", tmp_path / "ladder.svg"
    with serve("--json", "--html", str(page), "--svg", str(ladder)) as server:
        assert server.proc.stdout is not None
        for data in (b"one", b"two"):
            assert python_client(server, data) == data
            json.loads(server.proc.stdout.readline())  # that connection has ended
        server.proc.send_signal(2)
        _, err = server.proc.communicate(timeout=PEER_TIMEOUT)
    assert not page.exists() and not ladder.exists()  # numbered, none overwritten
    for number, data in ((1, "one"), (2, "two")):
        html = tmp_path / f"page-{number}.html"
        assert f"wrote {html}" in err
        assert oct(html.stat().st_mode)[-3:] == "600"  # it embeds the connection's keys
        text = html.read_text()
        assert '"role":"serve"' in text  # the connection's network object
        assert '"step_states":[{' in text  # the step player's states, as handshake's page
        assert f'"text":"{data}"' in text  # this connection's data, not the other's
        assert f'"text":"{"two" if data == "one" else "one"}"' not in text
        assert (tmp_path / f"ladder-{number}.svg").read_text().startswith("<svg")
    with serve("--once", "--html", str(page)) as server:
        python_client(server)
        server.proc.communicate(timeout=PEER_TIMEOUT)
    assert page.exists()  # --once: the file as given


def curl(server: Server) -> subprocess.CompletedProcess[str]:
    """curl for https://example.test:PORT/, resolved to 127.0.0.1, trusting serve's CA."""
    return subprocess.run(
        [
            "curl",
            "-sS",
            "--cacert",
            server.ca_file,
            "--resolve",
            f"example.test:{server.port}:{LOOPBACK}",
            f"https://example.test:{server.port}/",
        ],
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT,
        check=False,
    )


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_curl_with_respond(tmp_path: Path) -> None:
    answer = tmp_path / "answer.http"
    answer.write_bytes(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nhi\n")
    with serve("--once", "--respond", str(answer), "--json") as server:
        out = curl(server)
        (doc,) = server.documents()
    assert out.returncode == 0, out.stderr
    assert out.stdout == "hi\n"
    assert "GET / HTTP/1.1" in json.dumps(doc)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_curl_rejects_an_expired_certificate() -> None:
    with serve("--once", "--server-cert-problem", "expired", "--json") as server:
        out = curl(server)
        (doc,) = server.documents()
    assert out.returncode != 0 and "expired" in out.stderr.lower()
    assert server.proc.returncode == 1  # --once, and that connection failed in TLS
    assert not doc["summary"]["ok"]
    # the alert curl's OpenSSL sent, as the server read it; curl never counts as connected
    (failure,) = [f for f in doc["summary"]["failures"] if f["side"] == "server"]
    assert failure["error"]["alert_received"] == "certificate_expired"
    assert failure["error"]["source"] == "remote"
    assert doc["states"]["client"]["state"] != "CONNECTED"


def test_openssl_s_client() -> None:
    with serve("--once", "--json") as server:
        out = s_client(server)
        (doc,) = server.documents()
    assert "Verify return code: 0 (ok)" in out.stdout
    assert doc["summary"]["ok"]
    # the name s_client asked for (-servername), read from its ClientHello
    assert doc["summary"]["server_name"] == "example.test"
    assert doc["network"]["sni"] == "example.test"


def test_client_without_sni() -> None:
    with serve("--once", "--json") as server:
        ctx = ssl.create_default_context(cafile=server.ca_file)
        ctx.check_hostname = False
        with (
            socket.create_connection((LOOPBACK, server.port), timeout=PEER_TIMEOUT) as sock,
            ctx.wrap_socket(sock) as tls,  # no server_hostname: no SNI
        ):
            tls.sendall(b"x")
            assert tls.recv(10) == b"x"
        (doc,) = server.documents()
    assert doc["summary"]["ok"]
    assert doc["summary"]["server_name"] is None and doc["network"]["sni"] is None


def test_a_client_that_sent_a_fatal_alert_is_never_connected() -> None:
    with serve("--once", "--server-cert-problem", "expired", "--json", "--states") as server:
        refused = s_client(server)
        (doc,) = server.documents()
    assert refused.returncode != 0 and "certificate has expired" in refused.stdout + refused.stderr
    client = doc["states"]["client"]
    # It processed the hello and EncryptedExtensions, then refused the Certificate.
    assert client["state"] == "WAIT_CERT_CR" and client["python"] == "failed"
    assert client["received"] == ["ServerHello", "ChangeCipherSpec", "EncryptedExtensions"]
    assert "fatal alert (certificate_expired)" in client["why"]
    for step in doc["step_states"]:  # not even for a moment, one operation at a time
        assert step["states"]["client"]["state"] != "CONNECTED", step
    with serve("--once", "--server-cert-problem", "expired", "--states") as server:
        s_client(server)
        out, _ = server.proc.communicate(timeout=PEER_TIMEOUT)
    assert "certificate_expired" in out
    assert "client CONNECTED" not in out and "client WAIT_CERT_CR" in out, out


def test_client_certificate_required_and_missing() -> None:
    with serve("--once", "--client-cert", "--json") as server:
        with pytest.raises((ssl.SSLError, ConnectionError)):
            python_client(server)
        (doc,) = server.documents()
    assert not doc["summary"]["ok"]
    assert "PEER_DID_NOT_RETURN_A_CERTIFICATE" in json.dumps(doc["summary"]["failures"])


def test_terminal_output_and_port_in_use() -> None:
    with serve("--once") as server:
        python_client(server)
        out, _ = server.proc.communicate(timeout=20)
        listener = socket.create_server((LOOPBACK, 0))
        try:
            busy = listener.getsockname()[1]
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            proc = subprocess.run(
                [sys.executable, "-m", "tlsstep", "serve", "--port", str(busy)],
                capture_output=True,
                text=True,
                env=env,
                timeout=30,
                check=False,
            )
        finally:
            listener.close()
    assert "client.receive" in out and "server.do_handshake()" in out
    assert re.search(r"server name +example\.test", out), out  # the client's SNI
    assert proc.returncode == 3 and "address in use" in proc.stderr


@pytest.mark.skipif(shutil.which("tshark") is None, reason="needs tshark")
def test_pcap_after_ctrl_c_holds_every_connection(tmp_path: Path) -> None:
    pcap = tmp_path / "served.pcapng"
    with serve("--pcap", str(pcap), "--json") as server:
        assert server.proc.stdout is not None
        for data in (b"one", b"two"):
            assert python_client(server, data) == data
            json.loads(server.proc.stdout.readline())  # that connection has ended
        server.proc.send_signal(2)
        server.proc.communicate(timeout=30)
    assert oct(pcap.stat().st_mode)[-3:] == "600"
    out = subprocess.run(
        [
            "tshark",
            "-r",
            str(pcap),
            "-Y",
            "tls.app_data",
            "-T",
            "fields",
            "-e",
            "tcp.stream",
            "-e",
            "tcp.dstport",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert len(set(out[0::2])) == 2  # two TCP streams with application data
    assert str(server.port) in out[1::2]  # the real port
