"""Key derivation: TLS 1.3 HKDF-Expand-Label (RFC 8446 §7) and the TLS 1.2 PRF (RFC 5246 §5).

HMAC is the standard library's (OpenSSL's, in C: ``hmac.digest``); HKDF (RFC 5869) is
two lines on it, compared with the ``cryptography`` package's HKDF on the RFC 8448
vectors (tests/crypto/test_vectors.py), whose import cost every run of ``tlsstep
connect`` 4 M instructions. Only the label encoding, the PRF composition and the key
block layout are written here.
The key log gives traffic secrets (1.3) and the master secret (1.2), so the
earlier stages of the schedule (ECDHE, extended_master_secret of RFC 7627) never
need to be recomputed to decrypt.
"""

from __future__ import annotations

import hmac

from tlsstep.crypto.suites import DIGEST_SIZES, CipherSuite
from tlsstep.frozen import frozen


def hkdf_label(label: bytes, context: bytes, length: int) -> bytes:
    """The HkdfLabel struct (RFC 8446 §7.1): length, "tls13 " + label, context."""
    full = b"tls13 " + label
    return length.to_bytes(2, "big") + bytes([len(full)]) + full + bytes([len(context)]) + context


def hkdf_expand(algorithm: str, prk: bytes, info: bytes, length: int) -> bytes:
    """HKDF-Expand(PRK, info, L), RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i).

    Raises:
        ValueError: ``length`` is more than 255 blocks of the hash.
    """
    if length > 255 * DIGEST_SIZES[algorithm]:
        raise ValueError(f"HKDF-Expand: {length} bytes is more than 255 blocks of {algorithm}")
    out = b""
    block = b""
    counter = 1
    while len(out) < length:
        block = hmac.digest(prk, block + info + bytes([counter]), algorithm)
        out += block
        counter += 1
    return out[:length]


def hkdf_expand_label(
    algorithm: str, secret: bytes, label: bytes, context: bytes, length: int
) -> bytes:
    """HKDF-Expand-Label(Secret, Label, Context, Length), RFC 8446 §7.1."""
    return hkdf_expand(algorithm, secret, hkdf_label(label, context, length), length)


def hkdf_extract(algorithm: str, salt: bytes, ikm: bytes) -> bytes:
    """HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM), RFC 5869 §2.2 (the full schedule
    in tests)."""
    return hmac.digest(salt or bytes(DIGEST_SIZES[algorithm]), ikm, algorithm)


def derive_secret(algorithm: str, secret: bytes, label: bytes, transcript_hash: bytes) -> bytes:
    """Derive-Secret(Secret, Label, Messages), RFC 8446 §7.1, given Transcript-Hash(Messages)."""
    return hkdf_expand_label(algorithm, secret, label, transcript_hash, DIGEST_SIZES[algorithm])


@frozen
class TrafficKeys:
    """One direction's record protection keys (RFC 8446 §7.3, RFC 5246 §6.3)."""

    key: bytes
    iv: bytes
    mac_key: bytes = b""  # TLS 1.2 CBC only


def traffic_keys(suite: CipherSuite, secret: bytes) -> TrafficKeys:
    """write_key and write_iv from a TLS 1.3 traffic secret, RFC 8446 §7.3."""
    h = suite.hash_algorithm()
    return TrafficKeys(
        key=hkdf_expand_label(h, secret, b"key", b"", suite.key_length),
        iv=hkdf_expand_label(h, secret, b"iv", b"", suite.iv_length),
    )


def next_traffic_secret(suite: CipherSuite, secret: bytes) -> bytes:
    """application_traffic_secret_N+1 after a KeyUpdate, RFC 8446 §7.2."""
    h = suite.hash_algorithm()
    return hkdf_expand_label(h, secret, b"traffic upd", b"", DIGEST_SIZES[h])


def finished_key(suite: CipherSuite, base_key: bytes) -> bytes:
    """finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length), RFC 8446 §4.4.4."""
    h = suite.hash_algorithm()
    return hkdf_expand_label(h, base_key, b"finished", b"", DIGEST_SIZES[h])


def prf(algorithm: str, secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """PRF(secret, label, seed) = P_<hash>(secret, label + seed), RFC 5246 §5."""
    seed = label + seed
    out = bytearray()
    a = seed  # A(0)
    while len(out) < length:
        a = hmac.digest(secret, a, algorithm)  # A(i) = HMAC_hash(secret, A(i-1))
        out += hmac.digest(secret, a + seed, algorithm)
    return bytes(out[:length])


@frozen
class KeyBlock:
    """The TLS 1.2 key block split into its six parts, RFC 5246 §6.3."""

    client: TrafficKeys
    server: TrafficKeys


def key_block(
    suite: CipherSuite, master_secret: bytes, client_random: bytes, server_random: bytes
) -> KeyBlock:
    """key_block = PRF(master_secret, "key expansion", server_random + client_random).

    Layout, RFC 5246 §6.3: client MAC key, server MAC key, client key, server key,
    client IV, server IV (the IVs are the fixed/implicit part: RFC 5288 §3, RFC 7905 §2).
    """
    m, k, i = suite.mac_length, suite.key_length, suite.iv_length
    block = prf(
        suite.hash_algorithm(),
        master_secret,
        b"key expansion",
        server_random + client_random,
        2 * (m + k + i),
    )
    parts = []
    pos = 0
    for size in (m, m, k, k, i, i):
        parts.append(block[pos : pos + size])
        pos += size
    return KeyBlock(
        client=TrafficKeys(mac_key=parts[0], key=parts[2], iv=parts[4]),
        server=TrafficKeys(mac_key=parts[1], key=parts[3], iv=parts[5]),
    )
