"""OpenSSL verify codes explained in one plain line, with the certificate concerned.

Python's ``SSLCertVerificationError`` carries ``verify_code`` and ``verify_message``
(X509_V_ERR_* from openssl/x509_vfy.h) but not the depth of the certificate at fault,
so the certificate is found again from the chain as sent: the first one outside its
validity period, the leaf for name and purpose problems, the last one sent for a
missing issuer.
"""

from __future__ import annotations

from typing import Final

from tlsstep.certs.chain import SentChain
from tlsstep.certs.info import CertInfo, Validity
from tlsstep.frozen import frozen

# X509_V_ERR_* names by code (openssl/x509_vfy.h, OpenSSL 3.0), the ones TLS users meet.
VERIFY_NAMES: Final[dict[int, str]] = {
    0: "X509_V_OK",
    2: "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT",
    4: "X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE",
    6: "X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
    7: "X509_V_ERR_CERT_SIGNATURE_FAILURE",
    9: "X509_V_ERR_CERT_NOT_YET_VALID",
    10: "X509_V_ERR_CERT_HAS_EXPIRED",
    13: "X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD",
    14: "X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD",
    18: "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
    19: "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN",
    20: "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    21: "X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    22: "X509_V_ERR_CERT_CHAIN_TOO_LONG",
    23: "X509_V_ERR_CERT_REVOKED",
    24: "X509_V_ERR_INVALID_CA",
    25: "X509_V_ERR_PATH_LENGTH_EXCEEDED",
    26: "X509_V_ERR_INVALID_PURPOSE",
    27: "X509_V_ERR_CERT_UNTRUSTED",
    28: "X509_V_ERR_CERT_REJECTED",
    32: "X509_V_ERR_KEYUSAGE_NO_CERTSIGN",
    34: "X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION",
    62: "X509_V_ERR_HOSTNAME_MISMATCH",
    63: "X509_V_ERR_EMAIL_MISMATCH",
    64: "X509_V_ERR_IP_ADDRESS_MISMATCH",
    66: "X509_V_ERR_EE_KEY_TOO_SMALL",
    67: "X509_V_ERR_CA_KEY_TOO_SMALL",
    68: "X509_V_ERR_CA_MD_TOO_WEAK",
    79: "X509_V_ERR_INVALID_CA",
}


def verify_name(code: int) -> str:
    return VERIFY_NAMES.get(code, f"unknown ({code})")


@frozen
class Explanation:
    """One verify failure, explained."""

    verify_code: int
    verify_message: str
    name: str  # X509_V_ERR_CERT_HAS_EXPIRED
    text: str  # one plain line
    certificate: CertInfo | None = None  # the certificate it concerns, when known
    name_asked: str | None = None  # hostname mismatch: what the client asked for
    names_in_certificate: tuple[str, ...] = ()  # ... and what the certificate holds
    missing_issuer: str | None = None  # unknown CA: the issuer not found


def _all(chain: SentChain) -> list[CertInfo]:
    certs = list(chain.parsed)
    if chain.anchor is not None and not chain.anchor_sent:
        certs.append(chain.anchor)
    return certs


def explain_failure(
    verify_code: int, verify_message: str, chain: SentChain, *, server_name: str | None = None
) -> Explanation:
    """The plain explanation of OpenSSL's ``verify_code`` for ``chain`` (the chain as sent)."""
    leaf = chain.leaf
    label = leaf.label if leaf else "the leaf"

    def make(
        text: str,
        *,
        certificate: CertInfo | None = None,
        name_asked: str | None = None,
        names_in_certificate: tuple[str, ...] = (),
        missing_issuer: str | None = None,
    ) -> Explanation:
        return Explanation(
            verify_code=verify_code,
            verify_message=verify_message,
            name=verify_name(verify_code),
            text=text,
            certificate=certificate,
            name_asked=name_asked,
            names_in_certificate=names_in_certificate,
            missing_issuer=missing_issuer,
        )

    match verify_code:
        case 10 | 9:
            state = Validity.expired if verify_code == 10 else Validity.not_yet_valid
            bad = next((c for c in _all(chain) if c.validity is state), leaf)
            if bad is None:
                text = f"A certificate in the chain is {state.value}."
            elif state is Validity.expired:
                text = (
                    f"The certificate {bad.label!r} {bad.validity_text}: its notAfter is "
                    f"{bad.not_after:%Y-%m-%d %H:%M:%S} UTC."
                )
            else:
                text = (
                    f"The certificate {bad.label!r} is {bad.validity_text}: its notBefore is "
                    f"{bad.not_before:%Y-%m-%d %H:%M:%S} UTC (or the verifier's clock is wrong)."
                )
            return make(
                text,
                certificate=bad,
            )
        case 62 | 64:
            names = leaf.subject_alt_names if leaf else ()
            shown = ", ".join(n.split(":", 1)[1] for n in names) or "no subjectAltName at all"
            text = (
                f"The client asked for {server_name!r}, but the certificate {label!r} is for: "
                f"{shown}."
            )
            return make(
                text,
                certificate=leaf,
                name_asked=server_name,
                names_in_certificate=names,
            )
        case 18:
            text = (
                f"The leaf {label!r} is self-signed and not in the verifier's trust store, "
                "so nothing vouches for it."
            )
            return make(
                text,
                certificate=leaf,
            )
        case 19:
            root = next((c for c in reversed(chain.parsed) if c.self_issued), None)
            who = root.label if root else "a self-signed CA"
            text = (
                f"The chain ends in the root {who!r}, which was sent but is not in the "
                "verifier's trust store."
            )
            return make(
                text,
                certificate=root,
                missing_issuer=root.subject if root else None,
            )
        case 2 | 20 | 21:
            last = chain.parsed[-1] if chain.parsed else None
            issuer = last.issuer if last else None
            sent_alone = len(chain.certificates) == 1 and leaf is not None and not leaf.self_issued
            hint = (
                " The leaf was sent alone: the sender probably left out its intermediate CA."
                if sent_alone
                else ""
            )
            who = last.label if last else "the last certificate"
            text = (
                f"The issuer {issuer!r} of {who!r} was not sent and is not in the verifier's "
                f"trust store.{hint}"
            )
            return make(
                text,
                certificate=last,
                missing_issuer=issuer,
            )
        case 26:
            usages = ", ".join(leaf.extended_key_usage) if leaf else ""
            text = (
                f"The certificate {label!r} is not for this role: its extendedKeyUsage is "
                f"{usages or 'empty'} (a server needs serverAuth, a client clientAuth)."
            )
            return make(
                text,
                certificate=leaf,
            )
        case 66 | 67:
            bad = leaf if verify_code == 66 else next(iter(_all(chain)[1:]), None)
            key = bad.key_text if bad else "its key"
            text = (
                f"The key of {bad.label if bad else 'a certificate'!r} ({key}) is weaker than "
                "the verifier's security level allows (SECLEVEL 2 needs RSA >= 2048 bits)."
            )
            return make(
                text,
                certificate=bad,
            )
        case 68:
            text = "A CA signed with a digest the security level forbids (MD5 or SHA-1)."
            return make(
                text,
                certificate=leaf,
            )
        case 7:
            text = "A signature in the chain does not verify with its issuer's key."
            return make(
                text,
                certificate=leaf,
            )
        case 24 | 79:
            text = "A certificate used as a CA is not a CA (basicConstraints cA is not TRUE)."
            return make(
                text,
            )
    return make(f"OpenSSL: {verify_message}.", certificate=leaf)
