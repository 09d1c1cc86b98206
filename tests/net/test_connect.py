"""``tlsstep connect`` against real servers on 127.0.0.1: openssl s_server, Python ssl,
plain-text servers and STARTTLS servers, run as a user would (a subprocess)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.helpers import ROOT, tlsstep
from tests.net.peers import (
    LOOPBACK,
    PEER_TIMEOUT,
    Certs,
    Handler,
    closed_port,
    ftp_auth_tls,
    http_plain,
    imap_starttls,
    offline,
    openssl_server,
    pop3_starttls,
    postgres_ssl,
    silent,
    smtp_starttls,
    tcp_server,
    tls_echo,
)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def tls13(certs: Certs) -> Iterator[int]:
    with openssl_server(certs.server_file()) as port:
        yield port


def connect_json(*args: str) -> tuple[int, dict[str, Any]]:
    proc = tlsstep("connect", *args, "--json")
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def messages(doc: dict[str, Any], side: str) -> list[str]:
    """Handshake messages ``side`` sent, decrypted, in order, from the JSON events."""
    out = []
    for event in doc["events"]:
        if event["side"] != side:
            continue
        for record in event.get("records", ()):
            for message in record.get("messages", ()):
                out.append(message["type"])
    return out


def test_tls13_with_ca(certs: Certs, tls13: int) -> None:
    code, doc = connect_json(f"{LOOPBACK}:{tls13}", "--ca", str(certs.ca_file))
    assert code == 0, doc
    assert doc["summary"]["ok"] and doc["summary"]["version"] == "TLSv1.3"
    # decrypted in both directions through the client's key log
    assert messages(doc, "server") == [
        "ServerHello",
        "EncryptedExtensions",
        "Certificate",
        "CertificateVerify",
        "Finished",
        "NewSessionTicket",  # received after the handshake, read by the client
        "NewSessionTicket",
    ]
    assert "Finished" in messages(doc, "server") and "Finished" in messages(doc, "client")
    net = doc["network"]
    assert net["role"] == "connect" and net["sni"] is None  # an IP address: no SNI
    assert net["connections"][0]["server"] == f"{LOOPBACK}:{tls13}"
    assert any(e["op"] == "receive" and e["side"] == "server" for e in doc["events"])


def test_system_trust_rejects_a_private_ca(tls13: int) -> None:
    code, doc = connect_json(f"localhost:{tls13}")
    assert code == 1
    assert not doc["summary"]["ok"]
    assert doc["network"]["trust"].startswith("system trust store")
    assert doc["network"]["sni"] == "localhost"


def test_no_verify(tls13: int) -> None:
    code, doc = connect_json(f"localhost:{tls13}", "--no-verify")
    assert code == 0 and doc["summary"]["ok"]


def test_terminal_view(certs: Certs, tls13: int) -> None:
    proc = tlsstep("connect", f"{LOOPBACK}:{tls13}", "--ca", str(certs.ca_file))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"→ server {LOOPBACK}:{tls13}" in out
    assert "server.receive" in out and "client.do_handshake()" in out
    assert "EncryptedExtensions" in out and "Finished" in out


def test_tls12_and_hrr_and_alpn(certs: Certs) -> None:
    with openssl_server(certs.server_file(), "-tls1_2", "-alpn", "h2") as port:
        code, doc = connect_json(
            f"{LOOPBACK}:{port}", "--ca", str(certs.ca_file), "--alpn", "h2,http/1.1"
        )
    assert code == 0 and doc["summary"]["version"] == "TLSv1.2"
    assert doc["summary"]["alpn"] == "h2"
    assert "Finished" in messages(doc, "server")  # decrypted TLS 1.2 Finished
    with openssl_server(certs.server_file(), "-groups", "P-256") as port:
        code, doc = connect_json(f"{LOOPBACK}:{port}", "--ca", str(certs.ca_file))
    assert code == 0
    assert messages(doc, "server")[0] == "HelloRetryRequest"
    assert messages(doc, "client").count("ClientHello") == 2


def test_client_certificate_required(certs: Certs) -> None:
    args = ("-Verify", "1", "-CAfile", str(certs.ca_file))
    with openssl_server(certs.server_file(), *args) as port:
        target = f"{LOOPBACK}:{port}"
        code, doc = connect_json(target, "--ca", str(certs.ca_file))
        assert code == 1
        failures = doc["summary"]["failures"]
        assert failures and "CERTIFICATE_REQUIRED" in json.dumps(failures).upper()
        client = str(certs.client_file())
        code, doc = connect_json(target, "--ca", str(certs.ca_file), "--client-cert", client)
        assert code == 0, doc["summary"]
        assert "Certificate" in messages(doc, "client")


def test_wrong_host_and_expired(certs: Certs) -> None:
    with openssl_server(certs.server_file("other.test")) as port:
        proc = tlsstep(
            "connect",
            f"{LOOPBACK}:{port}",
            "--ca",
            str(certs.ca_file),
            "--server-name",
            "localhost",
            "--certs",
        )
    assert proc.returncode == 1
    assert "localhost" in proc.stdout and "other.test" in proc.stdout
    past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    with openssl_server(
        certs.server_file("localhost", not_before=past - dt.timedelta(days=9), not_after=past)
    ) as port:
        code, doc = connect_json(f"localhost:{port}", "--ca", str(certs.ca_file), "--certs")
    assert code == 1
    assert "expired" in json.dumps(doc["certificates"]).lower()


def test_dhe_suite(tmp_path: Path) -> None:
    rsa = Certs(tmp_path, trustme.CA(key_type=trustme.KeyType.RSA))
    cert = rsa.tmp / "rsa.pem"
    rsa.ca.issue_cert(
        "localhost", key_type=trustme.KeyType.RSA
    ).private_key_and_cert_chain_pem.write_to_path(str(cert))
    with openssl_server(cert, "-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256") as port:
        code, doc = connect_json(
            f"localhost:{port}",
            "--ca",
            str(rsa.ca_file),
            "--tls-version",
            "1.2",
            "--cipher",
            "DHE-RSA-AES128-GCM-SHA256",
        )
    assert code == 0, doc["summary"]
    assert doc["summary"]["cipher"] == "DHE-RSA-AES128-GCM-SHA256"
    assert "ServerKeyExchange" in messages(doc, "server")


def test_html_page_has_each_steps_states(certs: Certs, tls13: int, tmp_path: Path) -> None:
    page = tmp_path / "connect.html"
    proc = tlsstep(
        "connect", f"{LOOPBACK}:{tls13}", "--ca", str(certs.ca_file), "--html", str(page)
    )
    assert proc.returncode == 0, proc.stderr
    text = page.read_text()
    assert stat.S_IMODE(page.stat().st_mode) == 0o600  # it embeds the run's keys
    assert '"role":"connect"' in text and '"step_states":[{' in text
    assert "server.receive" in proc.stdout  # the text view is the usual one, not one-by-one


def test_resume(certs: Certs, tls13: int) -> None:
    code, doc = connect_json(f"{LOOPBACK}:{tls13}", "--ca", str(certs.ca_file), "--resume")
    assert code == 0, doc["summary"]
    assert doc["summary"]["connections"] == 2 and doc["summary"]["session_reused"]
    links = doc["network"]["connections"]
    assert len(links) == 2 and links[0]["client"] != links[1]["client"]


def test_python_server_echo_decrypted(certs: Certs) -> None:
    with tcp_server(tls_echo(certs.server_context())) as port:
        code, doc = connect_json(
            f"localhost:{port}", "--ca", str(certs.ca_file), "--data", "hello tls"
        )
    assert code == 0, doc["summary"]
    reads = [e for e in doc["events"] if e["op"] == "read" and e["side"] == "client"]
    assert any("hello tls" in json.dumps(e) for e in reads)
    app = [
        r
        for e in doc["events"]
        if e["side"] == "server"
        for r in e.get("records", ())
        if r.get("content_type") == "application_data" or "application" in json.dumps(r)
    ]
    assert app


def test_full_data(certs: Certs) -> None:
    """Application data: 64 bytes and how many more by default, all of it with --full-data."""
    data = "x" * 100 + "END"
    with tcp_server(tls_echo(certs.server_context())) as port:
        runs = [
            tlsstep("connect", f"localhost:{port}", "--ca", str(certs.ca_file), "--data", data, *a)
            for a in ([], ["--full-data"])
        ]
    short, full = (r.stdout.replace("\n", "").replace(" ", "") for r in runs)
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    assert "END" not in short and "bytesmore" in short.replace("…", "")
    assert full.count(data) >= 2  # written and read back, each in full


def test_keylog_is_private(certs: Certs, tls13: int, tmp_path: Path) -> None:
    keylog = tmp_path / "keys.log"
    code, _ = connect_json(
        f"{LOOPBACK}:{tls13}", "--ca", str(certs.ca_file), "--keylog", str(keylog)
    )
    assert code == 0
    assert stat.S_IMODE(os.stat(keylog).st_mode) == 0o600
    assert "CLIENT_HANDSHAKE_TRAFFIC_SECRET" in keylog.read_text()


def _skeleton(doc: dict[str, Any]) -> list[Any]:
    """Each event's records as two handshakes share them (sizes vary: ECDSA signatures)."""
    return [
        (
            e["side"],
            e["op"],
            e["result"],
            [
                (
                    r["content_type"],
                    r["protected"],
                    sorted(r),
                    [m["type"] for m in r.get("messages", ())],
                )
                for r in e.get("records", ())
            ],
        )
        for e in doc["events"]
    ]


