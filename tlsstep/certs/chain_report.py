"""Everything the certificate layer knows about one run, per side that sent a chain.

:func:`chain_reports` joins the pieces: the chain as sent (from the Certificate message,
or the configured chain when a TLS 1.3 message could not be decrypted), OpenSSL's
verdict from the verifying side, the independent verdict, their disagreement, the plain
explanation of a failure, and Python 3.13's verified/unverified chains when present.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tlsstep.certs.chain import SentChain, chain_as_sent, load_pem_bundle
from tlsstep.certs.info import CertInfo, UnparsedCert, parse_certificate, utcnow
from tlsstep.certs.messages import TLS13, certificate_messages
from tlsstep.certs.verify import (
    IndependentVerdict,
    OpenSSLVerdict,
    Policy,
    disagreement,
    openssl_verdict,
    verify_independently,
)
from tlsstep.certs.verify_codes import Explanation, explain_failure
from tlsstep.config import ClientCert, resolve_identity
from tlsstep.events import Side
from tlsstep.pair import FEATURES, has_feature

if TYPE_CHECKING:
    from tlsstep.session import Connection, Session


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainReport:
    """One side's chain in one connection, and what both verifiers made of it."""

    connection: int
    sender: Side
    sent: SentChain
    from_wire: bool  # True: read from the Certificate message; False: the configured chain
    configured: tuple[bytes, ...]  # the chain this side was configured with (DER)
    openssl: OpenSSLVerdict
    independent: IndependentVerdict
    disagreement: str | None = None
    explanation: Explanation | None = None
    # Python 3.13+: the verifier's get_verified_chain()/get_unverified_chain(); None with
    # ``chain_api_note`` saying why when the API is absent.
    verified_chain: tuple[CertInfo | UnparsedCert, ...] | None = None
    unverified_chain: tuple[CertInfo | UnparsedCert, ...] | None = None
    chain_api_note: str | None = None
    # Certificates sent beyond the configured chain: OpenSSL completes a chain configured
    # as a lone leaf from the context's trust store (auto chain building; Python cannot
    # set SSL_MODE_NO_AUTO_CHAIN), so a side that also verifies its peer may send its root.
    added_by_openssl: tuple[CertInfo | UnparsedCert, ...] = ()

    @property
    def verifier(self) -> Side:
        return self.sender.peer


def pem_to_ders(pem: bytes) -> tuple[bytes, ...]:
    from cryptography.hazmat.primitives.serialization import Encoding

    return tuple(c.public_bytes(Encoding.DER) for c in load_pem_bundle(pem))


def chain_reports(session: Session, now: dt.datetime | None = None) -> tuple[ChainReport, ...]:
    """A report for each chain sent in ``session`` (or configured but unreadable, TLS 1.3)."""
    now = now or utcnow()
    config = session.config
    identity = resolve_identity(config, session.identity)
    trust = config.trust_pem or identity.trust_pem
    configured = {
        Side.server: pem_to_ders(identity.server.chain_pem),
        Side.client: pem_to_ders(identity.client.chain_pem),
    }
    requested = config.requested_client_cert
    checked = {
        Side.client: config.client.verify,  # the client verifies the server
        Side.server: config.server.verify
        and (requested is not ClientCert.none or config.server.post_handshake_auth),
    }
    messages = certificate_messages(session)
    out: list[ChainReport] = []
    for conn in session.connections:
        tls13 = conn.decoder.version == TLS13
        for sender in (Side.server, Side.client):
            seen = [m for m in messages if m.connection == conn.number and m.sender is sender]
            if seen:
                last = seen[-1]
                ders, from_wire = last.certificates, True
                source = f"TLS 1.{3 if last.tls13 else 2} Certificate message"
                if last.problem:
                    source += f" (undecodable: {last.problem})"
            elif tls13 and _expected(session, conn, sender):
                ders, from_wire = configured[sender], False
                # OpenSSL may append CAs from its trust store (auto chain building);
                # only the decrypted message can show that for TLS 1.3.
                source = "configured chain; the TLS 1.3 Certificate message is encrypted"
            else:
                continue
            out.append(
                _report(
                    session,
                    conn,
                    sender,
                    ders,
                    from_wire=from_wire,
                    source=source,
                    trust=trust,
                    configured=configured[sender],
                    checked=checked[sender.peer],
                    now=now,
                )
            )
    return tuple(out)


