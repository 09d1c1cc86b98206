"""Opening protected records: TLS 1.3 (RFC 8446 §5.2-5.4) and TLS 1.2 (RFC 5246 §6.2.3).

An opener holds one direction's keys for one epoch; the caller counts sequence
numbers. Every failure - a tag or MAC that does not match, bad padding, a record
too short - is an :class:`Opened` with ``ok=False`` and a reason, never an
exception: a tampered record is something to show, not a crash.

Only nonce and AAD construction, padding rules and record layout are written
here; the ciphers are the ``cryptography`` package's, HMAC the standard library's.
"""

from __future__ import annotations

import hmac
import struct
from typing import TYPE_CHECKING, Final, NamedTuple, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher as BlockCipher
from cryptography.hazmat.primitives.ciphers import algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from tlsstep.crypto.schedule import TrafficKeys
from tlsstep.crypto.suites import Cipher, CipherSuite
from tlsstep.wire.records import Record

if TYPE_CHECKING:
    from tlsstep.decode import RunRecord

AES_BLOCK: Final = 16
BAD_TAG: Final = "bad_record_mac: the AEAD tag does not match"
# TLSCiphertext header: opaque_type, legacy_record_version, length (RFC 8446 §5.2).
_HEADER: Final = struct.Struct(">BHH")
# RFC 5246 §6.2.3.3 additional_data: seq_num + type + version + length.
_AAD_12: Final = struct.Struct(">QBHH")
_APPLICATION_DATA: Final = 23  # ContentType.application_data
_APPLICATION_DATA_BYTE: Final = b"\x17"


class Opened(NamedTuple):
    """One record opened, or why not.

    A NamedTuple rather than a frozen dataclass: one is made per record on the hot
    path, and a frozen dataclass's ``__init__`` costs a third of what AES-GCM takes
    to open a 16 KB record (bench/bench_decrypt.py). It is immutable all the same.
    """

    ok: bool
    content_type: int | None = None  # the real content type
    plaintext: bytes | None = None
    reason: str | None = None


# tuple.__new__ skips the NamedTuple's Python-level __new__ (a quarter of a
# microsecond per record); the fields are the same four, in order.
_new_opened: Final = tuple.__new__


def _failed(reason: str) -> Opened:
    return Opened(ok=False, reason=reason)


class Opener(Protocol):
    suite: CipherSuite

    def open(self, record: Record, seq: int) -> Opened: ...


AeadCipher = AESGCM | AESCCM | ChaCha20Poly1305


def _aead(suite: CipherSuite, key: bytes) -> AeadCipher:
    if suite.cipher is Cipher.aes_gcm:
        return AESGCM(key)
    if suite.cipher is Cipher.aes_ccm:
        return AESCCM(key, tag_length=suite.tag_length)
    if suite.cipher is Cipher.chacha20_poly1305:
        return ChaCha20Poly1305(key)
    raise ValueError(f"{suite.name} is not an AEAD suite")


def _xor_nonce(iv: int, seq: int, length: int) -> bytes:
    # RFC 8446 §5.3 / RFC 7905 §2: the 64-bit sequence number, left-padded to the
    # IV length, XORed with the IV.
    return (iv ^ seq).to_bytes(length, "big")