def test_decoded_once_after_the_run_as_when_decoded_live(
    certs: Certs, tls13: int, tmp_path: Path
) -> None:
    """Nothing watches a plain --json run, so it decodes once, after the run; with
    --keylog it decodes as bytes cross (the export follows the secrets) and again after.
    Both give the same records, decrypted in both directions, and the same states."""
    target = f"{LOOPBACK}:{tls13}"
    code, once = connect_json(target, "--ca", str(certs.ca_file))
    assert code == 0
    code, live = connect_json(
        target, "--ca", str(certs.ca_file), "--keylog", str(tmp_path / "keys.log")
    )
    assert code == 0
    assert messages(once, "server")[:6] == [
        "ServerHello",
        "EncryptedExtensions",
        "Certificate",
        "CertificateVerify",
        "Finished",
        "NewSessionTicket",
    ]
    assert _skeleton(once) == _skeleton(live)
    assert once["states"] == live["states"]


def test_json_run_loads_only_what_it_uses(certs: Certs, tls13: int) -> None:
    """A plain --json run (bench/bench_connect.py) loads no STARTTLS preambles, no rich,
    no X.509 parser and no KDF or hash module of cryptography's (HKDF and HMAC are the
    standard library's); decryption still needs cryptography's AEAD ciphers."""
    from tests.test_startup import loaded_by

    loaded = loaded_by("connect", f"{LOOPBACK}:{tls13}", "--ca", str(certs.ca_file), "--json")
    assert "tlsstep.net.sniff" in loaded and "cryptography.hazmat.primitives.ciphers.aead" in loaded
    unused = {
        "tlsstep.net.starttls",
        "rich",
        "trustme",
        "cryptography.x509",
        "cryptography.hazmat.primitives.hashes",
        "cryptography.hazmat.primitives.hmac",
        "cryptography.hazmat.primitives.kdf",
    }
    assert not unused & loaded


