"""Name tables against OpenSSL itself, GREASE and unknown numbers."""

from __future__ import annotations

import ssl

from tests.wire import rfc8448
from tests.wire.helpers import ext, exts, u8, u16, u32, vec
from tlsstep.decode import Decoder
from tlsstep.events import Side
from tlsstep.wire.handshake import encode_handshake
from tlsstep.wire.messages import DecodedMessage
from tlsstep.wire.names import (
    CIPHER_SUITES,
    cipher_suite_by_openssl_name,
    cipher_suite_label,
    cipher_suite_name,
    extension_name,
    group_name,
    psk_mode_name,
    signature_scheme_name,
    version_label,
)
from tlsstep.wire.records import encode_record


def test_every_suite_openssl_can_offer_is_named_as_openssl_names_it() -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    offered = ctx.get_ciphers()
    assert len(offered) > 100
    for c in offered:
        value = c["id"] & 0xFFFF
        assert value in CIPHER_SUITES, c["name"]
        assert cipher_suite_by_openssl_name(c["name"]) == value
        iana, openssl = CIPHER_SUITES[value]
        assert c["name"] in (iana, openssl)


def test_labels_grease_and_unknown() -> None:
    assert cipher_suite_label(0xC02F) == (
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (ECDHE-RSA-AES128-GCM-SHA256)"
    )
    assert cipher_suite_label(0x1301) == "TLS_AES_128_GCM_SHA256"
    assert cipher_suite_name(0x0005) == "TLS_RSA_WITH_RC4_128_SHA"  # legacy, not built by 3.0
    for grease in (0x0A0A, 0x5A5A, 0xFAFA):
        assert {
            cipher_suite_name(grease),
            group_name(grease),
            extension_name(grease),
            signature_scheme_name(grease),
            version_label(grease),
        } == {"GREASE"}
    assert psk_mode_name(0x0B) == psk_mode_name(0xE4) == "GREASE"
    assert cipher_suite_name(0xABCD) == "unknown (0xabcd)"
    assert group_name(0x0A0B) == "unknown (0x0a0b)"
    assert extension_name(0xFF01) == "renegotiation_info"


def test_transcript_passes_the_negotiated_version_to_the_decoder() -> None:
    # A TLS 1.3 NewSessionTicket whose ticket_age_add happens to look like a TLS 1.2
    # ticket length: only the version the ServerHello chose tells the forms apart.
    rest = u8(0) + vec(2, b"T" * 8) + exts(ext(42, u32(1024)))
    body = u32(7200) + u16(2 + len(rest)) + u16(0) + rest
    nst = encode_record(22, 0x0303, encode_handshake(4, body))
    sniffed = Decoder()
    (view,) = sniffed.feed(Side.server, nst)
    assert view.messages[0].decoded.form == "TLS 1.2"  # no ServerHello yet: sniffed
    transcript = Decoder()
    transcript.feed(Side.server, encode_record(22, 0x0303, rfc8448.SERVER_HELLO))
    assert transcript.version == 0x0304 and transcript.cipher_suite == 0x1301
    (view,) = transcript.feed(Side.server, nst)
    decoded = view.messages[0].decoded
    assert isinstance(decoded, DecodedMessage)
    assert decoded.form == "TLS 1.3" and decoded.ok
    assert decoded.value("max_early_data_size") == 1024
