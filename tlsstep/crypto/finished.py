"""Transcript hashes and the verify_data each side's Finished must carry.

TLS 1.3 (RFC 8446 §4.4.4): HMAC(finished_key, Transcript-Hash(messages before this
Finished)), finished_key from the sender's handshake traffic secret (or, for
post-handshake authentication, the client's current application traffic secret).
After a HelloRetryRequest the first ClientHello is replaced in the transcript by
a synthetic message_hash message (RFC 8446 §4.4.1).

TLS 1.2 (RFC 5246 §7.4.9): PRF(master_secret, "client finished"/"server finished",
Hash(handshake_messages))[0..11].
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Final

from tlsstep.crypto.schedule import finished_key, prf
from tlsstep.crypto.suites import CipherSuite
from tlsstep.frozen import frozen
from tlsstep.wire.enums import HELLO_RETRY_REQUEST_RANDOM, HandshakeType

TLS12_VERIFY_DATA_LENGTH: Final = 12  # RFC 5246 §7.4.9


@frozen
class FinishedCheck:
    """One Finished recomputed: the inputs and both verify_data values, for views.

    TLS 1.3: ``finished_key`` = HKDF-Expand-Label(secret, "finished"), expected =
    HMAC(finished_key, transcript_hash). TLS 1.2: ``secret`` is the master secret,
    ``finished_key`` is None and expected = PRF(secret, label, transcript_hash)[:12].
    """

    sender: str
    secret_label: str
    secret: bytes
    finished_key: bytes | None
    transcript_hash: bytes
    messages: int  # how many handshake messages the transcript hash covers
    expected: bytes
    received: bytes
    match: bool


def hash_messages(algorithm: str, messages: Sequence[bytes]) -> bytes:
    h = hashlib.new(algorithm)
    for raw in messages:
        h.update(raw)
    return h.digest()


def is_hello_retry_request(raw: bytes) -> bool:
    # Full message bytes: 4-byte header, legacy_version (2), then the random.
    return (
        raw[:1] == bytes([HandshakeType.server_hello]) and raw[6:38] == HELLO_RETRY_REQUEST_RANDOM
    )


def message_hash(algorithm: str, client_hello1: bytes) -> bytes:
    """The synthetic message that stands for ClientHello1 after HRR, RFC 8446 §4.4.1."""
    digest = hash_messages(algorithm, [client_hello1])
    return bytes([HandshakeType.message_hash, 0, 0, len(digest)]) + digest


def transcript_hash(algorithm: str, messages: Sequence[bytes]) -> bytes:
    """Transcript-Hash(messages) of TLS 1.3 (RFC 8446 §4.4.1), with the HRR rule applied."""
    if len(messages) >= 2 and is_hello_retry_request(messages[1]):
        messages = [message_hash(algorithm, messages[0]), *messages[1:]]
    return hash_messages(algorithm, messages)


def verify_data_13(suite: CipherSuite, base_key: bytes, transcript: bytes) -> bytes:
    """The verify_data of a TLS 1.3 Finished, RFC 8446 §4.4.4."""
    return hmac.digest(finished_key(suite, base_key), transcript, suite.hash_algorithm())


def verify_data_12(
    suite: CipherSuite, master_secret: bytes, *, client: bool, messages: Sequence[bytes]
) -> bytes:
    """The verify_data of a TLS 1.2 Finished, RFC 5246 §7.4.9 (the PRF's hash, §5)."""
    label = b"client finished" if client else b"server finished"
    digest = hash_messages(suite.hash_algorithm(), messages)
    return prf(suite.hash_algorithm(), master_secret, label, digest, TLS12_VERIFY_DATA_LENGTH)
