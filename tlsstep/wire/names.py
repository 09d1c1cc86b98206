"""Name tables: cipher suites, named groups, signature schemes, extension types.

Names are the IANA registry spellings (TLS Parameters and TLS ExtensionType Values);
cipher suites also carry OpenSSL's name where it differs, because that is what
``SSLContext.get_ciphers()`` and ``openssl ciphers`` print. Unknown numbers are
data (STYLE.md rule 4): every lookup falls back to ``unknown (0x....)``, and the
RFC 8701 GREASE values are named ``GREASE``.

The cipher-suite table was generated from ``openssl ciphers -V -stdname
'ALL:COMPLEMENTOFALL:@SECLEVEL=0'`` (OpenSSL 3.0) and completed by hand with the
legacy suites OpenSSL 3.0 no longer builds (RC4, 3DES, export) and the SCSVs.
"""

from __future__ import annotations

from typing import Final

from tlsstep.wire.enums import VERSION_NAMES, unknown

# RFC 8701 §2: 0x0A0A, 0x1A1A, ..., 0xFAFA for cipher suites, groups, extensions,
# versions and signature algorithms; §2 also reserves 0x0B, 0x2A, ... for the
# one-byte psk_key_exchange_modes values.
GREASE_VALUES: Final[frozenset[int]] = frozenset(0x0A0A + 0x1010 * i for i in range(16))
GREASE_PSK_MODES: Final[frozenset[int]] = frozenset(0x0B + 0x1F * i for i in range(8))
GREASE: Final = "GREASE"

