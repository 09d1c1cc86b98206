"""Everything the certificate layer knows about one run, per side that sent a chain.

:func:`chain_reports` joins the pieces: the chain as sent (from the Certificate message,
or the configured chain when a TLS 1.3 message could not be decrypted), OpenSSL's
verdict from the verifying side, the independent verdict, their disagreement, the plain
explanation of a failure, and Python 3.13's verified/unverified chains when present.

It reads values only (:class:`RunCerts`, gathered from a live session one layer up by
:func:`tlsstep.run_certs.run_certs`), so the certificate layer imports neither the
session, the pair nor the configuration.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from tlsstep.certs.chain import SentChain, chain_as_sent, load_pem_bundle
from tlsstep.certs.info import CertInfo, UnparsedCert, parse_certificate, utcnow
from tlsstep.certs.messages import certificate_messages
from tlsstep.certs.verify import (
    IndependentVerdict,
    OpenSSLVerdict,
    Policy,
    disagreement,
    openssl_verdict,
    verify_independently,
)
from tlsstep.certs.verify_codes import Explanation, explain_failure
from tlsstep.decode import RecordView
from tlsstep.events import Side, SSLErrorInfo
from tlsstep.frozen import frozen
from tlsstep.wire.enums import ProtocolVersion


@frozen
class ChainApis:
    """Python 3.13's ``get_verified_chain()``/``get_unverified_chain()`` on one side (DER)."""

    chains: Mapping[str, tuple[bytes, ...]]
    note: str | None = None  # why a getter is absent or failed


@frozen
class ConnectionCerts:
    """What the certificate layer reads of one connection: values, not the live pair."""

    number: int
    version: ProtocolVersion | int | None
    records: tuple[RecordView, ...]  # every record that crossed, decoded
    resumed: bool  # the client reused a session (RFC 8446 §2.2: PSK sends no certificates)
    failed: Mapping[Side, SSLErrorInfo | None]
    handshake_done: Mapping[Side, bool]
    sent_messages: Mapping[Side, tuple[str, ...]]
    chain_apis: Mapping[Side, ChainApis]


@frozen
class RunCerts:
    """What the certificate layer reads of one run."""

    server_name: str | None
    trust_pem: bytes
    configured: Mapping[Side, tuple[bytes, ...]]  # each side's configured chain (DER)
    checked: Mapping[Side, bool]  # whether this side verifies its peer's chain
    client_sends: bool  # the server asks for a certificate and the client sends one
    connections: tuple[ConnectionCerts, ...]


@frozen
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


def chain_reports(run: RunCerts, now: dt.datetime | None = None) -> tuple[ChainReport, ...]:
    """A report for each chain sent in ``run`` (or configured but unreadable, TLS 1.3)."""
    now = now or utcnow()
    out: list[ChainReport] = []
    for conn in run.connections:
        messages = certificate_messages(conn.number, conn.version, conn.records)
        tls13 = conn.version == ProtocolVersion.tls13
        for sender in (Side.server, Side.client):
            seen = [m for m in messages if m.sender is sender]
            if seen:
                last = seen[-1]
                ders, from_wire = last.certificates, True
                version = ProtocolVersion.tls13 if last.tls13 else ProtocolVersion.tls12
                source = f"{version.label} Certificate message"
                if last.problem:
                    source += f" (undecodable: {last.problem})"
            elif tls13 and _expected(run, conn, sender):
                ders, from_wire = run.configured[sender], False
                # OpenSSL may append CAs from its trust store (auto chain building);
                # only the decrypted message can show that for TLS 1.3.
                source = "configured chain; the TLS 1.3 Certificate message is encrypted"
            else:
                continue
            out.append(
                _report(run, conn, sender, ders, from_wire=from_wire, source=source, now=now)
            )
    return tuple(out)


def _expected(run: RunCerts, conn: ConnectionCerts, sender: Side) -> bool:
    """Whether ``sender`` would have sent a Certificate in ``conn`` (for TLS 1.3 guesses)."""
    if conn.resumed:
        return False  # RFC 8446 §2.2: a PSK resumption sends no certificates
    return sender is Side.server or run.client_sends


def _report(
    run: RunCerts,
    conn: ConnectionCerts,
    sender: Side,
    ders: tuple[bytes, ...],
    *,
    from_wire: bool,
    source: str,
    now: dt.datetime,
) -> ChainReport:
    verifier = sender.peer
    server_name = run.server_name
    trust, configured = run.trust_pem, run.configured[sender]
    sent = chain_as_sent(ders, source=source, trust_pem=trust, now=now)
    openssl = openssl_verdict(
        verifier,
        checked=run.checked[verifier],
        error=conn.failed[verifier],
        handshake_done=conn.handshake_done[verifier],
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
        and any(m != "ClientHello" for m in conn.sent_messages[verifier])
    ):
        # OpenSSL verifies the server's chain on receipt; a client that went on to send
        # its next flight accepted it, whatever failed later (e.g. its own certificate).
        openssl = dataclasses.replace(
            openssl, ok=True, verify_code=0, note="inferred: the client sent its next flight"
        )
    apis = conn.chain_apis[verifier]
    chains = {
        name: tuple(parse_certificate(der, now) for der in ders)
        for name, ders in apis.chains.items()
        if ders
    }
    added: tuple[CertInfo | UnparsedCert, ...] = ()
    if configured and len(ders) > len(configured) and ders[: len(configured)] == configured:
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
        chain_api_note=apis.note,
        added_by_openssl=added,
    )
