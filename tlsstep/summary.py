"""The outcome of a run, as one value both renderers read (so they cannot disagree)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tlsstep.events import Side, SideFacts, SSLErrorInfo, Wait
from tlsstep.frozen import frozen
from tlsstep.session import Session
from tlsstep.subject import peercert_subject


def subject_alt_names(cert: dict[str, Any] | None) -> tuple[str, ...]:
    if not cert:
        return ()
    return tuple(f"{kind}:{value}" for kind, value in cert.get("subjectAltName", ()))


@frozen
class Failure:
    side: Side
    error: SSLErrorInfo


@frozen
class Summary:
    ok: bool
    result: str  # "done", "failed", "stalled", "incomplete"
    version: str | None
    cipher: str | None
    alpn: str | None
    server_name: str | None
    session_reused: bool
    connections: int
    client_peer_subject: str | None  # the server certificate's subject, as the client saw it
    server_peer_subject: str | None  # the client certificate's subject, if any
    peer_names: tuple[str, ...]
    failures: tuple[Failure, ...]
    problems: tuple[str, ...]  # steps that could not be done at all
    waits: tuple[Wait, ...] = ()  # a stalled handshake: who waits for what


def sni_received(session: Session) -> str | None:
    """The server name the client asked for in the current connection's first ClientHello
    (a remote client has no SSLObject to ask: this is what it sent on the wire)."""
    from tlsstep.wire.enums import HandshakeType
    from tlsstep.wire.hello import server_name_sent

    for entry in session.current.entries:
        for record in entry.records:
            if record.sender is not Side.client:
                continue
            for message in record.messages:
                if message.message.msg_type == HandshakeType.client_hello:
                    return server_name_sent(message.decoded) if message.decoded else None
    return None


def summarize(session: Session, *, facts: Mapping[Side, SideFacts] | None = None) -> Summary:
    """The run's outcome; ``facts``: both sides' facts already read (else read now)."""
    pair = session.pair
    client: SideFacts = facts[Side.client] if facts else pair.facts(Side.client)
    server: SideFacts = facts[Side.server] if facts else pair.facts(Side.server)
    failures = tuple(
        Failure(side=e.event.side, error=e.event.error)
        for e in session.entries
        if e.event.error is not None
    )
    problems = tuple(o.problem for o in session.outcomes if o.problem)
    stalled = next((o.stalled for o in reversed(session.outcomes) if o.stalled), ())
    done = all(pair.handshake_done.values())
    if failures:
        result = "failed"
    elif stalled:
        result = "stalled"
    elif not done:
        result = "incomplete"
    else:
        result = "done"
    return Summary(
        ok=result == "done" and not problems,
        result=result,
        version=client.version or server.version,
        cipher=(client.cipher or server.cipher or (None,))[0],
        # A remote client (serve) has no SSLObject: the server's view, and the SNI it sent.
        alpn=client.selected_alpn_protocol or server.selected_alpn_protocol,
        server_name=client.server_hostname or sni_received(session),
        session_reused=client.session_reused,
        connections=len(session.connections),
        client_peer_subject=peercert_subject(client.peer_certificate),
        server_peer_subject=peercert_subject(server.peer_certificate),
        peer_names=subject_alt_names(client.peer_certificate),
        failures=failures,
        problems=problems,
        waits=stalled,
    )
