"""How one protected record was opened, spelled out for a view (the HTML page).

The openers in :mod:`tlsstep.crypto.records` do the work on the hot path and keep
nothing; this module says, for one record already opened, which inputs they used:
the nonce, the additional data (or the MAC header), the tag or MAC, the explicit
nonce or record IV. The same formulas as the openers, with the RFC that fixes each.
"""

from __future__ import annotations

import hmac

from tlsstep.crypto.records import _HEADER, AES_BLOCK, _mac_header, _xor_nonce
from tlsstep.crypto.schedule import TrafficKeys
from tlsstep.crypto.suites import CipherSuite
from tlsstep.frozen import frozen
from tlsstep.wire.records import Record


@frozen
class Protection:
    """The inputs of one record's decryption and authentication.

    ``additional_data`` is the AEAD additional data, or for CBC the header the
    HMAC covers before the content. ``tag`` is the AEAD tag or the HMAC.
    """

    scheme: str
    rfc: str
    nonce: bytes | None = None
    nonce_rule: str | None = None
    explicit_nonce: bytes | None = None  # TLS 1.2 GCM/CCM: carried in the record
    record_iv: bytes | None = None  # TLS 1.2 CBC: carried in the record
    additional_data: bytes | None = None
    tag: bytes | None = None
    tag_rule: str | None = None
    ciphertext_length: int = 0


def describe(
    suite: CipherSuite,
    keys: TrafficKeys,
    record: Record,
    seq: int,
    *,
    plaintext: bytes | None = None,
    encrypt_then_mac: bool = False,
) -> Protection:
    """What opening ``record`` (sequence number ``seq``) with ``keys`` involved.

    ``plaintext`` (the opened content) lets a MAC-then-encrypt CBC record show its
    HMAC, which travels inside the encryption.
    """
    fragment = record.fragment_bytes
    if suite.tls13:
        return Protection(
            scheme="TLS 1.3 AEAD",
            rfc="RFC 8446 §5.2-5.3",
            nonce=_xor_nonce(int.from_bytes(keys.iv, "big"), seq, len(keys.iv)),
            nonce_rule="iv XOR sequence number (padded to the IV length)",
            additional_data=_HEADER.pack(
                record.content_type, record.legacy_record_version, record.length
            ),
            tag=fragment[-suite.tag_length :],
            tag_rule="the last bytes of the record",
            ciphertext_length=max(0, len(fragment) - suite.tag_length),
        )
    if suite.aead:
        explicit = fragment[: suite.explicit_nonce_length]
        length = max(0, len(fragment) - suite.explicit_nonce_length - suite.tag_length)
        nonce = (
            keys.iv + explicit
            if suite.explicit_nonce_length
            else _xor_nonce(int.from_bytes(keys.iv, "big"), seq, 12)
        )
        return Protection(
            scheme="TLS 1.2 AEAD",
            rfc="RFC 5246 §6.2.3.3, RFC 5288 §3, RFC 7905 §2",
            nonce=nonce,
            nonce_rule="salt (fixed IV) + explicit nonce from the record"
            if suite.explicit_nonce_length
            else "iv XOR sequence number",
            explicit_nonce=explicit or None,
            additional_data=_mac_header(
                seq, record.content_type, record.legacy_record_version, length
            ),
            tag=fragment[-suite.tag_length :],
            tag_rule="the last bytes of the record",
            ciphertext_length=length,
        )
    scheme = (
        "TLS 1.2 CBC, encrypt-then-MAC" if encrypt_then_mac else "TLS 1.2 CBC, MAC-then-encrypt"
    )
    tag: bytes | None = None
    header: bytes | None = None
    if encrypt_then_mac:
        body = fragment[: -suite.mac_length]
        tag = fragment[-suite.mac_length :]
        header = _mac_header(seq, record.content_type, record.legacy_record_version, len(body))
        rule = "HMAC over header + IV + ciphertext; the last bytes of the record (RFC 7366)"
    elif plaintext is not None:
        header = _mac_header(seq, record.content_type, record.legacy_record_version, len(plaintext))
        algorithm = suite.mac_algorithm()
        assert algorithm is not None  # a CBC suite names its MAC
        tag = hmac.digest(keys.mac_key, header + plaintext, algorithm)
        rule = "HMAC over header + plaintext, encrypted with it (checked after decrypting)"
    else:
        rule = "HMAC inside the encryption: not opened"
    return Protection(
        scheme=scheme,
        rfc="RFC 5246 §6.2.3.2" + (", RFC 7366" if encrypt_then_mac else ""),
        record_iv=fragment[:AES_BLOCK],
        additional_data=header,
        tag=tag,
        tag_rule=rule,
        ciphertext_length=max(0, len(fragment) - AES_BLOCK),
    )
