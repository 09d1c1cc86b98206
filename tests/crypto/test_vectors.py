"""Known answers: RFC 8448 §3 (simple 1-RTT handshake) and the TLS 1.2 PRF.

RFC 8448 values are copied from the RFC's trace; the PRF SHA-256 vector is the
one circulated on the TLS working group list, and the SHA-384 PRF is checked
against the openssl CLI's TLS1-PRF (an independent implementation).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes

from tlsstep.crypto.finished import transcript_hash, verify_data_13
from tlsstep.crypto.records import Tls13Opener
from tlsstep.crypto.schedule import (
    derive_secret,
    finished_key,
    hkdf_extract,
    next_traffic_secret,
    prf,
    traffic_keys,
)
from tlsstep.crypto.suites import SUITES, suite
from tlsstep.wire.records import RecordSplitter

H = bytes.fromhex
AES128 = SUITES[0x1301]
SHA256 = "sha256"  # hashlib's name, as suites give it

# RFC 8448 §3
SHARED_SECRET = H("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d")
HELLO_HASH = H("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8")  # CH..SH
FINISHED_HASH = H(
    "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13"
)  # ..server Fin
EARLY_SECRET = H("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a")
HANDSHAKE_SECRET = H("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac")
MASTER_SECRET = H("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919")
C_HS = H("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
S_HS = H("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
C_AP = H("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5")
S_AP = H("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643")
CLIENT_FINISHED = H("14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61")
CLIENT_FINISHED_RECORD = H(
    "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46"
    "deb384bd1caeacab6867d726c40546"
)
CLIENT_APP_RECORD = H(
    "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20"
    "441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4"
)


def test_rfc8448_key_schedule() -> None:
    empty = transcript_hash(SHA256, [])
    early = hkdf_extract(SHA256, b"", bytes(32))
    assert early == EARLY_SECRET
    handshake = hkdf_extract(SHA256, derive_secret(SHA256, early, b"derived", empty), SHARED_SECRET)
    assert handshake == HANDSHAKE_SECRET
    assert derive_secret(SHA256, handshake, b"c hs traffic", HELLO_HASH) == C_HS
    assert derive_secret(SHA256, handshake, b"s hs traffic", HELLO_HASH) == S_HS
    master = hkdf_extract(SHA256, derive_secret(SHA256, handshake, b"derived", empty), bytes(32))
    assert master == MASTER_SECRET
    assert derive_secret(SHA256, master, b"c ap traffic", FINISHED_HASH) == C_AP
    assert derive_secret(SHA256, master, b"s ap traffic", FINISHED_HASH) == S_AP


@pytest.mark.parametrize(
    ("secret", "key", "iv"),
    [
        (S_HS, "3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30"),
        (C_HS, "dbfaa693d1762c5b666af5d950258d01", "5bd3c71b836e0b76bb73265f"),
        (S_AP, "9f02283b6c9c07efc26bb9f2ac92e356", "cf782b88dd83549aadf1e984"),
        (C_AP, "17422dda596ed5d9acd890e3c63f5051", "5b78923dee08579033e523d9"),
    ],
)
def test_rfc8448_traffic_keys(secret: bytes, key: str, iv: str) -> None:
    keys = traffic_keys(AES128, secret)
    assert (keys.key.hex(), keys.iv.hex()) == (key, iv)


def test_rfc8448_finished() -> None:
    assert finished_key(AES128, S_HS) == H(
        "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8"
    )
    assert verify_data_13(AES128, C_HS, FINISHED_HASH) == CLIENT_FINISHED[4:]


def test_rfc8448_records_open() -> None:
    (finished,) = RecordSplitter().feed(CLIENT_FINISHED_RECORD)
    opened = Tls13Opener(AES128, traffic_keys(AES128, C_HS)).open(finished, 0)
    assert (opened.ok, opened.content_type, opened.plaintext) == (True, 22, CLIENT_FINISHED)
    (data,) = RecordSplitter().feed(CLIENT_APP_RECORD)
    opener = Tls13Opener(AES128, traffic_keys(AES128, C_AP))
    opened = opener.open(data, 0)
    assert (opened.content_type, opened.plaintext) == (23, bytes(range(50)))
    # the wrong sequence number gives a different nonce: the tag fails, as a value
    wrong = opener.open(data, 1)
    assert not wrong.ok and wrong.reason and "bad_record_mac" in wrong.reason


def test_key_update_is_expand_label_traffic_upd() -> None:
    # RFC 8446 §7.2: application_traffic_secret_N+1 =
    #   HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)
    from tlsstep.crypto.schedule import hkdf_expand_label

    nxt = next_traffic_secret(AES128, C_AP)
    assert nxt == hkdf_expand_label(SHA256, C_AP, b"traffic upd", b"", 32)
    assert nxt != C_AP and len(nxt) == 32


PRF_SECRET = H("9bbe436ba940f017b17652849a71db35")
PRF_SEED = H("a0ba9f936cda311827a6f796ffd5198c")


def test_prf_sha256_vector() -> None:
    assert prf(SHA256, PRF_SECRET, b"test label", PRF_SEED, 100) == H(
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b"
        "4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee"
        "42c5a72e5a5110fff70187347b66"
    )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
@pytest.mark.parametrize(("algorithm", "digest"), [("sha256", "SHA256"), ("sha384", "SHA384")])
def test_prf_matches_openssl_cli(algorithm: str, digest: str) -> None:
    seed = b"key expansion" + PRF_SEED
    out = subprocess.run(
        [
            "openssl", "kdf", "-keylen", "104", "-kdfopt", f"digest:{digest}",
            "-kdfopt", f"hexsecret:{PRF_SECRET.hex()}", "-kdfopt", f"hexseed:{seed.hex()}",
            "TLS1-PRF",
        ],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    expected = H(out.stdout.strip().replace(":", ""))
    assert prf(algorithm, PRF_SECRET, b"key expansion", PRF_SEED, 104) == expected


def test_suite_parameters() -> None:
    ccm8 = suite(0x1305)
    assert ccm8 is not None and (ccm8.tag_length, ccm8.iv_length, ccm8.key_length) == (8, 12, 16)
    gcm256 = SUITES[0x1302]
    assert (gcm256.key_length, gcm256.hash, gcm256.tls13) == (32, "SHA384", True)
    chacha12 = SUITES[0xCCA9]
    assert (chacha12.key_length, chacha12.iv_length, chacha12.explicit_nonce_length) == (32, 12, 0)
    gcm12 = SUITES[0xC02C]
    assert (gcm12.iv_length, gcm12.explicit_nonce_length, gcm12.hash) == (4, 8, "SHA384")
    cbc = SUITES[0xC024]
    assert (cbc.mac, cbc.mac_length, cbc.key_length, cbc.hash, cbc.aead) == (
        "SHA384", 48, 32, "SHA384", False,
    )  # fmt: skip
    sha1 = SUITES[0xC009]
    assert (sha1.mac, sha1.mac_length, sha1.hash) == ("SHA", 20, "SHA256")  # PRF stays SHA-256
    ccm8_12 = SUITES[0xC0AE]
    assert (ccm8_12.tag_length, ccm8_12.iv_length) == (8, 4)
    for code in (0x0005, 0x000A, 0x0041, 0x003B, 0x00FF):  # RC4, 3DES, CAMELLIA, NULL, SCSV
        assert suite(code) is None  # shown as encrypted with a reason, not an error
    psk = SUITES[0x00AF]  # TLS_PSK_WITH_AES_256_CBC_SHA384: the key exchange does not matter
    assert (psk.mac, psk.key_length, psk.hash) == ("SHA384", 32, "SHA384")


# HKDF is written on the standard library's HMAC (tlsstep/crypto/schedule.py): the same
# bytes as the cryptography package's HKDF, on the RFC 8448 §3 schedule and on odd inputs.
CRYPTOGRAPHY_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha1": hashes.SHA1}


def _their_expand(algorithm: str, prk: bytes, info: bytes, length: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

    return HKDFExpand(CRYPTOGRAPHY_HASHES[algorithm](), length, info).derive(prk)


def _their_extract(algorithm: str, salt: bytes, ikm: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    digest = CRYPTOGRAPHY_HASHES[algorithm]()
    return HKDF.extract(digest, salt or bytes(digest.digest_size), ikm)


def test_hkdf_equals_cryptographys_on_rfc8448() -> None:
    from tlsstep.crypto.schedule import hkdf_expand, hkdf_label

    empty = transcript_hash(SHA256, [])
    early = _their_extract(SHA256, b"", bytes(32))
    assert hkdf_extract(SHA256, b"", bytes(32)) == early
    derived = derive_secret(SHA256, early, b"derived", empty)
    label = hkdf_label(b"derived", empty, 32)
    assert derived == _their_expand(SHA256, early, label, 32)
    handshake = _their_extract(SHA256, derived, SHARED_SECRET)
    assert hkdf_extract(SHA256, derived, SHARED_SECRET) == handshake
    for secret, name in ((C_HS, b"c hs traffic"), (S_HS, b"s hs traffic")):
        info = hkdf_label(name, HELLO_HASH, 32)
        assert hkdf_expand(SHA256, handshake, info, 32) == _their_expand(
            SHA256, handshake, info, 32
        )
        assert hkdf_expand(SHA256, handshake, info, 32) == secret
    for secret in (C_HS, S_HS, C_AP, S_AP):
        for name, length in ((b"key", 16), (b"iv", 12), (b"finished", 32)):
            info = hkdf_label(name, b"", length)
            assert hkdf_expand(SHA256, secret, info, length) == _their_expand(
                SHA256, secret, info, length
            )


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha1"])
@pytest.mark.parametrize("length", [0, 1, 31, 32, 33, 48, 100, 255 * 20])
def test_hkdf_equals_cryptographys_on_odd_inputs(algorithm: str, length: int) -> None:
    from tlsstep.crypto.schedule import hkdf_expand

    for prk, info in ((b"", b""), (b"k", bytes(300)), (bytes(range(200)), b"tls13 x")):
        if length == 0:  # cryptography refuses an empty output; RFC 5869 allows it
            assert hkdf_expand(algorithm, prk, info, 0) == b""
            continue
        assert hkdf_expand(algorithm, prk, info, length) == _their_expand(
            algorithm, prk, info, length
        )
        assert hkdf_extract(algorithm, info, prk) == _their_extract(algorithm, info, prk)
    with pytest.raises(ValueError, match="255 blocks"):
        hkdf_expand(
            algorithm, b"k", b"", 255 * {"sha1": 20, "sha256": 32, "sha384": 48}[algorithm] + 1
        )
