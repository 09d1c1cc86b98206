"""The unprotector on hand-built flows: what a real pair cannot be made to send.

Python cannot send a KeyUpdate, bad CBC padding or early data, so these records
are sealed here with ``cryptography`` directly (independent of the openers) and
fed through a Decoder, as capture import would.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from tlsstep.crypto.finished import message_hash, transcript_hash, verify_data_13
from tlsstep.crypto.keylog import KeyLog
from tlsstep.crypto.records import Tls12CbcOpener, opener
from tlsstep.crypto.schedule import TrafficKeys, next_traffic_secret, traffic_keys
from tlsstep.crypto.suites import SUITES
from tlsstep.crypto.unprotector import ConnectionUnprotector
from tlsstep.decode import Decoder
from tlsstep.events import Side
from tlsstep.wire.enums import HELLO_RETRY_REQUEST_RANDOM
from tlsstep.wire.handshake import encode_handshake
from tlsstep.wire.records import RecordSplitter, encode_record

AES128 = SUITES[0x1301]
CR = bytes(range(32))
SR = bytes(range(32, 64))
SECRETS = {name: bytes([i]) * 32 for i, name in enumerate(("c_hs", "s_hs", "c_ap", "s_ap"), 1)}
KEYLOG = (
    f"CLIENT_HANDSHAKE_TRAFFIC_SECRET {CR.hex()} {SECRETS['c_hs'].hex()}\n"
    f"SERVER_HANDSHAKE_TRAFFIC_SECRET {CR.hex()} {SECRETS['s_hs'].hex()}\n"
    f"CLIENT_TRAFFIC_SECRET_0 {CR.hex()} {SECRETS['c_ap'].hex()}\n"
    f"SERVER_TRAFFIC_SECRET_0 {CR.hex()} {SECRETS['s_ap'].hex()}\n"
)


def client_hello(random: bytes = CR) -> bytes:
    return encode_handshake(1, b"\x03\x03" + random + b"\x00\x00\x02\x13\x01\x01\x00\x00\x00")


def server_hello(random: bytes = SR, version: int = 0x0304, extensions: bytes = b"") -> bytes:
    if version == 0x0304:
        extensions += b"\x00\x2b\x00\x02\x03\x04"  # supported_versions
    suite = b"\x13\x01" if version == 0x0304 else b"\xc0\x13"
    body = b"\x03\x03" + random + b"\x00" + suite + b"\x00"
    return encode_handshake(2, body + len(extensions).to_bytes(2, "big") + extensions)


def seal13(secret: bytes, seq: int, inner_type: int, content: bytes, pad: int = 0) -> bytes:
    keys = traffic_keys(AES128, secret)
    inner = content + bytes([inner_type]) + bytes(pad)
    header = b"\x17\x03\x03" + (len(inner) + 16).to_bytes(2, "big")
    nonce = (int.from_bytes(keys.iv, "big") ^ seq).to_bytes(12, "big")
    return header + AESGCM(keys.key).encrypt(nonce, inner, header)


def handshake13(transcript: Decoder) -> None:
    transcript.feed(Side.client, encode_record(22, 0x0301, client_hello()))
    transcript.feed(Side.server, encode_record(22, 0x0303, server_hello()))
    # Finished messages with made-up verify_data: decrypted, and shown as not verified.
    finished = [
        *transcript.feed(
            Side.server, seal13(SECRETS["s_hs"], 0, 22, encode_handshake(20, bytes(32)))
        ),
        *transcript.feed(
            Side.client, seal13(SECRETS["c_hs"], 0, 22, encode_handshake(20, bytes(32)))
        ),
    ]
    assert [m.verified for v in finished for m in v.messages] == [False, False]


def test_key_update_moves_to_the_next_generation() -> None:
    transcript = Decoder(ConnectionUnprotector(KeyLog.from_text(KEYLOG)))
    handshake13(transcript)
    s_ap1 = next_traffic_secret(AES128, SECRETS["s_ap"])
    s_ap2 = next_traffic_secret(AES128, s_ap1)
    views = transcript.feed(
        Side.server,
        seal13(SECRETS["s_ap"], 0, 23, b"gen 0")
        + seal13(SECRETS["s_ap"], 1, 22, encode_handshake(24, b"\x00"), pad=7)  # KeyUpdate
        + seal13(s_ap1, 0, 23, b"gen 1")
        + seal13(s_ap1, 1, 22, encode_handshake(24, b"\x01"))
        + seal13(s_ap2, 0, 23, b"gen 2", pad=100),
    )
    assert [(v.epoch, v.plaintext) for v in views if v.application_data] == [
        ("application", b"gen 0"),
        ("application 1", b"gen 1"),
        ("application 2", b"gen 2"),
    ]
    assert [m.name for v in views for m in v.messages] == ["KeyUpdate", "KeyUpdate"]
    # the client's direction did not move
    (client,) = transcript.feed(Side.client, seal13(SECRETS["c_ap"], 0, 23, b"still 0"))
    assert (client.epoch, client.plaintext) == ("application", b"still 0")


def test_all_zero_plaintext_has_no_content_type() -> None:
    transcript = Decoder(ConnectionUnprotector(KeyLog.from_text(KEYLOG)))
    transcript.feed(Side.client, encode_record(22, 0x0301, client_hello()))
    transcript.feed(Side.server, encode_record(22, 0x0303, server_hello()))
    keys = traffic_keys(AES128, SECRETS["s_hs"])
    header = b"\x17\x03\x03\x00\x14"
    record = header + AESGCM(keys.key).encrypt(keys.iv, bytes(4), header)
    (view,) = transcript.feed(Side.server, record)
    assert view.plaintext is None and view.note and "all zero padding" in view.note


def test_early_data_and_old_versions_give_reasons() -> None:
    transcript = Decoder(ConnectionUnprotector(KeyLog.from_text(KEYLOG)))
    transcript.feed(Side.client, encode_record(22, 0x0301, client_hello()))
    (early,) = transcript.feed(Side.client, encode_record(23, 0x0303, bytes(40)))
    assert early.note and "0-RTT" in early.note

    tls10 = ConnectionUnprotector(KeyLog.from_text(f"CLIENT_RANDOM {CR.hex()} {'00' * 48}\n"))
    transcript = Decoder(tls10)
    transcript.feed(Side.client, encode_record(22, 0x0301, client_hello()))
    hello = bytearray(server_hello(version=0x0301))
    hello[4:6] = b"\x03\x01"  # legacy_version: TLS 1.0
    transcript.feed(Side.server, encode_record(22, 0x0301, bytes(hello)))
    transcript.feed(Side.server, encode_record(20, 0x0301, b"\x01"))
    (record,) = transcript.feed(Side.server, encode_record(22, 0x0301, bytes(48)))
    assert record.note and "TLS 1.0/1.1" in record.note


def test_server_hello_facts_come_from_the_decoder() -> None:
    from tlsstep.wire.handshake import HandshakeMessage
    from tlsstep.wire.hello import server_hello_facts
    from tlsstep.wire.messages import decode_handshake

    def facts(body: bytes) -> object:
        return server_hello_facts(decode_handshake(HandshakeMessage(msg_type=2, body=body)))

    etm = b"\x00\x16\x00\x00"
    fields = facts(server_hello(version=0x0303, extensions=etm)[4:])
    assert fields is not None
    assert (fields.random, fields.cipher_suite, fields.version, fields.encrypt_then_mac) == (  # type: ignore[attr-defined]
        SR, 0xC013, 0x0303, True,
    )  # fmt: skip
    assert facts(b"\x03\x03") is None


def test_hello_retry_transcript_uses_message_hash() -> None:
    # RFC 8446 §4.4.1: Transcript-Hash(ClientHello1, HelloRetryRequest, ...) =
    #   Hash(message_hash || 00 00 Hash.length || Hash(ClientHello1) || HelloRetryRequest || ...)
    sha = "sha256"
    ch1 = client_hello()
    hrr = server_hello(random=HELLO_RETRY_REQUEST_RANDOM)
    ch2 = client_hello()
    h = hashes.Hash(hashes.SHA256())  # cryptography's hash: an independent computation
    h.update(b"\xfe\x00\x00\x20" + transcript_hash(sha, [ch1]))
    h.update(hrr + ch2)
    assert transcript_hash(sha, [ch1, hrr, ch2]) == h.finalize()
    assert message_hash(sha, ch1)[:4] == b"\xfe\x00\x00\x20"
    # without HRR nothing is replaced
    assert transcript_hash(sha, [ch1, server_hello()]) != transcript_hash(
        sha, [message_hash(sha, ch1), server_hello()]
    )
    assert len(verify_data_13(AES128, bytes(32), bytes(32))) == 32


def cbc_record(
    keys: TrafficKeys, seq: int, content: bytes, *, pad_byte: int | None = None
) -> bytes:
    mac = hmac.HMAC(keys.mac_key, hashes.SHA1())
    mac.update(seq.to_bytes(8, "big") + b"\x17\x03\x03" + len(content).to_bytes(2, "big") + content)
    body = content + mac.finalize()
    pad = 15 - len(body) % 16
    body += bytes([pad if pad_byte is None else pad_byte]) * pad + bytes([pad])
    iv = bytes(16)
    enc = Cipher(algorithms.AES(keys.key), modes.CBC(iv)).encryptor()
    fragment = iv + enc.update(body) + enc.finalize()
    return encode_record(23, 0x0303, fragment)


def test_cbc_mac_then_encrypt_failures_are_values() -> None:
    suite = SUITES[0xC013]  # TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
    keys = TrafficKeys(key=bytes(16), iv=b"", mac_key=bytes(range(20)))
    opener = Tls12CbcOpener(suite, keys, encrypt_then_mac=False)

    def open_(raw: bytes, seq: int = 3) -> tuple[bool, bytes | None, str | None]:
        (record,) = RecordSplitter().feed(raw)
        opened = opener.open(record, seq)
        return opened.ok, opened.plaintext, opened.reason

    good = cbc_record(keys, 3, b"twelve bytes")
    assert open_(good) == (True, b"twelve bytes", None)
    assert open_(good, seq=4)[2] == "bad_record_mac: the HMAC over the plaintext does not match"
    bad_pad = cbc_record(keys, 3, b"twelve bytes", pad_byte=0xAA)
    assert open_(bad_pad)[2] == "bad_record_mac: CBC padding is malformed"
    short = encode_record(23, 0x0303, good[5:-1])
    assert open_(short)[2] == "record of 63 bytes is not an IV plus whole blocks"


@settings(max_examples=60, deadline=None)
@given(
    code=st.sampled_from(sorted(SUITES)),
    etm=st.booleans(),
    content_type=st.sampled_from([21, 22, 23]),
    fragment=st.binary(max_size=120),
)
def test_any_bytes_give_a_value_never_an_exception(
    code: int, etm: bool, content_type: int, fragment: bytes
) -> None:
    suite = SUITES[code]
    keys = TrafficKeys(
        key=bytes(suite.key_length), iv=bytes(suite.iv_length), mac_key=bytes(suite.mac_length)
    )
    (record,) = RecordSplitter().feed(encode_record(content_type, 0x0303, fragment))
    opened = opener(suite, keys, encrypt_then_mac=etm).open(record, 7)
    assert not opened.ok and opened.reason


def test_a_protected_record_before_any_hello_is_searched_only_mid_connection() -> None:
    # A live run (or a capture with its SYN) holds the connection's start: a record
    # marked application_data before any hello (a tampered ClientHello) has no keys,
    # whatever the key log holds. Only a capture without the start searches the key
    # log for a TLS 1.3 secret that opens it (issue 18), and finds it here.
    record = seal13(SECRETS["c_ap"], 0, 23, b"data")
    (live,) = Decoder(ConnectionUnprotector(KeyLog.from_text(KEYLOG))).feed(Side.client, record)
    assert live.plaintext is None
    assert live.note == "encrypted: no keys: no hello came before it on this connection"
    midstream = Decoder(ConnectionUnprotector(KeyLog.from_text(KEYLOG)), midstream=True)
    (found,) = midstream.feed(Side.client, record)
    assert (found.epoch, found.plaintext) == ("application", b"data")


def test_fields_are_decoded_when_asked_for_as_they_would_have_been() -> None:
    from tlsstep.wire.hello import client_hello_facts, client_hello_random

    transcript = Decoder(ConnectionUnprotector(KeyLog.from_text(KEYLOG)))
    (hello,) = transcript.feed(Side.client, encode_record(22, 0x0301, client_hello()))
    (view,) = hello.messages
    assert view._decoded is None  # the unprotector took the random without decoding
    assert client_hello_random(view.message) == CR
    decoded = view.decoded
    assert decoded is not None and view.decoded is decoded  # decoded once
    assert client_hello_facts(decoded).random == CR
    # A message decoded late uses the version and suite known when it arrived.
    transcript.feed(Side.server, encode_record(22, 0x0303, server_hello()))
    (finished,) = transcript.feed(
        Side.server, seal13(SECRETS["s_hs"], 0, 22, encode_handshake(20, bytes(32)))
    )
    assert finished.messages[0].decode_as == (0x0304, 0x1301)
