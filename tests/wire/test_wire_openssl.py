"""Cross-check the decoder against an independent one: OpenSSL's own ``-trace``.

A local ``openssl s_server`` (127.0.0.1, a free port) and ``openssl s_client
-trace -debug`` run one handshake; s_client hex-dumps every byte it writes and
reads (``-debug``) and decodes the same records (``-trace``) in the same run.
tlsstep decodes those exact bytes, and each plaintext handshake message is
compared with the trace field by field: message names and lengths, cipher suites,
every extension's number and length, the numbers and strings inside it, and
every ``name (len=N): HEX`` value the trace prints.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tlsstep.wire.enums import ContentType
from tlsstep.wire.handshake import HandshakeReassembler
from tlsstep.wire.messages import DecodedMessage, decode_handshake
from tlsstep.wire.names import cipher_suite_name
from tlsstep.wire.reader import Field
from tlsstep.wire.records import RecordSplitter

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")

HEX_LINE = re.compile(r"^([0-9a-f]{4}) - ((?:[0-9a-f]{2}[ -]){1,16})")
MESSAGE = re.compile(r"^    (\w+), Length=(\d+)$")
SUITE = re.compile(r"\{0x([0-9A-F]{2}), 0x([0-9A-F]{2})\} (\S+)")
EXTENSION = re.compile(r"extension_type=(\S+)\((\d+)\), length=(\d+)")
NUMBER = re.compile(r"\((0x[0-9a-fA-F]+|\d+)\)\s*$")
VALUE = re.compile(r"^\s*([A-Za-z_][\w.]*?):?\s+\(len=(\d+)\):\s*([0-9A-F]*)$")

# OpenSSL's trace names that differ from the IANA names tlsstep uses.
EXTENSION_ALIASES = {"renegotiate": "renegotiation_info"}
VALUE_ALIASES = {
    "Signature": "signature",
    "session_id": "legacy_session_id",
}


@dataclass
class TraceMessage:
    sender: str  # "client" (s_client sent it) or "server"
    name: str
    length: int
    lines: list[str] = field(default_factory=list)


@dataclass
class Capture:
    sent: bytes  # what s_client wrote: the client's stream
    received: bytes  # what it read: the server's stream
    trace: list[TraceMessage]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def rsa_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    import trustme

    ca = trustme.CA(key_type=trustme.KeyType.RSA)
    leaf = ca.issue_cert("example.test", key_type=trustme.KeyType.RSA)
    d = tmp_path_factory.mktemp("openssl")
    cert, key = d / "cert.pem", d / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    return cert, key


def capture(files: tuple[Path, Path], server_args: list[str], client_args: list[str]) -> Capture:
    cert, key = files
    port = _free_port()
    server = subprocess.Popen(
        [
            "openssl",
            "s_server",
            "-accept",
            f"127.0.0.1:{port}",
            "-naccept",
            "1",
            "-cert",
            str(cert),
            "-key",
            str(key),
            *server_args,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:  # s_server says ACCEPT once it listens
            if line.startswith("ACCEPT"):
                break
        client = subprocess.run(
            [
                "openssl",
                "s_client",
                "-connect",
                f"127.0.0.1:{port}",
                "-trace",
                "-debug",
                "-servername",
                "example.test",
                *client_args,
            ],
            input="",
            capture_output=True,
            text=True,
            timeout=20,
        )
    finally:
        server.kill()
        server.wait()
    return parse(client.stdout)


def parse(out: str) -> Capture:
    streams = {"write": bytearray(), "read": bytearray()}
    trace: list[TraceMessage] = []
    dump: str | None = None
    sender = "client"
    current: TraceMessage | None = None
    for line in out.splitlines():
        if line.startswith(("write to ", "read from ")):
            dump = line.split()[0]
            current = None
            continue
        m = HEX_LINE.match(line)
        if dump and m:
            streams[dump] += bytes.fromhex(m.group(2).replace("-", " "))
            continue
        dump = None
        if line in ("Sent Record", "Received Record"):
            sender = "client" if line == "Sent Record" else "server"
            current = None
            continue
        m = MESSAGE.match(line)
        if m:
            current = TraceMessage(sender=sender, name=m.group(1), length=int(m.group(2)))
            trace.append(current)
        elif current is not None:
            current.lines.append(line)
    return Capture(sent=bytes(streams["write"]), received=bytes(streams["read"]), trace=trace)


def plaintext_messages(
    stream: bytes, sender: str, hello: list[int | None]
) -> list[tuple[str, DecodedMessage]]:
    """The handshake messages tlsstep can read without keys, as the transcript would.

    ``hello`` is [version, cipher_suite] as the ServerHello chose them: filled in
    by the server's stream, used by the client's (its key exchange depends on it).
    """
    out: list[tuple[str, DecodedMessage]] = []
    reassembler = HandshakeReassembler()
    version, suite = hello
    for record in RecordSplitter().feed(stream):
        if record.content_type == ContentType.change_cipher_spec and version == 0x0304:
            continue  # RFC 8446 §5: a compatibility CCS; keys do not change
        if record.content_type != ContentType.handshake:
            break  # ChangeCipherSpec (1.2) or an encrypted record (1.3): keys needed
        for message in reassembler.feed(record.fragment):
            d = decode_handshake(message, version=version, cipher_suite=suite)
            if d.msg_type == 2:  # ServerHello or HelloRetryRequest
                version = 0x0303 if d.extension("supported_versions") is None else 0x0304
                suite = int(d.value("cipher_suite") or 0)
                hello[:] = [version, suite]
            out.append((sender, d))
    return out


def ext_blocks(lines: list[str]) -> list[tuple[str, int, int, list[str]]]:
    blocks: list[tuple[str, int, int, list[str]]] = []
    for line in lines:
        m = EXTENSION.search(line)
        if m:
            blocks.append((m.group(1), int(m.group(2)), int(m.group(3)), []))
        elif blocks:
            blocks[-1][3].append(line)
    return blocks


def int_leaves(f: Field) -> list[int]:
    skip = {"length", "extension_type", "name_type"}
    return [x.value for x in f.leaves() if isinstance(x.value, int) and x.name not in skip]


def compare(trace: TraceMessage, d: DecodedMessage) -> None:
    hello = d.name in ("ClientHello", "ServerHello", "HelloRetryRequest")
    name = "ServerHello" if d.name == "HelloRetryRequest" else d.name  # the trace calls HRR so
    assert (trace.name, trace.length) == (name, len(d.raw) - 4)
    assert d.problems == ()
    text = "\n".join(trace.lines)
    # Cipher suites (and the ServerHello's one), by number and by IANA name.
    suites = [(int(a + b, 16), n) for a, b, n in SUITE.findall(text)]
    ours = [(int(f.value), cipher_suite_name(int(f.value))) for f in d.find_all("cipher_suite")]
    assert suites == ours
    # Extensions: number, length, name, and what is inside.
    blocks = ext_blocks(trace.lines) if hello else []
    assert [(n, ln) for _, n, ln, _ in blocks] == [
        (f.children[0].value, f.length - 4) for f in d.extensions
    ]
    for (their_name, _, _, lines), ext in zip(blocks, d.extensions, strict=True):
        assert EXTENSION_ALIASES.get(their_name, their_name) == ext.name
        dumped = b"".join(
            bytes.fromhex(m.group(2).replace("-", " "))
            for m in (HEX_LINE.match(x.strip()) for x in lines)
            if m
        )
        if dumped:  # the trace hex-dumps extensions it does not decode (server_name)
            assert dumped == d.raw[ext.offset + 4 : ext.offset + ext.length]
            continue
        numbers = [
            int(m.group(1), 0) for m in map(NUMBER.search, lines) if m and "(len=" not in m.string
        ]
        assert numbers == int_leaves(ext), ext.name
        if ext.name == "application_layer_protocol_negotiation":
            assert [x.strip() for x in lines if x.strip()] == [
                f.text for f in ext.find_all("protocol_name") if f.is_leaf
            ]
    # Every "name (len=N): HEX" value, in order, against the leaf of that name.
    values: dict[str, list[str]] = {}
    for line in trace.lines:
        m = VALUE.match(line)
        if m and m.group(1) != "random_bytes":
            values.setdefault(m.group(1), []).append(m.group(3).lower())
    for their, hexes in values.items():
        mine = VALUE_ALIASES.get(their, their)
        if d.name == "ServerHello" or d.name == "HelloRetryRequest":
            mine = {"legacy_session_id": "legacy_session_id_echo"}.get(mine, mine)
        leaves = [f.value.hex() for f in d.find_all(mine) if isinstance(f.value, bytes)]
        assert leaves == hexes, (d.name, their)
    # Certificates by length; the other printed numbers by their names.
    certs = [int(x) for x in re.findall(r"ASN\.1Cert, length=(\d+)", text)]
    assert certs == [f.length - 3 for f in d.find_all("ASN.1Cert") if not f.is_leaf]
    for label, ours_name in (
        ("Signature Algorithm", "algorithm"),
        ("named_curve", "namedcurve"),
        ("ticket_lifetime_hint", "ticket_lifetime_hint"),
    ):
        m = re.search(rf"{label}[:=] ?(?:.*\((0x[0-9a-f]+|\d+)\)|(\d+))\s*$", text, re.M)
        if m:
            assert int(m.group(1) or m.group(2), 0) == d.value(ours_name), label


def cross_check(cap: Capture, expected: list[str]) -> None:
    hello: list[int | None] = [None, None]
    server = plaintext_messages(cap.received, "server", hello)
    ours = plaintext_messages(cap.sent, "client", hello) + server
    for sender in ("client", "server"):
        mine = [d for s, d in ours if s == sender]
        theirs = [t for t in cap.trace if t.sender == sender][: len(mine)]
        assert len(theirs) == len(mine)
        for t, d in zip(theirs, mine, strict=True):
            compare(t, d)
    # Plaintext messages in the order each side's stream carried them.
    assert sorted(d.name for _, d in ours) == sorted(expected)


# What a TLS 1.2 handshake without client certificates shows before ChangeCipherSpec.
TLS12_PLAINTEXT = [
    "ClientHello",
    "ClientKeyExchange",
    "ServerHello",
    "Certificate",
    "ServerKeyExchange",
    "ServerHelloDone",
    "NewSessionTicket",
]


def test_tls12_ecdhe_against_openssl_trace(rsa_files: tuple[Path, Path]) -> None:
    cap = capture(rsa_files, [], ["-tls1_2", "-alpn", "h2,http/1.1"])
    cross_check(cap, TLS12_PLAINTEXT)


def test_tls12_dhe_against_openssl_trace(rsa_files: tuple[Path, Path]) -> None:
    cap = capture(rsa_files, [], ["-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"])
    cross_check(cap, TLS12_PLAINTEXT)


def test_tls13_hello_retry_request_against_openssl_trace(rsa_files: tuple[Path, Path]) -> None:
    cap = capture(rsa_files, ["-groups", "P-256"], ["-groups", "X25519:P-256", "-alpn", "h2"])
    cross_check(cap, ["ClientHello", "ClientHello", "HelloRetryRequest", "ServerHello"])
