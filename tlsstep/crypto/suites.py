"""Cipher suite parameters: what record protection and key schedule each suite uses.

Names are the IANA registry's (TLS Cipher Suites). The parameters are derived from
the name's ``WITH_<cipher>_<mac>`` part, so the table below is only code -> name;
the lengths come from the RFC that defines each construction:

- TLS 1.3 (RFC 8446 §B.4): AEAD only, 12-byte IV, hash for HKDF and transcript.
- TLS 1.2 AES-GCM (RFC 5288) and AES-CCM (RFC 6655): 4-byte implicit salt plus an
  8-byte explicit nonce in each record.
- TLS 1.2 ChaCha20-Poly1305 (RFC 7905): 12-byte IV XORed with the sequence number.
- TLS 1.2 CBC (RFC 5246 §6.2.3.2): a per-record 16-byte IV and an HMAC.
- TLS 1.2 PRF (RFC 5246 §5): SHA-384 for suites named ``..._SHA384``, else SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from cryptography.hazmat.primitives import hashes


class Cipher(StrEnum):
    aes_gcm = "AES-GCM"
    aes_ccm = "AES-CCM"
    chacha20_poly1305 = "ChaCha20-Poly1305"
    aes_cbc = "AES-CBC"


_HASHES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "SHA": hashes.SHA1,  # HMAC-SHA1 (RFC 5246 names it "SHA")
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CipherSuite:
    """One suite's record protection and hash.

    ``iv_length`` is TLS 1.3's per-record nonce base, or TLS 1.2's fixed_iv_length
    from the key block (0 for CBC, whose IV travels in each record).
    """

    code: int
    name: str
    tls13: bool
    cipher: Cipher
    key_length: int
    iv_length: int
    tag_length: int  # AEAD tag; 0 for CBC
    explicit_nonce_length: int  # TLS 1.2 GCM/CCM: 8 bytes in each record
    mac: str | None  # CBC: HMAC hash name ("SHA", "SHA256", "SHA384")
    mac_length: int
    hash: str  # HKDF / PRF / transcript hash name

    @property
    def aead(self) -> bool:
        return self.cipher is not Cipher.aes_cbc

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        return _HASHES[self.hash]()

    def mac_algorithm(self) -> hashes.HashAlgorithm | None:
        return _HASHES[self.mac]() if self.mac else None


# IANA codes of the suites tlsstep can open. OpenSSL 3.0 offers all of them.
SUITE_NAMES: Final[dict[int, str]] = {
    # TLS 1.3, RFC 8446 §B.4
    0x1301: "TLS_AES_128_GCM_SHA256",
    0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0x1304: "TLS_AES_128_CCM_SHA256",
    0x1305: "TLS_AES_128_CCM_8_SHA256",
    # TLS 1.2 AES-GCM, RFC 5288 / RFC 5289
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    # TLS 1.2 ChaCha20-Poly1305, RFC 7905
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCAA: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    # TLS 1.2 AES-CCM, RFC 6655 / RFC 7251
    0xC09C: "TLS_RSA_WITH_AES_128_CCM",
    0xC09D: "TLS_RSA_WITH_AES_256_CCM",
    0xC09E: "TLS_DHE_RSA_WITH_AES_128_CCM",
    0xC09F: "TLS_DHE_RSA_WITH_AES_256_CCM",
    0xC0A0: "TLS_RSA_WITH_AES_128_CCM_8",
    0xC0A1: "TLS_RSA_WITH_AES_256_CCM_8",
    0xC0A2: "TLS_DHE_RSA_WITH_AES_128_CCM_8",
    0xC0A3: "TLS_DHE_RSA_WITH_AES_256_CCM_8",
    0xC0AC: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
    0xC0AD: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
    0xC0AE: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
    0xC0AF: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
    # TLS 1.2 AES-CBC with HMAC, RFC 5246 / RFC 4492 / RFC 5289
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
    0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    0x003C: "TLS_RSA_WITH_AES_128_CBC_SHA256",
    0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256",
    0x0067: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    0x006B: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0xC023: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    0xC024: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    0xC028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
}


def _from_name(code: int, name: str) -> CipherSuite:
    tls13 = "_WITH_" not in name
    bulk = name.removeprefix("TLS_") if tls13 else name.split("_WITH_", 1)[1]
    parts = bulk.split("_")
    # AES_128 / AES_256; ChaCha20 has a 256-bit key (RFC 8439 §2.3).
    key_length = int(parts[1]) // 8 if parts[0] == "AES" else 32
    mac: str | None = None
    mac_length = 0
    tag_length = 16
    explicit = 0
    if "GCM" in parts:
        cipher, iv_length, explicit = Cipher.aes_gcm, 4, 8
    elif "CCM" in parts:
        cipher, iv_length, explicit = Cipher.aes_ccm, 4, 8
        # CCM_8 (RFC 6655 §3, RFC 8446 §B.4): an 8-byte tag; "8" follows "CCM" in the name.
        tag_length = 8 if parts[parts.index("CCM") + 1 :][:1] == ["8"] else 16
    elif "CHACHA20" in parts:
        cipher, iv_length = Cipher.chacha20_poly1305, 12
    else:
        cipher, iv_length, tag_length = Cipher.aes_cbc, 0, 0
        mac = parts[-1]
        mac_length = _HASHES[mac]().digest_size
    if tls13:
        iv_length, explicit = 12, 0  # RFC 8446 §5.3: one 12-byte nonce base for every AEAD
    prf = "SHA384" if name.endswith("SHA384") else "SHA256"
    return CipherSuite(
        code=code,
        name=name,
        tls13=tls13,
        cipher=cipher,
        key_length=key_length,
        iv_length=iv_length,
        tag_length=tag_length,
        explicit_nonce_length=explicit,
        mac=mac,
        mac_length=mac_length,
        hash=prf,
    )


SUITES: Final[dict[int, CipherSuite]] = {
    code: _from_name(code, name) for code, name in SUITE_NAMES.items()
}


def suite(code: int) -> CipherSuite | None:
    """The parameters of suite ``code``; None for a suite tlsstep cannot open."""
    return SUITES.get(code)


TLS13_SUITE_NAMES: Final = tuple(s.name for s in SUITES.values() if s.tls13)


def openssl_conf(ciphersuites: tuple[str, ...]) -> str:
    """An OpenSSL configuration that offers only ``ciphersuites`` in TLS 1.3.

    Python has no API for TLS 1.3 suites (SSLContext.set_ciphers is TLS 1.2 and
    below); OpenSSL applies ``Ciphersuites`` from its ``system_default`` section
    to every new SSL_CTX, reading the file named by OPENSSL_CONF when it first
    initialises, which is before the process's first SSLContext.
    """
    return (
        "openssl_conf = openssl_init\n"
        "[openssl_init]\nssl_conf = ssl_sect\n"
        "[ssl_sect]\nsystem_default = system_default_sect\n"
        f"[system_default_sect]\nCiphersuites = {':'.join(ciphersuites)}\n"
    )
