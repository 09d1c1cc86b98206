"""RFC 8448 vectors and hand-written messages for the forms the pair encrypts.

Each message is decoded whole, then as every prefix (framed, so each prefix is a
truncated message), then with trailing bytes (STYLE.md rule 6); the fields always
re-encode to the bytes decoded.
"""

from __future__ import annotations

from tests.wire import rfc8448
from tests.wire.helpers import ext, exts, handshake, message, u8, u16, u24, u32, vec
from tlsstep.wire.handshake import encode_handshake
from tlsstep.wire.messages import DecodedMessage, decode_handshake, to_json
from tlsstep.wire.reader import ProblemKind

TLS13 = 0x0304


def decoded(raw: bytes, **kw: int) -> DecodedMessage:
    d = decode_handshake(message(raw), **kw)
    assert d.problems == (), [str(p) for p in d.problems]
    assert d.encode() == raw
    return d


def names(d: DecodedMessage, field: str) -> list[str | None]:
    return [f.text for f in d.find_all(field)]


def test_transcribed_lengths_match_the_rfc() -> None:
    for name, length in rfc8448.LENGTHS.items():
        assert len(getattr(rfc8448, name)) == length, name


def test_rfc8448_client_hello() -> None:
    d = decoded(rfc8448.CLIENT_HELLO)
    assert d.name == "ClientHello"
    assert names(d, "cipher_suite") == [
        "TLS_AES_128_GCM_SHA256",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_AES_256_GCM_SHA384",
    ]
    assert [e.name for e in d.extensions] == [
        "server_name",
        "renegotiation_info",
        "supported_groups",
        "session_ticket",
        "key_share",
        "supported_versions",
        "signature_algorithms",
        "psk_key_exchange_modes",
        "record_size_limit",
    ]
    assert d.leaf("host_name").text == "server"
    assert names(d, "named_group") == [
        "x25519", "secp256r1", "secp384r1", "secp521r1",
        "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192",
    ]  # fmt: skip
    share = d.extension("key_share").find("KeyShareEntry")
    assert share.find("group").text == "x25519"
    assert share.leaf("key_exchange").value.hex().startswith("99381de560e4bd43")
    assert names(d, "version") == ["TLS 1.3"]
    assert names(d, "signature_scheme")[:3] == [
        "ecdsa_secp256r1_sha256",
        "ecdsa_secp384r1_sha384",
        "ecdsa_secp521r1_sha512",
    ]
    assert names(d, "ke_mode") == ["psk_dhe_ke"]
    assert d.value("record_size_limit") == 0x4001
    # Offsets count from the handshake header: cipher_suites' length prefix is at 39.
    suites = d.find("cipher_suites")
    assert (suites.offset, suites.length) == (39, 8)


def test_rfc8448_server_hello() -> None:
    d = decoded(rfc8448.SERVER_HELLO)
    assert d.name == "ServerHello"
    assert d.find("cipher_suite").text == "TLS_AES_128_GCM_SHA256"
    assert d.extension("supported_versions").find("selected_version").text == "TLS 1.3"
    assert d.extension("key_share").find("server_share").find("group").text == "x25519"


def test_rfc8448_encrypted_extensions() -> None:
    d = decoded(rfc8448.ENCRYPTED_EXTENSIONS)
    assert [e.name for e in d.extensions] == [
        "supported_groups",
        "record_size_limit",
        "server_name",
    ]
    assert d.extension("server_name").length == 4  # the empty acknowledgement


def test_rfc8448_certificate_is_the_tls13_form_with_version_or_sniffed() -> None:
    for kw in ({"version": TLS13}, {}):
        d = decoded(rfc8448.CERTIFICATE, **kw)
        assert d.form == "TLS 1.3"
        (entry,) = d.find_all("CertificateEntry")
        cert = entry.leaf("cert_data").value
        assert len(cert) == 0x1B0 and cert[:4] == bytes.fromhex("308201ac")
        assert entry.find("extensions").length == 2  # empty entry extensions


def test_rfc8448_certificate_verify_and_finished() -> None:
    cv = decoded(rfc8448.CERTIFICATE_VERIFY)
    assert cv.find("algorithm").text == "rsa_pss_rsae_sha256"
    assert len(cv.leaf("signature").value) == 128
    fin = decoded(rfc8448.SERVER_FINISHED)
    assert fin.value("verify_data").hex().startswith("9b9b141d906337fb")


def test_rfc8448_new_session_ticket_tls13() -> None:
    d = decoded(rfc8448.NEW_SESSION_TICKET, version=TLS13)
    assert d.form == "TLS 1.3"
    assert d.value("ticket_lifetime") == 30
    assert d.value("ticket_age_add") == 0xFAD6AAC5
    assert d.leaf("ticket_nonce").value == b"\x00\x00"
    assert len(d.leaf("ticket").value) == 0xB2
    assert d.extension("early_data").find("max_early_data_size").value == 0x400
    assert decoded(rfc8448.NEW_SESSION_TICKET).form == "TLS 1.3"  # sniffed too


