"""The -v/-vv views and the JSON "fields", on fixed messages and through the CLI."""

from __future__ import annotations

import io
import json

from click.testing import CliRunner

from tests.wire.helpers import ext, exts, handshake, u16, vec
from tlsstep.cli import main
from tlsstep.render.terminal import make_console
from tlsstep.render.wire_view import decoded_tree
from tlsstep.wire.messages import decode_handshake

EE = handshake(
    8,
    exts(ext(16, vec(2, vec(1, b"h2"))), ext(0, b""), ext(28, u16(16385)), ext(21, b"\x00\x01")),
)


def render(show_bytes: bool) -> str:
    out = io.StringIO()
    make_console(file=out, width=80, color=False).print(
        decoded_tree(decode_handshake(EE), show_bytes=show_bytes)
    )
    return out.getvalue()


def test_verbose_tree() -> None:
    assert render(False) == (
        "EncryptedExtensions\n"
        "├── extensions  (4)\n"
        "│   ├── application_layer_protocol_negotiation\n"
        "│   │   └── protocol_name_list  (1)\n"
        "│   │       └── h2  (2 bytes)\n"
        "│   ├── server_name\n"
        "│   ├── record_size_limit\n"
        "│   │   └── record_size_limit: 16385\n"
        "│   └── padding\n"
        "│       └── padding: 0001\n"
        "└── problem: invalid padding: the bytes must all be zero (RFC 7685 §3) at offset\n"
        "    29\n"
    )


def test_very_verbose_tree_has_offsets_and_bytes() -> None:
    text = render(True)
    assert text.startswith(
        "EncryptedExtensions  31 bytes\n"
        "├── msg_type: EncryptedExtensions (0x08)  @0+1  08\n"
        "├── length: 27  @1+3  00001b\n"
        "├── extensions  (4)  @4+27\n"
        "│   ├── length: 25  @4+2  0019\n"
    )
    assert "│   │   └── record_size_limit: 16385  @23+2  4001\n" in text
    assert "│   │           └── protocol_name: h2  @13+2  6832\n" in text


def test_handshake_command_verbose_shows_fields() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["handshake", "-v", "--alpn", "h2", "--tls-version", "1.2"])
    assert result.exit_code == 0, result.output
    for expected in (
        "cipher_suites  (",
        "host_name: example.test",
        "ServerKeyExchange  (ECDHE form)",
        "namedcurve: x25519 (0x001d)",
        "ChangeCipherSpec",
        "ticket_lifetime_hint: 7200",
    ):
        assert expected in result.output, expected
    assert "@0+1" not in result.output  # offsets only with -vv
    vv = runner.invoke(main, ["handshake", "-vv"])
    assert vv.exit_code == 0 and "msg_type: ClientHello (0x01)  @0+1  01" in vv.output
    plain = runner.invoke(main, ["handshake"])
    assert "cipher_suites" not in plain.output


def test_handshake_json_carries_fields() -> None:
    result = CliRunner().invoke(main, ["handshake", "--json", "--server-group", "prime256v1"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    messages = [
        m for e in doc["events"] for r in e.get("records", []) for m in r.get("messages", [])
    ]
    assert [m["type"] for m in messages][:4] == [
        "ClientHello",
        "HelloRetryRequest",
        "ClientHello",
        "ServerHello",
    ]
    hrr = messages[1]["fields"]
    assert hrr["name"] == "HelloRetryRequest" and hrr["problems"] == []
    exts_ = next(f for f in hrr["fields"] if f["name"] == "extensions")["fields"]
    key_share = next(f for f in exts_ if f["name"] == "key_share")
    group = next(f for f in key_share["fields"] if f["name"] == "selected_group")
    assert (group["value"], group["text"]) == (23, "secp256r1")
    ccs = [
        r
        for e in doc["events"]
        for r in e.get("records", [])
        if r["content_type"] == "change_cipher_spec"
    ]
    assert ccs[0]["fields"]["name"] == "ChangeCipherSpec"


def test_very_verbose_title_says_where_the_message_crossed() -> None:
    from tlsstep.wire.handshake import HandshakeReassembler

    raw = EE.raw
    reassembler = HandshakeReassembler()
    assert reassembler.feed(raw[:10], origin=5) == []
    (message,) = reassembler.feed(raw[10:], origin=20)  # the next record's fragment
    d = decode_handshake(message)
    out = io.StringIO()
    make_console(file=out, width=80, color=False).print(decoded_tree(d, show_bytes=True))
    assert out.getvalue().startswith(
        "EncryptedExtensions  31 bytes from stream offset 5 in 2 pieces\n"
    )
    assert (d.stream_offset(9), d.stream_offset(10)) == (14, 20)
