"""The handshake state tables: RFC 8446 Appendix A, and RFC 5246's flow for TLS 1.2.

Every allowed move is one row of :data:`TRANSITIONS`, like h11's ``_state.py``; the
machine (:mod:`tlsstep.states.machine`), the docs (:mod:`tlsstep.states.docs`) and the
ladder read the same table.

TLS 1.2 has no state machine in RFC 5246; tlsstep names the waits of its message
flow (RFC 5246 §7.3, Figures 1 and 2) in the RFC 8446 style: ``WAIT_SERVER_HELLO``,
``WAIT_SERVER_HELLO_DONE``, ``SEND_CLIENT_FLIGHT``, ... and prefixes the abbreviated
(resumed) handshake's states with ``RESUME_`` because its Finished messages go the
other way round.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.events import Side
from tlsstep.frozen import frozen
from tlsstep.wire.enums import ProtocolVersion


class Direction(StrEnum, metaclass=CheapEnumType):
    sent = "sent"
    received = "received"


class State(StrEnum, metaclass=CheapEnumType):
    """State names. TLS 1.3 ones as RFC 8446 Appendix A spells them."""

    START = "START"
    # RFC 8446 Appendix A.1 (client)
    WAIT_SH = "WAIT_SH"
    WAIT_EE = "WAIT_EE"
    WAIT_CERT_CR = "WAIT_CERT_CR"
    WAIT_CERT = "WAIT_CERT"
    WAIT_CV = "WAIT_CV"
    WAIT_FINISHED = "WAIT_FINISHED"
    CONNECTED = "CONNECTED"
    # RFC 8446 Appendix A.2 (server)
    RECVD_CH = "RECVD_CH"
    NEGOTIATED = "NEGOTIATED"
    WAIT_EOED = "WAIT_EOED"
    WAIT_FLIGHT2 = "WAIT_FLIGHT2"
    # TLS 1.2 (RFC 5246 §7.3), named by tlsstep
    WAIT_SERVER_HELLO = "WAIT_SERVER_HELLO"
    WAIT_SERVER_CERTIFICATE = "WAIT_SERVER_CERTIFICATE"
    WAIT_SERVER_HELLO_DONE = "WAIT_SERVER_HELLO_DONE"
    SEND_CLIENT_FLIGHT = "SEND_CLIENT_FLIGHT"
    RECVD_CLIENT_HELLO = "RECVD_CLIENT_HELLO"
    SEND_SERVER_FLIGHT = "SEND_SERVER_FLIGHT"
    WAIT_CLIENT_KEY_EXCHANGE = "WAIT_CLIENT_KEY_EXCHANGE"
    WAIT_CHANGE_CIPHER_SPEC = "WAIT_CHANGE_CIPHER_SPEC"
    SEND_FINISHED = "SEND_FINISHED"
    RESUME_WAIT_CHANGE_CIPHER_SPEC = "RESUME_WAIT_CHANGE_CIPHER_SPEC"
    RESUME_WAIT_FINISHED = "RESUME_WAIT_FINISHED"
    RESUME_SEND_FINISHED = "RESUME_SEND_FINISHED"


CCS: Final = "ChangeCipherSpec"

# Tags a message input may carry; a row with ``when`` applies only if the tag is present.
PSK: Final = "psk"  # ServerHello carries pre_shared_key: no certificates follow (§4.2.11)
EMPTY: Final = "empty"  # a Certificate with no certificates (§4.4.2.4)
INFERRED: Final = "inferred"  # name inferred from where an encrypted record sits
_STICKY: Final = frozenset({PSK})


@frozen
class Transition:
    """One row: in ``source``, having ``direction`` ``message``, the side is in ``target``."""

    version: ProtocolVersion
    role: Side
    source: State
    direction: Direction
    message: str
    target: State
    section: str
    when: str | None = None
    note: str | None = None


def _rows(
    version: ProtocolVersion,
    role: Side,
    section: str,
    spec: Iterable[tuple[str, str, str, str, str | None]],
) -> Iterator[Transition]:
    for source, direction, messages, target, when in spec:
        for message in messages.split("|"):
            yield Transition(
                version=version,
                role=role,
                source=State[source],  # the names are the values: a look-up by name
                direction=Direction[direction],
                message=message,
                target=State[target],
                section=section,
                when=when,
            )


S, R = "sent", "received"
_POST_HANDSHAKE_13: Final = "NewSessionTicket|KeyUpdate|CertificateRequest"

# RFC 8446 Appendix A.1. The RFC draws the client's own second flight (EndOfEarlyData,
# Certificate, CertificateVerify, Finished) inside the WAIT_FINISHED -> CONNECTED
# arrow; here those sends are rows from CONNECTED, since the state has moved when the
# server's Finished was read. Post-handshake messages (§4.6) stay in CONNECTED.
_CLIENT_13 = [
    ("START", S, "ClientHello", "WAIT_SH", None),
    ("WAIT_SH", R, "HelloRetryRequest", "START", None),  # §4.1.4: send a second ClientHello
    ("WAIT_SH", R, "ServerHello", "WAIT_EE", None),
    ("WAIT_EE", R, "EncryptedExtensions", "WAIT_FINISHED", PSK),
    ("WAIT_EE", R, "EncryptedExtensions", "WAIT_CERT_CR", None),
    ("WAIT_CERT_CR", R, "CertificateRequest", "WAIT_CERT", None),
    ("WAIT_CERT_CR", R, "Certificate", "WAIT_CV", None),
    ("WAIT_CERT", R, "Certificate", "WAIT_CV", None),
    ("WAIT_CV", R, "CertificateVerify", "WAIT_FINISHED", None),
    ("WAIT_FINISHED", R, "Finished", "CONNECTED", None),
    ("CONNECTED", S, "EndOfEarlyData|Certificate|CertificateVerify|Finished", "CONNECTED", None),
    ("CONNECTED", R, _POST_HANDSHAKE_13, "CONNECTED", None),
    ("CONNECTED", S, "KeyUpdate", "CONNECTED", None),
]

# RFC 8446 Appendix A.2. WAIT_FLIGHT2 leaves without a message ("No auth" /
# "Client auth"); those arrows are folded into the first message of the client's
# flight: a Certificate means client auth (through WAIT_CERT), a Finished means none.
# WAIT_EOED is entered only when 0-RTT is accepted, which Python's ssl cannot do.
_SERVER_13 = [
    ("START", R, "ClientHello", "RECVD_CH", None),
    ("RECVD_CH", S, "HelloRetryRequest", "START", None),
    ("RECVD_CH", S, "ServerHello", "NEGOTIATED", None),
    ("NEGOTIATED", S, "EncryptedExtensions|CertificateRequest|Certificate", "NEGOTIATED", None),
    ("NEGOTIATED", S, "CertificateVerify", "NEGOTIATED", None),
    ("NEGOTIATED", S, "Finished", "WAIT_FLIGHT2", None),
    ("WAIT_EOED", R, "EndOfEarlyData", "WAIT_FLIGHT2", None),
    ("WAIT_FLIGHT2", R, "Certificate", "WAIT_FINISHED", EMPTY),
    ("WAIT_FLIGHT2", R, "Certificate", "WAIT_CV", None),
    ("WAIT_FLIGHT2", R, "Finished", "CONNECTED", None),
    ("WAIT_CERT", R, "Certificate", "WAIT_FINISHED", EMPTY),
    ("WAIT_CERT", R, "Certificate", "WAIT_CV", None),
    ("WAIT_CV", R, "CertificateVerify", "WAIT_FINISHED", None),
    ("WAIT_FINISHED", R, "Finished", "CONNECTED", None),
    ("CONNECTED", S, _POST_HANDSHAKE_13, "CONNECTED", None),
    ("CONNECTED", R, "KeyUpdate|Certificate|CertificateVerify|Finished", "CONNECTED", None),
]

# RFC 5246 §7.3 Figure 1 (full) and Figure 2 (abbreviated). Optional messages
# (CertificateStatus RFC 6066 §8, ServerKeyExchange, CertificateRequest, the client's
# Certificate and CertificateVerify, NewSessionTicket RFC 5077 §3.3) are self-loops.
_CLIENT_12 = [
    ("START", S, "ClientHello", "WAIT_SERVER_HELLO", None),
    ("WAIT_SERVER_HELLO", R, "ServerHello", "WAIT_SERVER_CERTIFICATE", None),
    ("WAIT_SERVER_CERTIFICATE", R, "Certificate", "WAIT_SERVER_HELLO_DONE", None),
    ("WAIT_SERVER_CERTIFICATE", R, "ServerKeyExchange", "WAIT_SERVER_HELLO_DONE", None),
    ("WAIT_SERVER_CERTIFICATE", R, "NewSessionTicket", "RESUME_WAIT_CHANGE_CIPHER_SPEC", None),
    ("WAIT_SERVER_CERTIFICATE", R, CCS, "RESUME_WAIT_FINISHED", None),
    (
        "WAIT_SERVER_HELLO_DONE",
        R,
        "CertificateStatus|ServerKeyExchange|CertificateRequest",
        "WAIT_SERVER_HELLO_DONE",
        None,
    ),
    ("WAIT_SERVER_HELLO_DONE", R, "ServerHelloDone", "SEND_CLIENT_FLIGHT", None),
    (
        "SEND_CLIENT_FLIGHT",
        S,
        f"Certificate|ClientKeyExchange|CertificateVerify|{CCS}",
        "SEND_CLIENT_FLIGHT",
        None,
    ),
    ("SEND_CLIENT_FLIGHT", S, "Finished", "WAIT_CHANGE_CIPHER_SPEC", None),
    ("WAIT_CHANGE_CIPHER_SPEC", R, "NewSessionTicket", "WAIT_CHANGE_CIPHER_SPEC", None),
    ("WAIT_CHANGE_CIPHER_SPEC", R, CCS, "WAIT_FINISHED", None),
    ("WAIT_FINISHED", R, "Finished", "CONNECTED", None),
    ("RESUME_WAIT_CHANGE_CIPHER_SPEC", R, CCS, "RESUME_WAIT_FINISHED", None),
    ("RESUME_WAIT_FINISHED", R, "Finished", "RESUME_SEND_FINISHED", None),
    ("RESUME_SEND_FINISHED", S, CCS, "RESUME_SEND_FINISHED", None),
    ("RESUME_SEND_FINISHED", S, "Finished", "CONNECTED", None),
    ("CONNECTED", R, "HelloRequest", "CONNECTED", None),  # §7.4.1.1: renegotiation
]

_SERVER_12 = [
    ("START", R, "ClientHello", "RECVD_CLIENT_HELLO", None),
    ("RECVD_CLIENT_HELLO", S, "ServerHello", "SEND_SERVER_FLIGHT", None),
    (
        "SEND_SERVER_FLIGHT",
        S,
        "Certificate|CertificateStatus|ServerKeyExchange|CertificateRequest",
        "SEND_SERVER_FLIGHT",
        None,
    ),
    ("SEND_SERVER_FLIGHT", S, "ServerHelloDone", "WAIT_CLIENT_KEY_EXCHANGE", None),
    ("SEND_SERVER_FLIGHT", S, f"NewSessionTicket|{CCS}", "RESUME_SEND_FINISHED", None),
    ("RESUME_SEND_FINISHED", S, f"NewSessionTicket|{CCS}", "RESUME_SEND_FINISHED", None),
    ("RESUME_SEND_FINISHED", S, "Finished", "RESUME_WAIT_CHANGE_CIPHER_SPEC", None),
    ("RESUME_WAIT_CHANGE_CIPHER_SPEC", R, CCS, "RESUME_WAIT_FINISHED", None),
    ("RESUME_WAIT_FINISHED", R, "Finished", "CONNECTED", None),
    ("WAIT_CLIENT_KEY_EXCHANGE", R, "Certificate", "WAIT_CLIENT_KEY_EXCHANGE", None),
    ("WAIT_CLIENT_KEY_EXCHANGE", R, "ClientKeyExchange", "WAIT_CHANGE_CIPHER_SPEC", None),
    ("WAIT_CHANGE_CIPHER_SPEC", R, "CertificateVerify", "WAIT_CHANGE_CIPHER_SPEC", None),
    ("WAIT_CHANGE_CIPHER_SPEC", R, CCS, "WAIT_FINISHED", None),
    ("WAIT_FINISHED", R, "Finished", "SEND_FINISHED", None),
    ("SEND_FINISHED", S, f"NewSessionTicket|{CCS}", "SEND_FINISHED", None),
    ("SEND_FINISHED", S, "Finished", "CONNECTED", None),
    ("CONNECTED", S, "HelloRequest", "CONNECTED", None),
]

# The versions with a table; the machine reads any other through TLS 1.2's flow.
TABLE_VERSIONS: Final = (ProtocolVersion.tls13, ProtocolVersion.tls12)

# Each machine's rows, in table order: made when that machine is first used (a TLS 1.3
# run never reads TLS 1.2's; issue 14). TRANSITIONS, every row, is made from them.
_Spec = Sequence[tuple[str, str, str, str, str | None]]
_MACHINES: Final[dict[tuple[ProtocolVersion, Side], tuple[str, _Spec]]] = {
    (ProtocolVersion.tls13, Side.client): ("RFC 8446 Appendix A.1", _CLIENT_13),
    (ProtocolVersion.tls13, Side.server): ("RFC 8446 Appendix A.2", _SERVER_13),
    (ProtocolVersion.tls12, Side.client): ("RFC 5246 §7.3", _CLIENT_12),
    (ProtocolVersion.tls12, Side.server): ("RFC 5246 §7.3", _SERVER_12),
}


@functools.cache
def transitions(version: ProtocolVersion, role: Side) -> tuple[Transition, ...]:
    """The rows of one machine, in table order (guarded rows before their defaults)."""
    found = _MACHINES.get((version, role))
    if found is None:
        return ()
    section, spec = found
    return tuple(_rows(version, role, section, spec))


if TYPE_CHECKING:
    TRANSITIONS: tuple[Transition, ...]  # every row, the machines' in order


def __getattr__(name: str) -> object:
    """``TRANSITIONS``, made from the machines' rows when first asked for."""
    if name == "TRANSITIONS":
        rows = tuple(row for version, role in _MACHINES for row in transitions(version, role))
        globals()["TRANSITIONS"] = rows
        return rows
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def states_of(version: ProtocolVersion, role: Side) -> tuple[State, ...]:
    """Every state of one machine, in the order the table first names them."""
    seen: dict[State, None] = {}
    for t in transitions(version, role):
        seen.setdefault(t.source)
        seen.setdefault(t.target)
    return tuple(seen)
