"""``wire.hello.server_hello_choice`` reads what ``server_hello_facts`` of the decoded
message gives (version and suite), or nothing: on real ServerHellos and HelloRetryRequests
(RFC 8448, every bundled scenario's, TLS 1.2 ones) and on every truncation and on damage
to each byte of them. Where it answers, the answer is the decoder's (issue 14: the replay
reads a ServerHello's choice without decoding the whole message)."""

from __future__ import annotations

from tests.helpers import ROOT
from tests.wire.rfc8448 import SERVER_HELLO
from tlsstep.events import Side
from tlsstep.scenario import find_files, load
from tlsstep.session import Session
from tlsstep.wire.enums import HandshakeType
from tlsstep.wire.handshake import HandshakeMessage
from tlsstep.wire.hello import server_hello_choice, server_hello_facts
from tlsstep.wire.messages import decode_handshake


def decoded_choice(message: HandshakeMessage) -> tuple[int, int] | None:
    facts = server_hello_facts(decode_handshake(message))
    return None if facts is None else (int(facts.version), facts.cipher_suite)


def hello(raw: bytes) -> HandshakeMessage:
    return HandshakeMessage(msg_type=raw[0], body=raw[4:])


def bundled_hellos() -> list[bytes]:
    """Every ServerHello (and HelloRetryRequest) the bundled scenarios' servers wrote."""
    found: list[bytes] = []
    for path in find_files([str(ROOT / "scenarios")]):
        scenario = load(path)
        session = Session(scenario.config)
        for step in scenario.steps:
            session.run(step)
        for entry in session.entries:
            for item in entry.event.processed or ():
                if item.sent and item.msg_type == HandshakeType.server_hello:
                    assert entry.event.side is Side.server
                    found.append(item.data)
    return found


def test_real_hellos_read_as_the_decoder_reads_them() -> None:
    hellos = [SERVER_HELLO, *bundled_hellos()]
    choices = {server_hello_choice(hello(raw)) for raw in hellos}
    assert None not in choices
    for raw in hellos:
        assert server_hello_choice(hello(raw)) == decoded_choice(hello(raw))
    # the comparison is about something: TLS 1.3 and 1.2 choices, an HRR among them
    assert {version for version, _ in choices} >= {0x0304, 0x0303}  # type: ignore[misc]
    assert any(hello(raw).is_hello_retry_request for raw in hellos)


def test_cut_and_damaged_hellos_read_as_the_decoder_or_not_at_all() -> None:
    answered = 0
    for raw in (SERVER_HELLO, *bundled_hellos()[:3]):
        message = hello(raw)
        variants = [message.body[:n] for n in range(len(message.body))]
        for i in range(len(message.body)):
            for value in (0x00, 0x01, 0x2B, 0xFF, message.body[i] ^ 0x80):
                variants.append(message.body[:i] + bytes([value]) + message.body[i + 1 :])
        variants.append(message.body + b"\x00\x2b\x00\x02\x03\x03")  # a second choice
        for body in variants:
            damaged = HandshakeMessage(msg_type=HandshakeType.server_hello, body=body)
            choice = server_hello_choice(damaged)
            if choice is not None:
                answered += 1
                assert choice == decoded_choice(damaged), body.hex()
    assert answered > 100  # it does answer damaged hellos that still hold their fields


def test_other_messages_are_not_read() -> None:
    assert server_hello_choice(HandshakeMessage(msg_type=1, body=SERVER_HELLO[4:])) is None