def test_rfc8448_resumed_client_hello_pre_shared_key() -> None:
    d = decoded(rfc8448.RESUMED_CLIENT_HELLO)
    psk = d.extension("pre_shared_key")
    assert d.extensions[-1] is psk  # RFC 8446 §4.2.11: it must be last
    (identity,) = psk.find_all("PskIdentity")
    assert len(identity.leaf("identity").value) == 0xB2
    assert identity.find("obfuscated_ticket_age").value == 0xFAD6AACB
    (binder,) = [b for b in psk.find_all("PskBinderEntry") if b.is_leaf]
    assert binder.value.hex().startswith("3add4fb2d8fdf822")
    assert d.extension("early_data").length == 4
    assert d.extension("padding").find("padding").value == bytes(0x57)


# -- hand-written vectors for the other forms ------------------------------------

SIG_ALGS = ext(13, vec(2, u16(0x0804) + u16(0x0403)))


def test_certificate_request_tls13() -> None:
    dn = bytes.fromhex("300e310c300a06035504031303727361")  # CN=rsa
    body = vec(1, b"\x01\x02") + exts(
        SIG_ALGS,
        ext(47, vec(2, vec(2, dn))),
        ext(5, u8(1) + vec(2, b"") + vec(2, b"")),  # status_request (RFC 8446 §4.3.2 allows it)
        ext(50, vec(2, u16(0x0807))),
    )
    raw = encode_handshake(13, body)
    d = decoded(raw, version=TLS13)
    assert d.form == "TLS 1.3" and decoded(raw).form == "TLS 1.3"
    assert d.leaf("certificate_request_context").value == b"\x01\x02"
    assert [e.name for e in d.extensions] == [
        "signature_algorithms",
        "certificate_authorities",
        "status_request",
        "signature_algorithms_cert",
    ]
    assert d.leaf("DistinguishedName").value == dn
    assert d.extension("status_request").find("status_type").text == "ocsp"
    assert names(d, "signature_scheme") == [
        "rsa_pss_rsae_sha256",
        "ecdsa_secp256r1_sha256",
        "ed25519",
    ]


def test_certificate_tls13_with_entry_extensions() -> None:
    ocsp = b"\x30\x03\x0a\x01\x00"
    entry = vec(3, b"\x30\x00") + exts(ext(5, u8(1) + vec(3, ocsp)), ext(18, b"\x00\x02\xab\xcd"))
    raw = encode_handshake(11, vec(1, b"") + vec(3, entry + vec(3, b"\x30\x01") + exts()))
    d = decoded(raw, version=TLS13)
    first, second = d.find_all("CertificateEntry")
    status = first.find("status_request")
    assert status.leaf("OCSPResponse").value == ocsp
    assert first.find("signed_certificate_timestamp").find("SignedCertificateTimestampList").value
    assert second.find("extensions").length == 2


def test_key_update_end_of_early_data_and_hrr_cookie() -> None:
    ku = decoded(encode_handshake(24, u8(1)))
    assert ku.find("request_update").text == "update_requested"
    eoed = decoded(encode_handshake(5, b""))
    assert eoed.name == "EndOfEarlyData" and [f.name for f in eoed.fields] == ["msg_type", "length"]
    from tlsstep.wire.enums import HELLO_RETRY_REQUEST_RANDOM

    hrr_body = (
        u16(0x0303)
        + HELLO_RETRY_REQUEST_RANDOM
        + vec(1, b"")
        + u16(0x1301)
        + u8(0)
        + exts(ext(43, u16(0x0304)), ext(51, u16(23)), ext(44, vec(2, b"cookie!")))
    )
    hrr = decoded(encode_handshake(2, hrr_body))
    assert hrr.name == "HelloRetryRequest"
    assert hrr.extension("key_share").find("selected_group").text == "secp256r1"
    assert hrr.extension("cookie").leaf("cookie").value == b"cookie!"


def test_server_hello_selected_psk_and_encrypted_extensions_alpn() -> None:
    sh_body = u16(0x0303) + bytes(32) + vec(1, b"") + u16(0x1302) + u8(0) + exts(ext(41, u16(0)))
    sh = decoded(encode_handshake(2, sh_body))
    assert sh.extension("pre_shared_key").find("selected_identity").value == 0
    ee = decoded(
        encode_handshake(8, exts(ext(16, vec(2, vec(1, b"h2"))), ext(42, b""), ext(0, b"")))
    )
    assert ee.leaf("protocol_name").text == "h2"
    assert [e.name for e in ee.extensions] == [
        "application_layer_protocol_negotiation",
        "early_data",
        "server_name",
    ]


