"""Cipher suite parameters: what record protection and key schedule each suite uses.

Names are the IANA registry's (TLS Cipher Suites), from the wire layer's table.
The parameters are derived from the name's ``WITH_<cipher>_<mac>`` part (the key
exchange does not matter once the key log gives the secrets); the lengths come
from the RFC that defines each construction:

- TLS 1.3 (RFC 8446 §B.4): AEAD only, 12-byte IV, hash for HKDF and transcript.
- TLS 1.2 AES-GCM (RFC 5288) and AES-CCM (RFC 6655): 4-byte implicit salt plus an
  8-byte explicit nonce in each record.
- TLS 1.2 ChaCha20-Poly1305 (RFC 7905): 12-byte IV XORed with the sequence number.
- TLS 1.2 CBC (RFC 5246 §6.2.3.2): a per-record 16-byte IV and an HMAC.
- TLS 1.2 PRF (RFC 5246 §5): SHA-384 for suites named ``..._SHA384``, else SHA-256.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.frozen import frozen
from tlsstep.lazy import pattern
from tlsstep.wire.names import CIPHER_SUITES


class Cipher(StrEnum, metaclass=CheapEnumType):
    aes_gcm = "AES-GCM"
    aes_ccm = "AES-CCM"
    chacha20_poly1305 = "ChaCha20-Poly1305"
    aes_cbc = "AES-CBC"


# The hashes suites name, as ``hashlib``/``hmac`` call them (OpenSSL's, in C).
HASHES: Final[dict[str, str]] = {
    "SHA": "sha1",  # HMAC-SHA1 (RFC 5246 names it "SHA")
    "SHA256": "sha256",
    "SHA384": "sha384",
}
DIGEST_SIZES: Final[dict[str, int]] = {"sha1": 20, "sha256": 32, "sha384": 48}


@frozen
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

    def hash_algorithm(self) -> str:
        """The HKDF / PRF / transcript hash, by its ``hashlib`` name."""
        return HASHES[self.hash]

    def mac_algorithm(self) -> str | None:
        """TLS 1.2 CBC: the record HMAC's hash, by its ``hashlib`` name."""
        return HASHES[self.mac] if self.mac else None


# The bulk part of a suite name that tlsstep can open: AES-GCM, AES-CCM(_8), AES-CBC
# with HMAC, or ChaCha20-Poly1305, then the PRF / MAC hash. Anything else (RC4, 3DES,
# CAMELLIA, ARIA, NULL) is shown but stays encrypted.
_BULK: Final = pattern(
    r"(?:AES_(?P<bits>128|256)_(?P<mode>GCM|CCM_8|CCM|CBC)|(?P<chacha>CHACHA20_POLY1305))"
    r"(?:_(?P<hash>SHA|SHA256|SHA384))?"
)


def _from_name(code: int, name: str) -> CipherSuite | None:
    """The parameters of the IANA suite ``name``; None if tlsstep cannot open it."""
    tls13 = "_WITH_" not in name
    match = _BULK.fullmatch(name.removeprefix("TLS_") if tls13 else name.split("_WITH_", 1)[1])
    if match is None:
        return None
    mode, digest = match["mode"], match["hash"]
    if (mode == "CBC" and digest is None) or (tls13 and (mode == "CBC" or digest is None)):
        return None  # a CBC suite needs its MAC; a TLS 1.3 name always ends in its hash
    # AES_128 / AES_256; ChaCha20 has a 256-bit key (RFC 8439 §2.3).
    key_length = int(match["bits"]) // 8 if match["bits"] else 32
    mac: str | None = None
    mac_length = 0
    tag_length = 16
    explicit = 0
    if mode == "GCM":
        cipher, iv_length, explicit = Cipher.aes_gcm, 4, 8
    elif mode in ("CCM", "CCM_8"):
        cipher, iv_length, explicit = Cipher.aes_ccm, 4, 8
        tag_length = 8 if mode == "CCM_8" else 16  # RFC 6655 §3, RFC 8446 §B.4
    elif match["chacha"]:
        cipher, iv_length = Cipher.chacha20_poly1305, 12
    else:
        cipher, iv_length, tag_length = Cipher.aes_cbc, 0, 0
        mac = digest
        mac_length = DIGEST_SIZES[HASHES[digest]]
    if tls13:
        iv_length, explicit = 12, 0  # RFC 8446 §5.3: one 12-byte nonce base for every AEAD
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
        hash="SHA384" if digest == "SHA384" else "SHA256",  # RFC 5246 §5: SHA-256 unless named
    )


# The suites of the IANA table (wire/names.py) whose records tlsstep can open, made as
# they are first asked for: a run uses one or two of the 98 (issue 14, start-up).
_made: dict[int, CipherSuite | None] = {}


def suite(code: int) -> CipherSuite | None:
    """The parameters of suite ``code``; None for a suite tlsstep cannot open."""
    try:
        return _made[code]
    except KeyError:
        names = CIPHER_SUITES.get(code)
        made = _made[code] = _from_name(code, names[0]) if names is not None else None
        return made


def all_suites() -> dict[int, CipherSuite]:
    """Every suite tlsstep can open, by code, in the IANA table's order."""
    found = (suite(code) for code in CIPHER_SUITES)
    return {s.code: s for s in found if s is not None}


def __getattr__(name: str) -> object:
    """``SUITES`` (every suite tlsstep can open) and ``TLS13_SUITE_NAMES``, made when
    first read."""
    if name == "SUITES":
        return all_suites()
    if name == "TLS13_SUITE_NAMES":
        return tuple(s.name for s in all_suites().values() if s.tls13)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


SUITES: dict[int, CipherSuite]  # see __getattr__
TLS13_SUITE_NAMES: tuple[str, ...]


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