class Tls13Opener:
    """TLSCiphertext -> TLSInnerPlaintext for one direction and epoch, RFC 8446 §5.2."""

    __slots__ = ("_aead", "_iv", "_tag", "suite")

    def __init__(self, suite: CipherSuite, keys: TrafficKeys) -> None:
        self.suite = suite
        self._aead = _aead(suite, keys.key)
        self._iv = int.from_bytes(keys.iv, "big")
        self._tag = suite.tag_length

    def open(self, record: Record, seq: int) -> Opened:
        # The hot path of bench/bench_decrypt.py: one AEAD call, one copy, no
        # Python-level constructor (the target is >= 0.7x bare AESGCM.decrypt).
        fragment = record.fragment
        # RFC 8446 §5.3: nonce = the 64-bit sequence number, padded, XOR the IV.
        nonce = (self._iv ^ seq).to_bytes(12, "big")
        # RFC 8446 §5.2: additional_data is the record header as it crossed.
        header = _HEADER.pack(record.content_type, record.legacy_record_version, record.length)
        try:
            inner = self._aead.decrypt(nonce, fragment, header)
        except InvalidTag:
            if len(fragment) < self._tag:
                return _failed(f"record of {len(fragment)} bytes is shorter than the AEAD tag")
            return _failed(BAD_TAG)
        content_type = inner[-1] if inner else 0
        if not content_type:
            # RFC 8446 §5.4: zero padding follows the real content type.
            inner = inner.rstrip(b"\0")
            if not inner:
                return _failed("no content type: the plaintext is all zero padding (RFC 8446 §5.4)")
            content_type = inner[-1]
        return _new_opened(Opened, (True, content_type, inner[:-1], None))

    def open_run(
        self, data: memoryview, pos: int, seq: int, base: int, version: int, out: list[RunRecord]
    ) -> tuple[int, int]:
        """:meth:`open` for each record in ``data`` from ``pos`` on, framed here, while
        it is a whole application_data record of ``version`` that opens to application
        data without padding (see :meth:`tlsstep.decode.RunOpener.open_run`); ``seq`` is
        the first one's sequence number. Returns where it stopped and the next sequence
        number. One loop, no value per record: the decoder's fast path (issue 14)."""
        decrypt = self._aead.decrypt
        iv = self._iv
        unpack = _HEADER.unpack_from
        end = len(data)
        while end - pos >= 5:
            kind, record_version, length = unpack(data, pos)  # RFC 8446 §5.1
            stop = pos + 5 + length
            if kind != _APPLICATION_DATA or record_version != version or stop > end:
                break
            try:  # nonce and additional data as in open()
                inner = decrypt(
                    (iv ^ seq).to_bytes(12, "big"), data[pos + 5 : stop], data[pos : pos + 5]
                )
            except InvalidTag:
                break
            if inner[-1:] != _APPLICATION_DATA_BYTE:  # padding, another type, nothing
                break
            out.append((base + pos, length, memoryview(inner)[:-1]))  # not copied
            seq += 1
            pos = stop
        return pos, seq


def _mac_header(seq: int, content_type: int, version: int, length: int) -> bytes:
    # RFC 5246 §6.2.3.1 MAC input and §6.2.3.3 additional_data share this prefix.
    return (
        seq.to_bytes(8, "big")
        + bytes([content_type])
        + version.to_bytes(2, "big")
        + length.to_bytes(2, "big")
    )


class Tls12AeadOpener:
    """GenericAEADCipher, RFC 5246 §6.2.3.3 with RFC 5288 (GCM), 6655 (CCM), 7905 (ChaCha)."""

    __slots__ = ("_aead", "_iv", "_iv_int", "suite")

    def __init__(self, suite: CipherSuite, keys: TrafficKeys) -> None:
        self.suite = suite
        self._aead = _aead(suite, keys.key)
        self._iv = keys.iv
        self._iv_int = int.from_bytes(keys.iv, "big")

    def open(self, record: Record, seq: int) -> Opened:
        fragment = record.fragment
        explicit = self.suite.explicit_nonce_length
        if len(fragment) < explicit + self.suite.tag_length:
            return _failed(f"record of {len(fragment)} bytes is too short for nonce and tag")
        # RFC 5288 §3: salt (key block) + nonce_explicit (in the record);
        # RFC 7905 §2: ChaCha20 XORs the sequence number into the IV instead.
        nonce = self._iv + fragment[:explicit] if explicit else _xor_nonce(self._iv_int, seq, 12)
        ciphertext = fragment[explicit:]
        length = len(ciphertext) - self.suite.tag_length
        aad = _mac_header(seq, record.content_type, record.legacy_record_version, length)
        try:
            plaintext = self._aead.decrypt(nonce, ciphertext, aad)
        except InvalidTag:
            return _failed(BAD_TAG)
        return Opened(ok=True, content_type=record.content_type, plaintext=plaintext)

    def open_run(
        self, data: memoryview, pos: int, seq: int, base: int, version: int, out: list[RunRecord]
    ) -> tuple[int, int]:
        """:meth:`Tls13Opener.open_run` for TLS 1.2 AEAD records (the nonce and additional
        data of :meth:`open`)."""
        decrypt = self._aead.decrypt
        explicit = self.suite.explicit_nonce_length
        overhead = explicit + self.suite.tag_length
        salt, iv = self._iv, self._iv_int
        unpack = _HEADER.unpack_from
        pack = _AAD_12.pack
        end = len(data)
        while end - pos >= 5:
            kind, record_version, length = unpack(data, pos)
            stop = pos + 5 + length
            if (
                kind != _APPLICATION_DATA
                or record_version != version
                or stop > end
                or length < overhead
            ):
                break
            body = pos + 5 + explicit
            nonce = salt + data[pos + 5 : body] if explicit else (iv ^ seq).to_bytes(12, "big")
            aad = pack(seq, kind, version, length - overhead)
            try:
                plaintext = decrypt(nonce, data[body:stop], aad)
            except InvalidTag:
                break
            out.append((base + pos, length, plaintext))
            seq += 1
            pos = stop
        return pos, seq