def _expected(session: Session, conn: Connection, sender: Side) -> bool:
    """Whether ``sender`` would have sent a Certificate in ``conn`` (for TLS 1.3 guesses)."""
    if conn.pair.objects[Side.client].session_reused:
        return False  # RFC 8446 §2.2: a PSK resumption sends no certificates
    if sender is Side.server:
        return True
    cfg = session.config
    asked = cfg.requested_client_cert is not ClientCert.none
    return asked and cfg.client.send_certificate is not False


def _report(
    session: Session,
    conn: Connection,
    sender: Side,
    ders: tuple[bytes, ...],
    *,
    from_wire: bool,
    source: str,
    trust: bytes,
    configured: tuple[bytes, ...],
    checked: bool,
    now: dt.datetime,
) -> ChainReport:
    verifier = sender.peer
    server_name = session.config.server_name
    sent = chain_as_sent(ders, source=source, trust_pem=trust, now=now)
    error = conn.pair.failed[verifier]
    openssl = openssl_verdict(
        verifier, checked=checked, error=error, handshake_done=conn.pair.handshake_done[verifier]
    )
    independent = verify_independently(
        ders,
        trust,
        policy=Policy.server if sender is Side.server else Policy.client,
        server_name=server_name if sender is Side.server else None,
        now=now,
    )
    explanation = None
    if openssl.verify_code and openssl.verify_message is not None:
        explanation = explain_failure(
            openssl.verify_code, openssl.verify_message, sent, server_name=server_name
        )
    if (
        openssl.ok is None
        and openssl.checked
        and verifier is Side.client
        and any(m != "ClientHello" for m in conn.decoder.sent_messages(verifier))
    ):
        # OpenSSL verifies the server's chain on receipt; a client that went on to send
        # its next flight accepted it, whatever failed later (e.g. its own certificate).
        openssl = dataclasses.replace(
            openssl, ok=True, verify_code=0, note="inferred: the client sent its next flight"
        )
    chains, note = _chain_apis(conn, verifier, now)
    added: tuple[CertInfo | UnparsedCert, ...] = ()
    if len(ders) > len(configured) and ders[: len(configured)] == configured:
        added = sent.certificates[len(configured) :]
    return ChainReport(
        connection=conn.number,
        sender=sender,
        sent=sent,
        from_wire=from_wire,
        configured=configured,
        openssl=openssl,
        independent=independent,
        disagreement=disagreement(openssl, independent),
        explanation=explanation,
        verified_chain=chains.get("get_verified_chain"),
        unverified_chain=chains.get("get_unverified_chain"),
        chain_api_note=note,
        added_by_openssl=added,
    )


def _chain_apis(
    conn: Connection, verifier: Side, now: dt.datetime
) -> tuple[dict[str, tuple[CertInfo | UnparsedCert, ...]], str | None]:
    """Python 3.13's chain getters on the verifying side, feature-detected.

    Asked here rather than through ``Pair.facts()`` so that a getter failing after a
    failed handshake is reported on its own and does not hide the rest of the facts.
    """
    import ssl

    out: dict[str, tuple[CertInfo | UnparsedCert, ...]] = {}
    missing: list[str] = []
    obj = conn.pair.objects[verifier]
    absent = [name for name in FEATURES if not has_feature(name)]
    if absent:
        needs = sorted({FEATURES[name] for name in absent})
        missing.append(
            f"{'/'.join(n + '()' for n in absent)} need {', '.join(needs)}; "
            f"this is Python {sys.version.split()[0]}"
        )
    for name in FEATURES:
        if name in absent:
            continue
        try:
            certs = getattr(obj, name)()
        except (ValueError, ssl.SSLError) as exc:
            missing.append(f"{name}() failed: {exc}")
            continue
        if certs:
            encoding = ssl._ssl.ENCODING_DER  # type: ignore[attr-defined]
            out[name] = tuple(parse_certificate(c.public_bytes(encoding), now) for c in certs)
    return out, "; ".join(missing) or None