def test_grease_unknown_and_compress_certificate() -> None:
    body = (
        u16(0x0303)
        + bytes(32)
        + vec(1, b"")
        + vec(2, u16(0x3A3A) + u16(0x1301) + u16(0x1337))
        + vec(1, b"\x00")
        + exts(
            ext(0x2A2A, b""),
            ext(10, vec(2, u16(0xCACA) + u16(29) + u16(0x4242))),
            ext(27, vec(1, u16(2))),
            ext(45, vec(1, b"\x01\x2a")),
            ext(0x1234, b"\xde\xad"),
        )
    )
    d = decoded(encode_handshake(1, body))
    assert names(d, "cipher_suite") == ["GREASE", "TLS_AES_128_GCM_SHA256", "unknown (0x1337)"]
    assert [e.name for e in d.extensions] == [
        "GREASE",
        "supported_groups",
        "compress_certificate",
        "psk_key_exchange_modes",
        "unknown (0x1234)",
    ]
    assert names(d, "named_group") == ["GREASE", "x25519", "unknown (0x4242)"]
    assert names(d, "algorithm") == ["brotli"]
    assert names(d, "ke_mode") == ["psk_dhe_ke", "GREASE"]
    unknown = d.extension("unknown (0x1234)")
    assert unknown.find("extension_type").value == 0x1234
    assert unknown.find("extension_data").value == b"\xde\xad"


def test_tls12_forms_without_a_pair() -> None:
    # DHE ServerKeyExchange (RFC 5246 §7.4.3) picked by the suite, RSA ClientKeyExchange.
    ske = (
        vec(2, b"\xff" * 8) + vec(2, b"\x02") + vec(2, b"\x11" * 8) + u16(0x0401) + vec(2, b"s" * 4)
    )
    d = decoded(encode_handshake(12, ske), cipher_suite=0x009E)
    assert d.form == "DHE"
    assert d.leaf("dh_g").value == b"\x02"
    assert d.find("algorithm").text == "rsa_pkcs1_sha256"
    assert decoded(encode_handshake(12, ske)).form == "DHE"  # sniffed
    cke = decoded(encode_handshake(16, vec(2, b"e" * 256)), cipher_suite=0x009C)
    assert cke.form == "RSA" and cke.find("encrypted_pre_master_secret") is not None
    status = decoded(encode_handshake(22, u8(1) + vec(3, b"\x30\x00")))
    assert status.find("status_type").text == "ocsp"
    nst = decoded(encode_handshake(4, u32(7200) + vec(2, b"T" * 10)))
    assert nst.form == "TLS 1.2" and nst.value("ticket_lifetime_hint") == 7200


def test_malformed_messages_keep_what_decoded() -> None:
    # A ClientHello whose extensions block claims more than there is.
    body = u16(0x0303) + bytes(32) + vec(1, b"") + vec(2, u16(0x1301)) + vec(1, b"\x00") + u16(50)
    d = decode_handshake(handshake(1, body + ext(0, b"")))
    (p,) = d.problems
    assert p.kind is ProblemKind.truncated and p.offset == 4 + len(body)
    assert names(d, "cipher_suite") == ["TLS_AES_128_GCM_SHA256"]
    assert d.encode() == d.raw
    assert to_json(d)["problems"][0]["message"] == str(p)
    # Non-zero padding and a bad ChangeCipherSpec are "invalid", and decoding goes on.
    pad = decode_handshake(handshake(8, exts(ext(21, b"\x00\x01"), ext(28, u16(16385)))))
    assert [p.kind for p in pad.problems] == [ProblemKind.invalid]
    assert pad.value("record_size_limit") == 16385


def test_every_prefix_and_trailing_bytes() -> None:
    for raw in (rfc8448.CLIENT_HELLO, rfc8448.CERTIFICATE, rfc8448.NEW_SESSION_TICKET):
        whole = decode_handshake(message(raw), version=TLS13)
        for n in range(4, len(raw), 7):
            # Re-frame the prefix so the header length is consistent; the body is short.
            cut = decode_handshake(handshake(raw[0], raw[4:n]), version=TLS13)
            assert cut.problems, n
            assert cut.encode() == cut.raw
        longer = decode_handshake(handshake(raw[0], raw[4:] + b"\x00\x00"), version=TLS13)
        assert longer.problems[-1].kind is ProblemKind.trailing
        assert longer.fields[2:-1] != () and whole.ok


def test_to_json_is_plain_data() -> None:
    import json

    d = decoded(rfc8448.SERVER_HELLO)
    doc = to_json(d)
    assert json.loads(json.dumps(doc)) == doc
    assert doc["name"] == "ServerHello" and doc["problems"] == []
    suite = next(f for f in doc["fields"] if f["name"] == "cipher_suite")
    assert suite == {
        "name": "cipher_suite",
        "offset": 39,
        "length": 2,
        "value": 0x1301,
        "text": "TLS_AES_128_GCM_SHA256",
    }
    random = next(f for f in doc["fields"] if f["name"] == "random")
    assert random["hex"].startswith("a6af06a4")


def test_alert_and_change_cipher_spec_bodies() -> None:
    from tlsstep.wire.messages import decode_alert, decode_change_cipher_spec

    a = decode_alert(b"\x02\x28")
    assert (a.find("level").text, a.find("description").text) == ("fatal", "handshake_failure")
    assert decode_alert(b"\x02\xee").find("description").text == "unknown (0xee)"
    assert decode_alert(b"\x02").problems[0].kind is ProblemKind.truncated
    assert decode_change_cipher_spec(b"\x01").ok
    assert decode_change_cipher_spec(b"\x02").problems[0].kind is ProblemKind.invalid
    assert u24(1) == b"\x00\x00\x01"