# value: (IANA name, OpenSSL name or None when it is the same)
CIPHER_SUITES: Final[dict[int, tuple[str, str | None]]] = {
    0x0000: ("TLS_NULL_WITH_NULL_NULL", None),
    0x0001: ("TLS_RSA_WITH_NULL_MD5", "NULL-MD5"),
    0x0002: ("TLS_RSA_WITH_NULL_SHA", "NULL-SHA"),
    0x0003: ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5"),
    0x0004: ("TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5"),
    0x0005: ("TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA"),
    0x0009: ("TLS_RSA_WITH_DES_CBC_SHA", "DES-CBC-SHA"),
    0x000A: ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"),
    0x000D: ("TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA", None),
    0x0010: ("TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA", None),
    0x0013: ("TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "DHE-DSS-DES-CBC3-SHA"),
    0x0016: ("TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "DHE-RSA-DES-CBC3-SHA"),
    0x002C: ("TLS_PSK_WITH_NULL_SHA", "PSK-NULL-SHA"),
    0x002D: ("TLS_DHE_PSK_WITH_NULL_SHA", "DHE-PSK-NULL-SHA"),
    0x002E: ("TLS_RSA_PSK_WITH_NULL_SHA", "RSA-PSK-NULL-SHA"),
    0x002F: ("TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"),
    0x0032: ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "DHE-DSS-AES128-SHA"),
    0x0033: ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA"),
    0x0034: ("TLS_DH_anon_WITH_AES_128_CBC_SHA", "ADH-AES128-SHA"),
    0x0035: ("TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"),
    0x0038: ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "DHE-DSS-AES256-SHA"),
    0x0039: ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA"),
    0x003A: ("TLS_DH_anon_WITH_AES_256_CBC_SHA", "ADH-AES256-SHA"),
    0x003B: ("TLS_RSA_WITH_NULL_SHA256", "NULL-SHA256"),
    0x003C: ("TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"),
    0x003D: ("TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256"),
    0x0040: ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "DHE-DSS-AES128-SHA256"),
    0x0041: ("TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", "CAMELLIA128-SHA"),
    0x0044: ("TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA", "DHE-DSS-CAMELLIA128-SHA"),
    0x0045: ("TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", "DHE-RSA-CAMELLIA128-SHA"),
    0x0046: ("TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA", "ADH-CAMELLIA128-SHA"),
    0x0067: ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256"),
    0x006A: ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "DHE-DSS-AES256-SHA256"),
    0x006B: ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256"),
    0x006C: ("TLS_DH_anon_WITH_AES_128_CBC_SHA256", "ADH-AES128-SHA256"),
    0x006D: ("TLS_DH_anon_WITH_AES_256_CBC_SHA256", "ADH-AES256-SHA256"),
    0x0084: ("TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", "CAMELLIA256-SHA"),
    0x0087: ("TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA", "DHE-DSS-CAMELLIA256-SHA"),
    0x0088: ("TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", "DHE-RSA-CAMELLIA256-SHA"),
    0x0089: ("TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA", "ADH-CAMELLIA256-SHA"),
    0x008C: ("TLS_PSK_WITH_AES_128_CBC_SHA", "PSK-AES128-CBC-SHA"),
    0x008D: ("TLS_PSK_WITH_AES_256_CBC_SHA", "PSK-AES256-CBC-SHA"),
    0x0090: ("TLS_DHE_PSK_WITH_AES_128_CBC_SHA", "DHE-PSK-AES128-CBC-SHA"),
    0x0091: ("TLS_DHE_PSK_WITH_AES_256_CBC_SHA", "DHE-PSK-AES256-CBC-SHA"),
    0x0094: ("TLS_RSA_PSK_WITH_AES_128_CBC_SHA", "RSA-PSK-AES128-CBC-SHA"),
    0x0095: ("TLS_RSA_PSK_WITH_AES_256_CBC_SHA", "RSA-PSK-AES256-CBC-SHA"),
    0x009C: ("TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"),
    0x009D: ("TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"),
    0x009E: ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256"),
    0x009F: ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384"),
    0x00A2: ("TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", "DHE-DSS-AES128-GCM-SHA256"),
    0x00A3: ("TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", "DHE-DSS-AES256-GCM-SHA384"),
    0x00A6: ("TLS_DH_anon_WITH_AES_128_GCM_SHA256", "ADH-AES128-GCM-SHA256"),
    0x00A7: ("TLS_DH_anon_WITH_AES_256_GCM_SHA384", "ADH-AES256-GCM-SHA384"),
    0x00A8: ("TLS_PSK_WITH_AES_128_GCM_SHA256", "PSK-AES128-GCM-SHA256"),
    0x00A9: ("TLS_PSK_WITH_AES_256_GCM_SHA384", "PSK-AES256-GCM-SHA384"),
    0x00AA: ("TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", "DHE-PSK-AES128-GCM-SHA256"),
    0x00AB: ("TLS_DHE_PSK_WITH_AES_256_GCM_SHA384", "DHE-PSK-AES256-GCM-SHA384"),
    0x00AC: ("TLS_RSA_PSK_WITH_AES_128_GCM_SHA256", "RSA-PSK-AES128-GCM-SHA256"),
    0x00AD: ("TLS_RSA_PSK_WITH_AES_256_GCM_SHA384", "RSA-PSK-AES256-GCM-SHA384"),
    0x00AE: ("TLS_PSK_WITH_AES_128_CBC_SHA256", "PSK-AES128-CBC-SHA256"),
    0x00AF: ("TLS_PSK_WITH_AES_256_CBC_SHA384", "PSK-AES256-CBC-SHA384"),
    0x00B0: ("TLS_PSK_WITH_NULL_SHA256", "PSK-NULL-SHA256"),
    0x00B1: ("TLS_PSK_WITH_NULL_SHA384", "PSK-NULL-SHA384"),
    0x00B2: ("TLS_DHE_PSK_WITH_AES_128_CBC_SHA256", "DHE-PSK-AES128-CBC-SHA256"),
    0x00B3: ("TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", "DHE-PSK-AES256-CBC-SHA384"),
    0x00B4: ("TLS_DHE_PSK_WITH_NULL_SHA256", "DHE-PSK-NULL-SHA256"),
    0x00B5: ("TLS_DHE_PSK_WITH_NULL_SHA384", "DHE-PSK-NULL-SHA384"),
    0x00B6: ("TLS_RSA_PSK_WITH_AES_128_CBC_SHA256", "RSA-PSK-AES128-CBC-SHA256"),
    0x00B7: ("TLS_RSA_PSK_WITH_AES_256_CBC_SHA384", "RSA-PSK-AES256-CBC-SHA384"),
    0x00B8: ("TLS_RSA_PSK_WITH_NULL_SHA256", "RSA-PSK-NULL-SHA256"),
    0x00B9: ("TLS_RSA_PSK_WITH_NULL_SHA384", "RSA-PSK-NULL-SHA384"),
    0x00BA: ("TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256", "CAMELLIA128-SHA256"),
    0x00BD: ("TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256", "DHE-DSS-CAMELLIA128-SHA256"),
    0x00BE: ("TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", "DHE-RSA-CAMELLIA128-SHA256"),
    0x00BF: ("TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256", "ADH-CAMELLIA128-SHA256"),
    0x00C0: ("TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256", "CAMELLIA256-SHA256"),
    0x00C3: ("TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256", "DHE-DSS-CAMELLIA256-SHA256"),
    0x00C4: ("TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256", "DHE-RSA-CAMELLIA256-SHA256"),
    0x00C5: ("TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256", "ADH-CAMELLIA256-SHA256"),
    0x00FF: ("TLS_EMPTY_RENEGOTIATION_INFO_SCSV", None),
    0x1301: ("TLS_AES_128_GCM_SHA256", None),
    0x1302: ("TLS_AES_256_GCM_SHA384", None),
    0x1303: ("TLS_CHACHA20_POLY1305_SHA256", None),
    0x1304: ("TLS_AES_128_CCM_SHA256", None),
    0x1305: ("TLS_AES_128_CCM_8_SHA256", None),
    0x5600: ("TLS_FALLBACK_SCSV", None),
    0xC006: ("TLS_ECDHE_ECDSA_WITH_NULL_SHA", "ECDHE-ECDSA-NULL-SHA"),
    0xC007: ("TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA"),
    0xC008: ("TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-ECDSA-DES-CBC3-SHA"),
    0xC009: ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"),
    0xC00A: ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"),
    0xC010: ("TLS_ECDHE_RSA_WITH_NULL_SHA", "ECDHE-RSA-NULL-SHA"),
    0xC011: ("TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA"),
    0xC012: ("TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"),
    0xC013: ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"),
    0xC014: ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"),
    0xC015: ("TLS_ECDH_anon_WITH_NULL_SHA", "AECDH-NULL-SHA"),
    0xC018: ("TLS_ECDH_anon_WITH_AES_128_CBC_SHA", "AECDH-AES128-SHA"),
    0xC019: ("TLS_ECDH_anon_WITH_AES_256_CBC_SHA", "AECDH-AES256-SHA"),
    0xC01D: ("TLS_SRP_SHA_WITH_AES_128_CBC_SHA", "SRP-AES-128-CBC-SHA"),
    0xC01E: ("TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA", "SRP-RSA-AES-128-CBC-SHA"),
    0xC01F: ("TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA", "SRP-DSS-AES-128-CBC-SHA"),
    0xC020: ("TLS_SRP_SHA_WITH_AES_256_CBC_SHA", "SRP-AES-256-CBC-SHA"),
    0xC021: ("TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA", "SRP-RSA-AES-256-CBC-SHA"),
    0xC022: ("TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA", "SRP-DSS-AES-256-CBC-SHA"),
    0xC023: ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"),
    0xC024: ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384"),
    0xC027: ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"),
    0xC028: ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384"),
    0xC02B: ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"),
    0xC02C: ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"),
    0xC02F: ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"),
    0xC030: ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"),
    0xC035: ("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA", "ECDHE-PSK-AES128-CBC-SHA"),
    0xC036: ("TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA", "ECDHE-PSK-AES256-CBC-SHA"),
    0xC037: ("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", "ECDHE-PSK-AES128-CBC-SHA256"),
    0xC038: ("TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384", "ECDHE-PSK-AES256-CBC-SHA384"),
    0xC039: ("TLS_ECDHE_PSK_WITH_NULL_SHA", "ECDHE-PSK-NULL-SHA"),
    0xC03A: ("TLS_ECDHE_PSK_WITH_NULL_SHA256", "ECDHE-PSK-NULL-SHA256"),
    0xC03B: ("TLS_ECDHE_PSK_WITH_NULL_SHA384", "ECDHE-PSK-NULL-SHA384"),
    0xC050: ("TLS_RSA_WITH_ARIA_128_GCM_SHA256", "ARIA128-GCM-SHA256"),
    0xC051: ("TLS_RSA_WITH_ARIA_256_GCM_SHA384", "ARIA256-GCM-SHA384"),
    0xC052: ("TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256", "DHE-RSA-ARIA128-GCM-SHA256"),
    0xC053: ("TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384", "DHE-RSA-ARIA256-GCM-SHA384"),
    0xC056: ("TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256", "DHE-DSS-ARIA128-GCM-SHA256"),
    0xC057: ("TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384", "DHE-DSS-ARIA256-GCM-SHA384"),
    0xC05C: ("TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256", "ECDHE-ECDSA-ARIA128-GCM-SHA256"),
    0xC05D: ("TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384", "ECDHE-ECDSA-ARIA256-GCM-SHA384"),
    0xC060: ("TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256", "ECDHE-ARIA128-GCM-SHA256"),
    0xC061: ("TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384", "ECDHE-ARIA256-GCM-SHA384"),
    0xC06A: ("TLS_PSK_WITH_ARIA_128_GCM_SHA256", "PSK-ARIA128-GCM-SHA256"),
    0xC06B: ("TLS_PSK_WITH_ARIA_256_GCM_SHA384", "PSK-ARIA256-GCM-SHA384"),
    0xC06C: ("TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256", "DHE-PSK-ARIA128-GCM-SHA256"),
    0xC06D: ("TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384", "DHE-PSK-ARIA256-GCM-SHA384"),
    0xC06E: ("TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256", "RSA-PSK-ARIA128-GCM-SHA256"),
    0xC06F: ("TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384", "RSA-PSK-ARIA256-GCM-SHA384"),
    0xC072: ("TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-ECDSA-CAMELLIA128-SHA256"),
    0xC073: ("TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-ECDSA-CAMELLIA256-SHA384"),
    0xC076: ("TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-RSA-CAMELLIA128-SHA256"),
    0xC077: ("TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-RSA-CAMELLIA256-SHA384"),
    0xC094: ("TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256", "PSK-CAMELLIA128-SHA256"),
    0xC095: ("TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384", "PSK-CAMELLIA256-SHA384"),
    0xC096: ("TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256", "DHE-PSK-CAMELLIA128-SHA256"),
    0xC097: ("TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384", "DHE-PSK-CAMELLIA256-SHA384"),
    0xC098: ("TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256", "RSA-PSK-CAMELLIA128-SHA256"),
    0xC099: ("TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384", "RSA-PSK-CAMELLIA256-SHA384"),
    0xC09A: ("TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-PSK-CAMELLIA128-SHA256"),
    0xC09B: ("TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-PSK-CAMELLIA256-SHA384"),
    0xC09C: ("TLS_RSA_WITH_AES_128_CCM", "AES128-CCM"),
    0xC09D: ("TLS_RSA_WITH_AES_256_CCM", "AES256-CCM"),
    0xC09E: ("TLS_DHE_RSA_WITH_AES_128_CCM", "DHE-RSA-AES128-CCM"),
    0xC09F: ("TLS_DHE_RSA_WITH_AES_256_CCM", "DHE-RSA-AES256-CCM"),
    0xC0A0: ("TLS_RSA_WITH_AES_128_CCM_8", "AES128-CCM8"),
    0xC0A1: ("TLS_RSA_WITH_AES_256_CCM_8", "AES256-CCM8"),
    0xC0A2: ("TLS_DHE_RSA_WITH_AES_128_CCM_8", "DHE-RSA-AES128-CCM8"),
    0xC0A3: ("TLS_DHE_RSA_WITH_AES_256_CCM_8", "DHE-RSA-AES256-CCM8"),
    0xC0A4: ("TLS_PSK_WITH_AES_128_CCM", "PSK-AES128-CCM"),
    0xC0A5: ("TLS_PSK_WITH_AES_256_CCM", "PSK-AES256-CCM"),
    0xC0A6: ("TLS_DHE_PSK_WITH_AES_128_CCM", "DHE-PSK-AES128-CCM"),
    0xC0A7: ("TLS_DHE_PSK_WITH_AES_256_CCM", "DHE-PSK-AES256-CCM"),
    0xC0A8: ("TLS_PSK_WITH_AES_128_CCM_8", "PSK-AES128-CCM8"),
    0xC0A9: ("TLS_PSK_WITH_AES_256_CCM_8", "PSK-AES256-CCM8"),
    0xC0AA: ("TLS_PSK_DHE_WITH_AES_128_CCM_8", "DHE-PSK-AES128-CCM8"),
    0xC0AB: ("TLS_PSK_DHE_WITH_AES_256_CCM_8", "DHE-PSK-AES256-CCM8"),
    0xC0AC: ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "ECDHE-ECDSA-AES128-CCM"),
    0xC0AD: ("TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "ECDHE-ECDSA-AES256-CCM"),
    0xC0AE: ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "ECDHE-ECDSA-AES128-CCM8"),
    0xC0AF: ("TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", "ECDHE-ECDSA-AES256-CCM8"),
    0xCCA8: ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"),
    0xCCA9: ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"),
    0xCCAA: ("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305"),
    0xCCAB: ("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "PSK-CHACHA20-POLY1305"),
    0xCCAC: ("TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-PSK-CHACHA20-POLY1305"),
    0xCCAD: ("TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "DHE-PSK-CHACHA20-POLY1305"),
    0xCCAE: ("TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256", "RSA-PSK-CHACHA20-POLY1305"),
}

# RFC 8446 §4.2.7, RFC 8422 §5.1.1, RFC 7919 §2, RFC 8734.
NAMED_GROUPS: Final[dict[int, str]] = {
    1: "sect163k1",
    2: "sect163r1",
    3: "sect163r2",
    4: "sect193r1",
    5: "sect193r2",
    6: "sect233k1",
    7: "sect233r1",
    8: "sect239k1",
    9: "sect283k1",
    10: "sect283r1",
    11: "sect409k1",
    12: "sect409r1",
    13: "sect571k1",
    14: "sect571r1",
    15: "secp160k1",
    16: "secp160r1",
    17: "secp160r2",
    18: "secp192k1",
    19: "secp192r1",
    20: "secp224k1",
    21: "secp224r1",
    22: "secp256k1",
    23: "secp256r1",
    24: "secp384r1",
    25: "secp521r1",
    26: "brainpoolP256r1",
    27: "brainpoolP384r1",
    28: "brainpoolP512r1",
    29: "x25519",
    30: "x448",
    31: "brainpoolP256r1tls13",
    32: "brainpoolP384r1tls13",
    33: "brainpoolP512r1tls13",
    34: "GC256A",
    35: "GC256B",
    36: "GC256C",
    37: "GC256D",
    38: "GC512A",
    39: "GC512B",
    40: "GC512C",
    41: "curveSM2",
    256: "ffdhe2048",
    257: "ffdhe3072",
    258: "ffdhe4096",
    259: "ffdhe6144",
    260: "ffdhe8192",
    0x11EB: "SecP256r1MLKEM768",
    0x11EC: "X25519MLKEM768",
    0x11ED: "SecP384r1MLKEM1024",
    0x6399: "X25519Kyber768Draft00",
    0xFF01: "arbitrary_explicit_prime_curves",
    0xFF02: "arbitrary_explicit_char2_curves",
}

# RFC 8446 §4.2.3, RFC 8734, RFC 8998; the legacy (hash, signature) pairs of
# RFC 5246 §7.4.1.4.1 are named as the registry names them.
SIGNATURE_SCHEMES: Final[dict[int, str]] = {
    0x0201: "rsa_pkcs1_sha1",
    0x0202: "dsa_sha1_RESERVED",
    0x0203: "ecdsa_sha1",
    0x0301: "rsa_pkcs1_sha224_RESERVED",
    0x0302: "dsa_sha224_RESERVED",
    0x0303: "ecdsa_sha224_RESERVED",
    0x0401: "rsa_pkcs1_sha256",
    0x0402: "dsa_sha256_RESERVED",
    0x0403: "ecdsa_secp256r1_sha256",
    0x0420: "rsa_pkcs1_sha256_legacy",
    0x0501: "rsa_pkcs1_sha384",
    0x0502: "dsa_sha384_RESERVED",
    0x0503: "ecdsa_secp384r1_sha384",
    0x0520: "rsa_pkcs1_sha384_legacy",
    0x0601: "rsa_pkcs1_sha512",
    0x0602: "dsa_sha512_RESERVED",
    0x0603: "ecdsa_secp521r1_sha512",
    0x0620: "rsa_pkcs1_sha512_legacy",
    0x0704: "eccsi_sha256",
    0x0705: "iso_ibs1",
    0x0706: "iso_ibs2",
    0x0707: "iso_chinese_ibs",
    0x0708: "sm2sig_sm3",
    0x0709: "gostr34102012_256a",
    0x070A: "gostr34102012_256b",
    0x070B: "gostr34102012_256c",
    0x070C: "gostr34102012_256d",
    0x070D: "gostr34102012_512a",
    0x070E: "gostr34102012_512b",
    0x070F: "gostr34102012_512c",
    0x0804: "rsa_pss_rsae_sha256",
    0x0805: "rsa_pss_rsae_sha384",
    0x0806: "rsa_pss_rsae_sha512",
    0x0807: "ed25519",
    0x0808: "ed448",
    0x0809: "rsa_pss_pss_sha256",
    0x080A: "rsa_pss_pss_sha384",
    0x080B: "rsa_pss_pss_sha512",
    0x081A: "ecdsa_brainpoolP256r1tls13_sha256",
    0x081B: "ecdsa_brainpoolP384r1tls13_sha384",
    0x081C: "ecdsa_brainpoolP512r1tls13_sha512",
    0x0904: "mldsa44",
    0x0905: "mldsa65",
    0x0906: "mldsa87",
}

# IANA TLS ExtensionType Values (RFC 8446 §4.2 and the RFCs each row cites).
EXTENSION_TYPES: Final[dict[int, str]] = {
    0: "server_name",
    1: "max_fragment_length",
    2: "client_certificate_url",
    3: "trusted_ca_keys",
    4: "truncated_hmac",
    5: "status_request",
    6: "user_mapping",
    7: "client_authz",
    8: "server_authz",
    9: "cert_type",
    10: "supported_groups",
    11: "ec_point_formats",
    12: "srp",
    13: "signature_algorithms",
    14: "use_srtp",
    15: "heartbeat",
    16: "application_layer_protocol_negotiation",
    17: "status_request_v2",
    18: "signed_certificate_timestamp",
    19: "client_certificate_type",
    20: "server_certificate_type",
    21: "padding",
    22: "encrypt_then_mac",
    23: "extended_master_secret",
    24: "token_binding",
    25: "cached_info",
    26: "tls_lts",
    27: "compress_certificate",
    28: "record_size_limit",
    29: "pwd_protect",
    30: "pwd_clear",
    31: "password_salt",
    32: "ticket_pinning",
    33: "tls_cert_with_extern_psk",
    34: "delegated_credential",
    35: "session_ticket",
    36: "TLMSP",
    37: "TLMSP_proxying",
    38: "TLMSP_delegate",
    39: "supported_ekt_ciphers",
    41: "pre_shared_key",
    42: "early_data",
    43: "supported_versions",
    44: "cookie",
    45: "psk_key_exchange_modes",
    47: "certificate_authorities",
    48: "oid_filters",
    49: "post_handshake_auth",
    50: "signature_algorithms_cert",
    51: "key_share",
    52: "transparency_info",
    53: "connection_id_deprecated",
    54: "connection_id",
    55: "external_id_hash",
    56: "external_session_id",
    57: "quic_transport_parameters",
    58: "ticket_request",
    59: "dnssec_chain",
    60: "sequence_number_encryption_algorithms",
    61: "rrc",
    0x3374: "next_protocol_negotiation",  # draft-agl-tls-nextprotoneg, not IANA
    0x4469: "application_settings",  # draft-vvv-tls-alps
    0xFD00: "ech_outer_extensions",
    0xFE0D: "encrypted_client_hello",
    0xFF01: "renegotiation_info",
}

# RFC 8446 §4.2.9.
PSK_KEY_EXCHANGE_MODES: Final[dict[int, str]] = {0: "psk_ke", 1: "psk_dhe_ke"}

# RFC 8422 §5.1.2.
EC_POINT_FORMATS: Final[dict[int, str]] = {
    0: "uncompressed",
    1: "ansiX962_compressed_prime",
    2: "ansiX962_compressed_char2",
}

# RFC 8879 §3.
CERTIFICATE_COMPRESSION_ALGORITHMS: Final[dict[int, str]] = {1: "zlib", 2: "brotli", 3: "zstd"}

# RFC 6066 §3 and §8, RFC 6961.
SERVER_NAME_TYPES: Final[dict[int, str]] = {0: "host_name"}
CERTIFICATE_STATUS_TYPES: Final[dict[int, str]] = {1: "ocsp", 2: "ocsp_multi"}

# RFC 8422 §5.4.
EC_CURVE_TYPES: Final[dict[int, str]] = {1: "explicit_prime", 2: "explicit_char2", 3: "named_curve"}

# RFC 5246 §7.4.4 (and RFC 8422 §5.5 for the ECDSA ones).
CLIENT_CERTIFICATE_TYPES: Final[dict[int, str]] = {
    1: "rsa_sign",
    2: "dss_sign",
    3: "rsa_fixed_dh",
    4: "dss_fixed_dh",
    5: "rsa_ephemeral_dh_RESERVED",
    6: "dss_ephemeral_dh_RESERVED",
    20: "fortezza_dms_RESERVED",
    64: "ecdsa_sign",
    65: "rsa_fixed_ecdh",
    66: "ecdsa_fixed_ecdh",
}

# RFC 5246 §7.4.1.1.
COMPRESSION_METHODS: Final[dict[int, str]] = {0: "null", 1: "DEFLATE"}

# RFC 8446 §4.6.3.
KEY_UPDATE_REQUESTS: Final[dict[int, str]] = {0: "update_not_requested", 1: "update_requested"}

# RFC 5246 §7.1.
CHANGE_CIPHER_SPEC_TYPES: Final[dict[int, str]] = {1: "change_cipher_spec"}


def _lookup(table: dict[int, str], value: int, width: int, grease: bool = True) -> str:
    name = table.get(value)
    if name is not None:
        return name
    if grease and width == 2 and value in GREASE_VALUES:
        return GREASE
    return unknown(value, width)


def cipher_suite_name(value: int) -> str:
    """IANA name: ``TLS_AES_128_GCM_SHA256``; ``GREASE``; ``unknown (0x....)``."""
    entry = CIPHER_SUITES.get(value)
    if entry is not None:
        return entry[0]
    return GREASE if value in GREASE_VALUES else unknown(value, 2)


def cipher_suite_openssl_name(value: int) -> str | None:
    """OpenSSL's name (``ECDHE-RSA-AES128-GCM-SHA256``) when it differs from IANA's."""
    entry = CIPHER_SUITES.get(value)
    return entry[1] if entry is not None else None


def cipher_suite_label(value: int) -> str:
    """What users see: the IANA name, with OpenSSL's name beside it when different."""
    other = cipher_suite_openssl_name(value)
    name = cipher_suite_name(value)
    return f"{name} ({other})" if other else name


def cipher_suite_by_openssl_name(name: str) -> int | None:
    """The number OpenSSL's (or IANA's) name stands for; None if not in the table."""
    for value, (iana, openssl) in CIPHER_SUITES.items():
        if name in (iana, openssl):
            return value
    return None


def group_name(value: int) -> str:
    return _lookup(NAMED_GROUPS, value, 2)


def signature_scheme_name(value: int) -> str:
    return _lookup(SIGNATURE_SCHEMES, value, 2)


def extension_name(value: int) -> str:
    return _lookup(EXTENSION_TYPES, value, 2)


def version_label(value: int) -> str:
    """``TLS 1.3`` for 0x0304, ``GREASE`` for RFC 8701 values, else ``unknown``."""
    return _lookup(VERSION_NAMES, value, 2)


def psk_mode_name(value: int) -> str:
    name = PSK_KEY_EXCHANGE_MODES.get(value)
    if name is not None:
        return name
    return GREASE if value in GREASE_PSK_MODES else unknown(value, 1)


def table_name(table: dict[int, str], value: int, width: int = 1) -> str:
    """Any other small table: its name, or ``unknown (0x..)``."""
    return _lookup(table, value, width, grease=False)