# -- network failures: exit status 3, a clear message, never a traceback ------------


def failing(*args: str) -> str:
    proc = tlsstep("connect", *args)
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc.stderr


def test_refused() -> None:
    port = closed_port()
    assert f"{LOOPBACK}:{port}: connection refused during connect" in failing(f"{LOOPBACK}:{port}")


def test_name_not_found() -> None:
    # no resolver reachable (a network namespace of its own): no query leaves the machine
    proc = offline(sys.executable, "-m", "tlsstep", "connect", "no-such-host.invalid:443")
    assert proc.returncode == 3, proc.stderr
    assert "no-such-host.invalid:443: name not found during connect" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_silent_server_times_out() -> None:
    with tcp_server(silent) as port:
        message = failing(f"{LOOPBACK}:{port}", "--timeout", "0.3")
    assert "timeout" in message and "0.3 s" in message


def _half_a_record(close: bool) -> Handler:
    """Reads the ClientHello, sends 8 bytes of an 85-byte record, then closes or waits."""

    def handle(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(b"\x16\x03\x03\x00\x50\x02\x00\x00")
        if not close:
            silent(conn)

    return handle


@pytest.mark.parametrize("close", [False, True])
def test_what_had_arrived_when_the_server_stops_short(close: bool) -> None:
    with tcp_server(_half_a_record(close)) as port:
        message = failing(f"{LOOPBACK}:{port}", "--timeout", "1", "--no-verify")
    kind = "closed by the peer during the handshake" if close else "timeout during a receive"
    assert kind in message, message
    assert "after 8 bytes from it; they were: 16 03 03 00 50 02 00 00" in message


def test_plain_http_is_not_tls() -> None:
    with tcp_server(http_plain) as port:
        message = failing(f"{LOOPBACK}:{port}")
    assert "not TLS: the peer's first bytes look like an HTTP server" in message
    assert "HTTP/1.1 400 Bad Request" in message


def test_not_tls_in_json() -> None:
    with tcp_server(http_plain) as port:
        proc = tlsstep("connect", f"{LOOPBACK}:{port}", "--json")
    assert proc.returncode == 3
    doc = json.loads(proc.stdout)
    assert doc["network"]["problem"]["kind"] == "not_tls"
    assert "HTTP" in doc["network"]["problem"]["looks_like"]


def test_usage_errors_exit_2() -> None:
    for args in (
        ["example.com:99999"],
        ["[::1"],
        ["x:1", "--timeout", "0"],
        ["x:1", "--starttls", "gopher"],
    ):
        proc = tlsstep("connect", *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


# -- STARTTLS -----------------------------------------------------------------------


def test_starttls_smtp(certs: Certs) -> None:
    with tcp_server(smtp_starttls(certs.server_context())) as port:
        code, doc = connect_json(
            f"localhost:{port}", "--ca", str(certs.ca_file), "--starttls", "smtp", "--data", "hi"
        )
    assert code == 0, doc["summary"]
    preamble = doc["network"]["connections"][0]["preamble"]
    assert [p["direction"] for p in preamble] == [
        "received",
        "sent",
        "received",
        "sent",
        "received",
    ]
    assert preamble[3]["text"] == "STARTTLS\\r\\n"


def test_starttls_postgres(certs: Certs) -> None:
    with tcp_server(postgres_ssl(certs.server_context())) as port:
        proc = tlsstep(
            "connect", f"localhost:{port}", "--ca", str(certs.ca_file), "--starttls", "postgres"
        )
    assert proc.returncode == 0, proc.stderr
    assert "postgres preamble" in proc.stdout


# (server, the client's command, the server's answer that starts TLS, its refusal)
LINE_PREAMBLES = {
    "imap": (imap_starttls, "a1 STARTTLS", "a1 OK Begin TLS", "a1 NO TLS not available"),
    "pop3": (pop3_starttls, "STLS", "+OK Begin TLS", "-ERR TLS not available"),
    "ftp": (ftp_auth_tls, "AUTH TLS", "234 AUTH TLS successful", "431 TLS not available"),
}


@pytest.mark.parametrize("protocol", sorted(LINE_PREAMBLES))
def test_starttls_line_protocols(certs: Certs, protocol: str) -> None:
    server, command, answer, _ = LINE_PREAMBLES[protocol]
    with tcp_server(server(certs.server_context())) as port:
        code, doc = connect_json(
            f"localhost:{port}", "--ca", str(certs.ca_file), "--starttls", protocol, "--data", "hi"
        )
    assert code == 0, doc["summary"]
    assert doc["summary"]["ok"] and doc["summary"]["version"] == "TLSv1.3"
    preamble = doc["network"]["connections"][0]["preamble"]
    assert [p["direction"] for p in preamble] == ["received", "sent", "received"]
    assert preamble[1]["text"] == command + "\\r\\n"
    assert preamble[2]["text"].startswith(answer)
    # TLS after the preamble: the echo server's answer to --data, decrypted
    reads = [e for e in doc["events"] if e["op"] == "read" and e["side"] == "client"]
    assert any(e.get("data", {}).get("text") == "hi" for e in reads), reads


@pytest.mark.parametrize("protocol", sorted(LINE_PREAMBLES))
def test_starttls_line_protocols_refused(certs: Certs, protocol: str) -> None:
    server, _, _, refusal = LINE_PREAMBLES[protocol]
    with tcp_server(server(certs.server_context(), accept=False)) as port:
        message = failing(f"localhost:{port}", "--starttls", protocol, "--timeout", "5")
    assert f"during the {protocol} preamble" in message, message
    assert refusal in message, message


def test_starttls_refused(certs: Certs) -> None:
    with tcp_server(smtp_starttls(certs.server_context(), offer=False)) as port:
        message = failing(f"localhost:{port}", "--starttls", "smtp")
    assert "does not offer STARTTLS" in message


# -- captures -------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("tshark") is None, reason="needs tshark")
def test_pcap_has_real_ports_and_opens_decrypted_in_tshark(
    certs: Certs, tls13: int, tmp_path: Path
) -> None:
    pcap = tmp_path / "run.pcapng"
    code, doc = connect_json(f"{LOOPBACK}:{tls13}", "--ca", str(certs.ca_file), "--pcap", str(pcap))
    assert code == 0
    assert stat.S_IMODE(os.stat(pcap).st_mode) == 0o600  # it holds the key log
    client_port = int(doc["network"]["connections"][0]["client"].rsplit(":", 1)[1])
    out = subprocess.run(
        [
            "tshark",
            "-r",
            str(pcap),
            "-Y",
            "tls.handshake",
            "-T",
            "fields",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.dstport",
            "-e",
            "tls.handshake.type",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split("\n")
    rows = [line.split("\t") for line in out if line]
    assert {(int(r[0]), int(r[1])) for r in rows} == {(client_port, tls13), (tls13, client_port)}
    types = {(int(r[0]), t) for r in rows for t in r[2].split(",")}
    # Finished from both ends: only readable decrypted, with the embedded key log
    assert (tls13, "20") in types and (client_port, "20") in types
    assert (tls13, "11") in types  # the TLS 1.3 Certificate, encrypted on the wire


def _walk_records(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "from" in node and "messages" in node:
            yield node
        for value in node.values():
            yield from _walk_records(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_records(value)


@pytest.mark.skipif(shutil.which("dumpcap") is None, reason="needs dumpcap")
def test_live_capture_decodes_to_the_same_messages(certs: Certs, tmp_path: Path) -> None:
    """dumpcap on loopback during connect; tlsstep decode of it equals connect's transcript."""
    capture, keylog = tmp_path / "live.pcapng", tmp_path / "keys.log"
    with openssl_server(certs.server_file()) as port:
        dumpcap = subprocess.Popen(
            ["dumpcap", "-q", "-i", "lo", "-f", f"tcp port {port}", "-w", str(capture)],
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert dumpcap.stderr is not None
            started = dumpcap.stderr.readline()  # "Capturing on 'Loopback: lo'"
            if "Capturing" not in started:
                pytest.skip(f"dumpcap cannot capture on lo here: {started.strip()}")
            code, doc = connect_json(
                f"localhost:{port}", "--ca", str(certs.ca_file), "--keylog", str(keylog)
            )
            time.sleep(0.5)  # the last segments reach the capture
        finally:
            dumpcap.send_signal(signal.SIGINT)
            dumpcap.wait(20)
            dumpcap.stderr.close()  # type: ignore[union-attr]
    assert code == 0
    decoded = tlsstep("decode", str(capture), "--keylog", str(keylog), "--json")
    assert decoded.returncode == 0, decoded.stderr
    from_capture = [
        (r["from"], m["type"])
        for r in _walk_records(json.loads(decoded.stdout))
        for m in r["messages"]
    ]
    from_connect = [
        (e["side"], m["type"])
        for e in doc["events"]
        for r in e.get("records", ())
        for m in r.get("messages", ())
    ]
    assert from_capture == from_connect
    assert ("server", "Finished") in from_capture and ("client", "Finished") in from_capture


def test_ctrl_c_keeps_keylog_and_pcap_and_removes_secrets(certs: Certs, tmp_path: Path) -> None:
    keylog, pcap = tmp_path / "keys.log", tmp_path / "run.pcapng"
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    hello = threading.Event()

    def listen_only(conn: socket.socket) -> None:  # reads the ClientHello, answers nothing
        if conn.recv(65536):
            hello.set()
        silent(conn)

    with tcp_server(listen_only) as port:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tlsstep",
                "connect",
                f"{LOOPBACK}:{port}",
                "--keylog",
                str(keylog),
                "--pcap",
                str(pcap),
                "--timeout",
                "30",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        # the ClientHello arrived: tlsstep waits in its receive (however slow its start was)
        assert hello.wait(PEER_TIMEOUT), proc.communicate(timeout=PEER_TIMEOUT)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert "client.do_handshake()" in out and "ClientHello" in out
    assert stat.S_IMODE(os.stat(keylog).st_mode) == 0o600
    assert pcap.exists() and pcap.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    leftovers = [
        p for p in tmp_path.rglob("*") if "keylog-" in p.name or p.name.endswith("-key.pem")
    ]
    assert leftovers == []


def test_states_live_view_decrypts_and_tracks_the_remote_server(certs: Certs, tls13: int) -> None:
    proc = tlsstep("connect", f"{LOOPBACK}:{tls13}", "--ca", str(certs.ca_file), "--states")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # printed as it ran, yet decrypted: the delivery is shown once the client read it
    assert "EncryptedExtensions" in out and "no secret" not in out
    # the remote server processed the ClientHello: its answer (the flight it sent) says so
    assert "server received ClientHello; sent ServerHello" in out
    assert "START → RECVD_CH → NEGOTIATED → WAIT_FLIGHT2" in out
    assert "client CONNECTED" in out and "server CONNECTED" in out
    code, doc = connect_json(f"{LOOPBACK}:{tls13}", "--ca", str(certs.ca_file), "--states")
    assert code == 0
    assert doc["step_states"][-1]["states"]["server"]["state"] == "CONNECTED"


def test_step_pauses_at_each_operation_receives_included(certs: Certs, tls13: int) -> None:
    """connect --step in a pseudo-terminal: a pause after the first call, Enter goes on,
    c runs to the end; q at a pause quits with status 0."""
    from tests.states.test_step_pty import Terminal

    term = Terminal("connect", f"{LOOPBACK}:{tls13}", "--ca", str(certs.ca_file), "--step")
    first = term.expect("q: quit", timeout=PEER_TIMEOUT)
    assert "client.do_handshake() → want read" in first and "WAIT_SH" in first
    assert "server.receive" not in first  # paused after one operation
    term.send("\n")
    term.expect("client ──▶ server", timeout=PEER_TIMEOUT)
    term.send("c\n")
    text = term.expect("handshake complete", timeout=PEER_TIMEOUT)
    assert term.finish() == 0
    assert "server.receive(timeout=10.0)" in text and "Finished" in text
    quitting = Terminal("connect", f"{LOOPBACK}:{tls13}", "--ca", str(certs.ca_file), "--step")
    quitting.expect("q: quit", timeout=PEER_TIMEOUT)
    quitting.send("q\n")
    assert quitting.finish() == 0
    assert "handshake complete" not in quitting.seen
