"""Property tests: no input makes the decoder (or its views) raise.

Random bodies for every message type, and mutated real messages (bytes flipped,
inserted, deleted, cut), decode to values whose fields tile the input, re-encode
to the same bytes, and convert to JSON.
"""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.wire import rfc8448
from tests.wire.helpers import message
from tlsstep.decode import Decoder
from tlsstep.events import Side
from tlsstep.wire.handshake import HandshakeMessage
from tlsstep.wire.messages import (
    DecodedMessage,
    decode_alert,
    decode_change_cipher_spec,
    decode_handshake,
    to_json,
)
from tlsstep.wire.reader import Field

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MSG_TYPES = st.sampled_from([0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 22, 24, 99])
VERSIONS = st.sampled_from([None, 0x0303, 0x0304])
SUITES = st.sampled_from([None, 0x1301, 0xC02F, 0x009E, 0x009C, 0x00FF])
SEEDS = [
    rfc8448.CLIENT_HELLO,
    rfc8448.SERVER_HELLO,
    rfc8448.ENCRYPTED_EXTENSIONS,
    rfc8448.CERTIFICATE,
    rfc8448.CERTIFICATE_VERIFY,
    rfc8448.NEW_SESSION_TICKET,
    rfc8448.RESUMED_CLIENT_HELLO,
]


def check(d: DecodedMessage) -> None:
    """The invariants every decoded value keeps, whatever the input."""
    assert d.encode() == d.raw

    def inside(f: Field, start: int, end: int) -> None:
        assert start <= f.offset and f.offset + f.length <= end
        for c in f.children:
            inside(c, f.offset, f.offset + f.length)

    for f in d.fields:
        inside(f, 0, len(d.raw))
    for p in d.problems:
        assert 0 <= p.offset <= len(d.raw)
        assert str(p)
    json.dumps(to_json(d))


@SETTINGS
@given(msg_type=MSG_TYPES, body=st.binary(max_size=300), version=VERSIONS, suite=SUITES)
def test_random_bodies(msg_type: int, body: bytes, version: int | None, suite: int | None) -> None:
    check(
        decode_handshake(
            HandshakeMessage(msg_type=msg_type, body=body), version=version, cipher_suite=suite
        )
    )


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS))[4:])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        match draw(st.sampled_from(["flip", "insert", "delete", "cut"])):
            case "flip":
                data[i] ^= draw(st.integers(1, 255))
            case "insert":
                data[i:i] = draw(st.binary(min_size=1, max_size=4))
            case "delete":
                del data[i : i + draw(st.integers(1, 4))]
            case "cut":
                del data[i:]
    return bytes(data)


@SETTINGS
@given(body=mutated(), msg_type=MSG_TYPES, version=VERSIONS)
def test_mutated_real_messages(body: bytes, msg_type: int, version: int | None) -> None:
    check(decode_handshake(HandshakeMessage(msg_type=msg_type, body=body), version=version))


@SETTINGS
@given(data=st.binary(max_size=8))
def test_alert_and_ccs_bodies(data: bytes) -> None:
    check(decode_alert(data))
    check(decode_change_cipher_spec(data))


@SETTINGS
@given(chunks=st.lists(st.binary(max_size=200), max_size=6), sender=st.sampled_from(list(Side)))
def test_random_streams_through_the_transcript(chunks: list[bytes], sender: Side) -> None:
    # Records and handshake framing around random bytes: what the session feeds.
    transcript = Decoder()
    for chunk in chunks:
        for view in transcript.feed(
            sender, b"\x16\x03\x03" + len(chunk).to_bytes(2, "big") + chunk
        ):
            for m in view.messages:
                check(m.decoded)


@settings(max_examples=100, deadline=None)
@given(body=mutated(), show_bytes=st.booleans())
def test_views_render_anything(body: bytes, show_bytes: bool) -> None:
    from tlsstep.render.terminal import make_console
    from tlsstep.render.wire_view import decoded_tree

    d = decode_handshake(HandshakeMessage(msg_type=1, body=body))
    make_console(file=io.StringIO(), width=100, color=False).print(
        decoded_tree(d, show_bytes=show_bytes)
    )


def test_seeds_decode_cleanly() -> None:
    # The property tests start from valid messages: make sure they are.
    for raw in SEEDS:
        assert decode_handshake(message(raw), version=0x0304).ok