class Tls12CbcOpener:
    """GenericBlockCipher, RFC 5246 §6.2.3.2; with ``encrypt_then_mac``, RFC 7366 §3."""

    __slots__ = ("_key", "_mac_key", "encrypt_then_mac", "suite")

    def __init__(self, suite: CipherSuite, keys: TrafficKeys, *, encrypt_then_mac: bool) -> None:
        self.suite = suite
        self._key = keys.key
        self._mac_key = keys.mac_key
        self.encrypt_then_mac = encrypt_then_mac

    def _mac(self, seq: int, record: Record, content: bytes) -> bytes:
        algorithm = self.suite.mac_algorithm()
        assert algorithm is not None  # a CBC suite always names its MAC
        mac = hmac.new(self._mac_key, digestmod=algorithm)
        mac.update(
            _mac_header(seq, record.content_type, record.legacy_record_version, len(content))
        )
        mac.update(content)
        return mac.digest()

    def _decrypt(self, body: bytes) -> bytes:
        iv, ciphertext = body[:AES_BLOCK], body[AES_BLOCK:]
        decryptor = BlockCipher(algorithms.AES(self._key), modes.CBC(iv)).decryptor()
        return decryptor.update(ciphertext) + decryptor.finalize()

    @staticmethod
    def _unpad(padded: bytes) -> bytes | None:
        # RFC 5246 §6.2.3.2: padding_length + 1 bytes, each equal to padding_length.
        pad = padded[-1]
        if pad + 1 > len(padded) or padded[-pad - 1 :] != bytes([pad]) * (pad + 1):
            return None
        return padded[: -pad - 1]

    def open(self, record: Record, seq: int) -> Opened:
        fragment = record.fragment_bytes
        mac_length = self.suite.mac_length
        if self.encrypt_then_mac:
            body, tag = fragment[:-mac_length], fragment[-mac_length:]
            if len(body) < 2 * AES_BLOCK or len(body) % AES_BLOCK:
                return _failed(f"record of {len(fragment)} bytes cannot hold IV, blocks and MAC")
            # RFC 7366 §3: the MAC covers IV + ciphertext, and is checked before decrypting.
            if not hmac.compare_digest(self._mac(seq, record, body), tag):
                return _failed("bad_record_mac: the HMAC over the ciphertext does not match")
            content = self._unpad(self._decrypt(body))
            if content is None:
                return _failed("bad_record_mac: CBC padding is malformed")
            return Opened(ok=True, content_type=record.content_type, plaintext=content)
        if len(fragment) < 2 * AES_BLOCK or len(fragment) % AES_BLOCK:
            return _failed(f"record of {len(fragment)} bytes is not an IV plus whole blocks")
        unpadded = self._unpad(self._decrypt(fragment))
        if unpadded is None or len(unpadded) < mac_length:
            return _failed("bad_record_mac: CBC padding is malformed")
        content, tag = (
            unpadded[: len(unpadded) - mac_length],
            unpadded[len(unpadded) - mac_length :],
        )
        if not hmac.compare_digest(self._mac(seq, record, content), tag):
            return _failed("bad_record_mac: the HMAC over the plaintext does not match")
        return Opened(ok=True, content_type=record.content_type, plaintext=content)


def opener(
    suite: CipherSuite, keys: TrafficKeys, *, encrypt_then_mac: bool = False
) -> Tls13Opener | Tls12AeadOpener | Tls12CbcOpener:
    """The opener for ``suite``: TLS 1.3, TLS 1.2 AEAD or TLS 1.2 CBC."""
    if suite.tls13:
        return Tls13Opener(suite, keys)
    if suite.aead:
        return Tls12AeadOpener(suite, keys)
    return Tls12CbcOpener(suite, keys, encrypt_then_mac=encrypt_then_mac)
