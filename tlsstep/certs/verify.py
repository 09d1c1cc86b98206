"""Chain as verified: an independent path validation beside OpenSSL's verdict.

OpenSSL decides inside the handshake and tells Python only a verify code and message
(``SSLCertVerificationError``). Python 3.13 adds ``get_verified_chain()``; on every
version tlsstep also validates the chain as sent with ``cryptography.x509.verification``
(RFC 5280 path building with the CA/B Forum profile), using the same trust store, the
same server name and the policy of the verifying side: a client verifies a server
(serverAuth, name check), a server verifies a client (clientAuth, no name check). The
two verifiers implement different profiles, so they can disagree; that is shown, never
smoothed over.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from enum import StrEnum

from cryptography import x509
from cryptography.x509 import verification

from tlsstep.certs.chain import load_pem_bundle
from tlsstep.certs.info import CertInfo, info_of, utcnow
from tlsstep.cheap_enum import CheapEnumType
from tlsstep.events import Side, SSLErrorInfo
from tlsstep.frozen import frozen


class Policy(StrEnum, metaclass=CheapEnumType):
    server = "server"  # verifying a server's certificate (what a client does)
    client = "client"  # verifying a client's certificate (what a server does)


@frozen
class IndependentVerdict:
    """What ``cryptography``'s verifier made of a chain.

    ``ok`` is None when it could not be asked (no certificate, no trust store, no name).
    """

    policy: Policy
    ok: bool | None
    server_name: str | None = None
    chain: tuple[CertInfo, ...] = ()  # the validated path, leaf to trust anchor
    subjects: tuple[str, ...] = ()  # client policy: the SANs the verifier vouches for
    error: str | None = None  # short reason: "cert is not valid at validation time"
    detail: str | None = None  # the verifier's whole message


def _short(message: str) -> str:
    text = message.removeprefix("validation failed: ")
    text = text.split(" (encountered processing", 1)[0]
    if text.startswith("candidates exhausted"):
        # cryptography's wording for "path building found no issuer it could use".
        return f"no path to a trusted root ({text})"
    return text


def _subject(name: str) -> x509.verification.Subject:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def verify_independently(
    ders: Sequence[bytes],
    trust_pem: bytes | None,
    *,
    policy: Policy,
    server_name: str | None = None,
    now: dt.datetime | None = None,
) -> IndependentVerdict:
    """Validate ``ders`` (leaf first, as sent) against ``trust_pem`` under ``policy``."""
    now = now or utcnow()

    def refused(why: str, detail: str | None = None) -> IndependentVerdict:
        return IndependentVerdict(
            policy=policy, ok=False, server_name=server_name, error=why, detail=detail or why
        )

    def unasked(why: str) -> IndependentVerdict:
        return IndependentVerdict(policy=policy, ok=None, server_name=server_name, error=why)

    if not ders:
        return unasked("no certificate was sent")
    anchors = load_pem_bundle(trust_pem or b"")
    if not anchors:
        return unasked("no trust store to verify against")
    try:
        leaf = x509.load_der_x509_certificate(ders[0])
        intermediates = [x509.load_der_x509_certificate(d) for d in ders[1:]]
    except ValueError as exc:
        return refused(f"a certificate sent does not parse: {exc}")
    builder = verification.PolicyBuilder().store(verification.Store(anchors)).time(now)
    try:
        if policy is Policy.server:
            if not server_name:
                return unasked("no server name to check the certificate against")
            try:
                subject = _subject(server_name)
            except ValueError:
                return unasked(f"{server_name!r} is not a DNS name or IP address")
            path = builder.build_server_verifier(subject).verify(leaf, intermediates)
            subjects: tuple[str, ...] = ()
        else:
            verified = builder.build_client_verifier().verify(leaf, intermediates)
            path = verified.chain
            subjects = tuple(str(getattr(n, "value", n)) for n in (verified.subjects or ()))
    except verification.VerificationError as exc:
        return refused(_short(str(exc)), str(exc))
    return IndependentVerdict(
        policy=policy,
        ok=True,
        server_name=server_name,
        chain=tuple(info_of(c, now) for c in path),
        subjects=subjects,
    )


@frozen
class OpenSSLVerdict:
    """What the verifying side's OpenSSL said about the chain it received.

    ``ok`` None: it did not decide (verification off, or the handshake stopped first).
    """

    verifier: Side
    checked: bool  # verification was switched on for this direction
    ok: bool | None
    verify_code: int | None = None
    verify_message: str | None = None
    note: str | None = None


def openssl_verdict(
    verifier: Side, *, checked: bool, error: SSLErrorInfo | None, handshake_done: bool
) -> OpenSSLVerdict:
    """OpenSSL's verdict from the verifying side's outcome (the pair's ``failed`` value)."""
    if not checked:
        return OpenSSLVerdict(verifier=verifier, checked=False, ok=None, note="verification is off")
    if error is not None and error.verify_code is not None:
        return OpenSSLVerdict(
            verifier=verifier,
            checked=True,
            ok=False,
            verify_code=error.verify_code,
            verify_message=error.verify_message,
        )
    if error is not None:
        return OpenSSLVerdict(
            verifier=verifier,
            checked=True,
            ok=None,
            note=f"the handshake failed otherwise: {error.reason or error.message}",
        )
    if handshake_done:
        return OpenSSLVerdict(verifier=verifier, checked=True, ok=True, verify_code=0)
    return OpenSSLVerdict(
        verifier=verifier, checked=True, ok=None, note="the handshake has not got that far"
    )


def disagreement(openssl: OpenSSLVerdict, independent: IndependentVerdict) -> str | None:
    """A plain sentence when the two verifiers reach opposite verdicts, else None."""
    if openssl.ok is None or independent.ok is None or openssl.ok == independent.ok:
        return None
    if openssl.ok:
        return (
            "The two verifiers disagree: OpenSSL accepted this chain, but cryptography's "
            f"verifier rejects it ({independent.error})."
        )
    return (
        "The two verifiers disagree: OpenSSL rejected this chain "
        f"({openssl.verify_message}), but cryptography's verifier accepts it."
    )
