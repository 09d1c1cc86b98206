"""Each side's place in the handshake: RFC 8446 Appendix A, and RFC 5246's flow for TLS 1.2.

Theory of operation
-------------------
A :class:`Machine` follows one side. Its only inputs are handshake messages that
side has *sent* or *received*, by name (``"ServerHello"``), plus
``"ChangeCipherSpec"`` (a record, not a handshake message, but it is a step of the
TLS 1.2 flow). Every allowed move is one row of :data:`TRANSITIONS`, like h11's
``_state.py``; the docs and the ladder read the same table. A message with no row is
kept as a *problem* (RFC 8446 §6.2 would answer it with unexpected_message) and the
state does not move.

Until a ServerHello says which version was chosen, a machine uses the TLS 1.3 table
(the client offers 1.3 first). When the version turns out to be TLS 1.2 it replays
what it has seen through the TLS 1.2 table, so early states get their TLS 1.2 names.

TLS 1.2 has no state machine in RFC 5246; tlsstep names the waits of its message
flow (RFC 5246 §7.3, Figures 1 and 2) in the RFC 8446 style: ``WAIT_SERVER_HELLO``,
``WAIT_SERVER_HELLO_DONE``, ``SEND_CLIENT_FLIGHT``, ... and prefixes the abbreviated
(resumed) handshake's states with ``RESUME_`` because its Finished messages go the
other way round.

:class:`Tracker` derives both sides' states from a session's entries: a message is
*sent* when the side's SSL call wrote it (decoded from the bytes it produced, when
they are plaintext) or when it crossed decrypted; it is *received* when the peer's
bytes were delivered **and** the side then made a call, because OpenSSL only reads
its incoming BIO inside a call. Most of a TLS 1.3 handshake is encrypted: without
the crypto layer's keys those messages are invisible, so the tracker also takes the
Python-level facts (``Pair.handshake_done``) and says which way each state was
derived (:class:`Derivation`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Protocol

from tlsstep.events import Event, Result, Side
from tlsstep.pair import Pair
from tlsstep.transcript import MessageView, RecordView
from tlsstep.wire.enums import ContentType, HandshakeType
from tlsstep.wire.handshake import HandshakeReassembler, negotiated_version
from tlsstep.wire.records import RecordSplitter


class Version(StrEnum):
    tls13 = "TLS 1.3"
    tls12 = "TLS 1.2"


class Direction(StrEnum):
    sent = "sent"
    received = "received"


class State(StrEnum):
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    """One row: in ``source``, having ``direction`` ``message``, the side is in ``target``."""

    version: Version
    role: Side
    source: State
    direction: Direction
    message: str
    target: State
    section: str
    when: str | None = None
    note: str | None = None


def _rows(
    version: Version,
    role: Side,
    section: str,
    spec: Iterable[tuple[str, str, str, str, str | None]],
) -> Iterator[Transition]:
    for source, direction, messages, target, when in spec:
        for message in messages.split("|"):
            yield Transition(
                version=version,
                role=role,
                source=State(source),
                direction=Direction(direction),
                message=message,
                target=State(target),
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

TRANSITIONS: Final[tuple[Transition, ...]] = (
    *_rows(Version.tls13, Side.client, "RFC 8446 Appendix A.1", _CLIENT_13),
    *_rows(Version.tls13, Side.server, "RFC 8446 Appendix A.2", _SERVER_13),
    *_rows(Version.tls12, Side.client, "RFC 5246 §7.3", _CLIENT_12),
    *_rows(Version.tls12, Side.server, "RFC 5246 §7.3", _SERVER_12),
)


@functools.cache
def transitions(version: Version, role: Side) -> tuple[Transition, ...]:
    """The rows of one machine, in table order (guarded rows before their defaults)."""
    return tuple(t for t in TRANSITIONS if t.version is version and t.role is role)


def states_of(version: Version, role: Side) -> tuple[State, ...]:
    """Every state of one machine, in the order the table first names them."""
    seen: dict[State, None] = {}
    for t in transitions(version, role):
        seen.setdefault(t.source)
        seen.setdefault(t.target)
    return tuple(seen)


# -- one side's machine -----------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Input:
    """A message a side sent or received, with tags the guards read."""

    direction: Direction
    message: str
    tags: frozenset[str] = frozenset()
    version: Version | None = None  # a ServerHello / HelloRetryRequest names the version


@dataclass(frozen=True, slots=True, kw_only=True)
class Move:
    """What one input did: the row taken, or why none was."""

    input: Input
    source: State
    target: State
    transition: Transition | None = None
    problem: str | None = None


class Machine:
    """One side's handshake state, moved only by messages (h11-style, one table)."""

    def __init__(self, role: Side, version: Version | None = None) -> None:
        self.role = role
        self.version = version
        self.state = State.START
        self.moves: list[Move] = []
        # Tags that hold for the rest of the handshake once seen (PSK from ServerHello).
        self.flags: set[str] = set()

    @property
    def table_version(self) -> Version:
        return self.version or Version.tls13

    def feed(
        self,
        direction: Direction | str,
        message: str,
        tags: Iterable[str] = (),
        version: Version | None = None,
    ) -> Move:
        """Move on one message; an input with no row leaves the state and says why."""
        item = Input(
            direction=Direction(direction), message=message, tags=frozenset(tags), version=version
        )
        if version is not None and version is not self.version:
            self._switch(version)
        move = self._step(item)
        self.moves.append(move)
        return move

    def _switch(self, version: Version) -> None:
        # The table was a guess until now: replay what was seen through the right one.
        seen = [m.input for m in self.moves]
        self.version, self.state, self.moves = version, State.START, []
        self.flags = set()
        for item in seen:
            self.moves.append(self._step(item))

    def _step(self, item: Input) -> Move:
        source = self.state
        self.flags |= item.tags & _STICKY
        if item.message == CCS and self.table_version is Version.tls13:
            # RFC 8446 Appendix D.4: a TLS 1.3 ChangeCipherSpec is only for middleboxes.
            return Move(input=item, source=source, target=source)
        for row in transitions(self.table_version, self.role):
            if (
                row.source is source
                and row.direction is item.direction
                and row.message == item.message
                and (row.when is None or row.when in item.tags or row.when in self.flags)
            ):
                self.state = row.target
                return Move(input=item, source=source, target=row.target, transition=row)
        problem = (
            f"{self.role} {item.direction} {item.message} in {source}: no such step in "
            f"{self.table_version}'s flow (a peer answers unexpected_message, RFC 8446 §6.2)"
        )
        return Move(input=item, source=source, target=source, problem=problem)

    def run(
        self, inputs: Iterable[tuple[str, str] | tuple[str, str, Iterable[str]]]
    ) -> list[State]:
        """Feed ``(direction, message[, tags])`` items; the state after each."""
        out: list[State] = []
        for item in inputs:
            tags: list[str] = list(item[2]) if len(item) == 3 else []
            version = _version_tag(tags)
            self.feed(item[0], item[1], [t for t in tags if t not in _VERSION_TAGS], version)
            out.append(self.state)
        return out


_VERSION_TAGS: Final = {"tls12": Version.tls12, "tls13": Version.tls13}


def _version_tag(tags: Iterable[str]) -> Version | None:
    for tag in tags:
        if tag in _VERSION_TAGS:
            return _VERSION_TAGS[tag]
    return None


# -- the Python-level picture -------------------------------------------------------


class PythonState(StrEnum):
    """What Python's ssl module says about a side, apart from the messages."""

    not_started = "not started"
    handshaking = "handshaking"
    established = "established"
    closing = "closing"  # unwrap() sent close_notify; the peer's has not arrived yet
    closed = "closed"
    failed = "failed"


class Derivation(StrEnum):
    """How a protocol state was found."""

    messages = "messages"  # every step the machine took was a message it saw
    facts = "facts"  # the messages are encrypted; Python's ssl facts moved the state on


@dataclass(frozen=True, slots=True, kw_only=True)
class SideState:
    """One side at one moment: protocol state, Python-level state, queues."""

    side: Side
    state: State
    version: Version | None
    derived: Derivation
    python: PythonState
    queued: int  # bytes this side wrote that are not delivered to its peer
    unread: int  # bytes delivered to this side that OpenSSL has not read yet
    sent: tuple[str, ...] = ()
    received: tuple[str, ...] = ()
    why: str | None = None  # for facts: what was seen instead of the messages
    problems: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "side": str(self.side),
            "state": str(self.state),
            "version": str(self.version) if self.version else None,
            "derived": str(self.derived),
            "python": str(self.python),
            "queued": self.queued,
            "unread": self.unread,
            "sent": list(self.sent),
            "received": list(self.received),
            "why": self.why,
            "problems": list(self.problems),
        }


_CALLS: Final = frozenset(
    {"do_handshake", "read", "write", "unwrap", "verify_client_post_handshake"}
)


@dataclass(slots=True)
class _Side:
    machine: Machine
    waiting: list[Input] = field(default_factory=list)  # delivered, not read by a call yet
    sent_count: int = 0  # messages applied as sent, counted in the sender's stream order
    delivered_count: int = 0
    called: bool = False
    unwrapped: bool = False
    last_call: Event | None = None
    last_produced_protected: bool = False
    # From the event log alone (for history, where the live pair no longer tells):
    done_seen: bool = False  # a call returned done: only possible once the handshake is
    failed_seen: bool = False


class _Framer:
    """Records and message frames of what each side produced, bodies left undecoded.

    The transcript decodes every field; the machines need only names, and decoding
    each produced message a second time would cost more than the rest of the tracker.
    """

    def __init__(self) -> None:
        self._splitters = {side: RecordSplitter() for side in Side}
        self._messages = {side: HandshakeReassembler() for side in Side}
        self._protected = {side: False for side in Side}
        self.version: int | None = None

    def feed(self, sender: Side, data: bytes) -> list[RecordView]:
        out: list[RecordView] = []
        for record in self._splitters[sender].feed(data):
            kind = record.content_type
            if kind == ContentType.change_cipher_spec:
                # RFC 5246 §7.1: protection starts after it; RFC 8446 D.4: not in TLS 1.3.
                self._protected[sender] |= self.version != 0x0304
                out.append(RecordView(sender=sender, record=record, protected=False))
                continue
            protected = self._protected[sender] or kind == ContentType.application_data
            if protected or kind != ContentType.handshake:
                out.append(RecordView(sender=sender, record=record, protected=protected))
                continue
            frames = self._messages[sender].feed(record.fragment)
            for frame in frames:
                if frame.msg_type == HandshakeType.server_hello:
                    self.version = negotiated_version(frame.body)
            views = tuple(MessageView(message=frame) for frame in frames)
            out.append(RecordView(sender=sender, record=record, protected=False, messages=views))
        return out


class EntryLike(Protocol):
    """What the tracker reads of a session entry (``tlsstep.session.Entry``)."""

    @property
    def event(self) -> Event: ...

    @property
    def records(self) -> tuple[RecordView, ...]: ...


def _processed(waiting: list[Input], event: Event) -> list[Input]:
    """The received messages a call got through before it returned.

    OpenSSL does not say which message a failing call stopped at, so the error
    decides: a certificate verify error stops at the peer's Certificate; a bad
    record MAC or the peer's alert comes after every message that decoded; any
    other error is taken to be about the last message received.
    """
    error = event.error
    if event.result is not Result.error or error is None:
        return waiting
    if error.verify_code is not None:
        names = [item.message for item in waiting]
        return waiting[: names.index("Certificate")] if "Certificate" in names else waiting
    if error.alert_received or error.reason == "DECRYPTION_FAILED_OR_BAD_RECORD_MAC":
        return waiting
    return waiting[:-1]


class Tracker:
    """Follows one session's entries and gives both sides' :class:`SideState`.

    Call :meth:`follow` with every entry, in order (``StepOutcome.entries``), then
    :meth:`snapshot` with the live pair for the picture after that step.
    """

    def __init__(self) -> None:
        self.connection = 0
        self._made: list[tuple[Side, Move]] = []  # by the current follow() call
        self._reset(1)

    def _reset(self, connection: int) -> None:
        self.connection = connection
        self._sides = {side: _Side(machine=Machine(side)) for side in Side}
        # The bytes each call produced, framed on their own: a message is sent when
        # written, even if it is never delivered. No keys here, so only plaintext.
        self._produced = _Framer()
        self._finished_inferred: set[tuple[str, Side]] = set()

    def machine(self, side: Side) -> Machine:
        return self._sides[side].machine

    @property
    def version(self) -> Version | None:
        """The version either side's machine has seen chosen (the server knows first)."""
        return self.machine(Side.server).version or self.machine(Side.client).version

    def follow(self, entries: Iterable[EntryLike]) -> list[tuple[Side, Move]]:
        """Feed session entries in order; the moves they made, side by side."""
        self._made = []
        for entry in entries:
            event, records = entry.event, entry.records
            if event.connection != self.connection:
                self._reset(event.connection)
            if event.op == "deliver":
                self._delivered(event.side, records)
            elif event.op in _CALLS:
                self._called(event)
        return self._made

    def _feed(self, side: Side, item: Input) -> None:
        move = self._sides[side].machine.feed(item.direction, item.message, item.tags, item.version)
        self._made.append((side, move))

    def _delivered(self, sender: Side, records: Iterable[RecordView]) -> None:
        me = self._sides[sender]
        for item in self._inputs("wire", sender, records):
            if me.delivered_count >= me.sent_count:
                # Seen only now (decrypted on the way): it was sent when written.
                self._feed(sender, item)
                me.sent_count += 1
            me.delivered_count += 1
            received = Input(
                direction=Direction.received,
                message=item.message,
                tags=item.tags,
                version=item.version,
            )
            self._sides[sender.peer].waiting.append(received)

    def _called(self, event: Event) -> None:
        me = self._sides[event.side]
        me.called = True
        me.last_call = event
        if event.result is Result.error:
            me.failed_seen = True
        elif event.result in (Result.done, Result.closed) and event.op != "write":
            # do_handshake/read/unwrap succeed only after the handshake completed.
            # write() is left out: OpenSSL may accept data before (TLS 1.3 early data).
            me.done_seen = True
        if event.op == "unwrap":
            me.unwrapped = True
        # OpenSSL reads its incoming BIO only inside a call: delivered messages are
        # received now, before whatever this call wrote in answer. A call that failed
        # stopped somewhere inside them: see _processed.
        for item in _processed(me.waiting, event):
            self._feed(event.side, item)
        me.waiting.clear()
        views = self._produced.feed(event.side, event.produced) if event.produced else []
        me.last_produced_protected = any(v.protected for v in views) or (
            bool(event.produced) and me.last_produced_protected
        )
        for item in self._inputs("produced", event.side, views):
            self._feed(event.side, item)
            me.sent_count += 1

    def _inputs(self, stream: str, sender: Side, records: Iterable[RecordView]) -> Iterator[Input]:
        """The sender's state inputs in ``records``, as *sent*."""
        for view in records:
            if view.record.content_type == ContentType.change_cipher_spec:
                yield Input(direction=Direction.sent, message=CCS)
                continue
            if (
                view.protected
                and not view.messages
                and view.record.content_type == ContentType.handshake
                and (stream, sender) not in self._finished_inferred
            ):
                # RFC 5246 §7.4.9: in TLS 1.2 the first record protected after a
                # ChangeCipherSpec is the Finished, and its header still says handshake.
                self._finished_inferred.add((stream, sender))
                yield Input(
                    direction=Direction.sent, message="Finished", tags=frozenset({INFERRED})
                )
                continue
            for mv in view.messages:
                tags: set[str] = set()
                version: Version | None = None
                body = mv.message.body
                if mv.message.msg_type == HandshakeType.client_hello and not _offers_tls13(body):
                    version = Version.tls12  # nothing else can be chosen: name states so now
                elif mv.message.is_hello_retry_request:
                    version = Version.tls13
                elif mv.message.msg_type == HandshakeType.server_hello:
                    chosen = negotiated_version(body)
                    version = Version.tls13 if chosen == 0x0304 else Version.tls12
                    if 41 in _extension_types(body):  # pre_shared_key, RFC 8446 §4.2.11
                        tags.add(PSK)
                elif mv.message.msg_type == HandshakeType.certificate and _empty_certificate(body):
                    tags.add(EMPTY)
                yield Input(
                    direction=Direction.sent,
                    message=mv.name,
                    tags=frozenset(tags),
                    version=version,
                )

    def snapshot(self, pair: Pair) -> dict[Side, SideState]:
        """Both sides now; ``pair`` gives the Python-level facts and the queues."""
        if pair.connection != self.connection:
            self._reset(pair.connection)  # a resume made a new pair that has done nothing
        return {side: self._side_state(pair, side) for side in Side}

    def state(
        self, side: Side, *, handshake_done: bool | None = None, failed: bool | None = None
    ) -> tuple[State, Derivation, str | None]:
        """One side's protocol state: the machine's, moved on by Python-level facts.

        The facts default to what the events so far showed; :meth:`snapshot` passes
        the live pair's instead.
        """
        me = self._sides[side]
        machine = me.machine
        done = me.done_seen if handshake_done is None else handshake_done
        if me.failed_seen if failed is None else failed:
            return machine.state, Derivation.messages, None
        if done and machine.state is not State.CONNECTED:
            why = (
                f"its messages after {machine.state} are encrypted; "
                "Python's ssl reports the handshake complete"
            )
            return State.CONNECTED, Derivation.facts, why
        if (
            machine.version is Version.tls13
            and side is Side.server
            and machine.state is State.NEGOTIATED
            and me.last_produced_protected
            and me.last_call is not None
            and me.last_call.result is Result.want_read
        ):
            # RFC 8446 Appendix A.2: having written its encrypted flight, the
            # server waits for the client's; do_handshake() wanting a read shows it.
            why = "it wrote its encrypted flight and do_handshake() wants a read"
            return State.WAIT_FLIGHT2, Derivation.facts, why
        return machine.state, Derivation.messages, None

    def _side_state(self, pair: Pair, side: Side) -> SideState:
        machine = self._sides[side].machine
        state, derived, why = self.state(
            side, handshake_done=pair.handshake_done[side], failed=pair.failed[side] is not None
        )
        moves = machine.moves
        return SideState(
            side=side,
            state=state,
            version=machine.version,
            derived=derived,
            python=self._python(pair, side),
            queued=len(pair.queue(side)),
            unread=pair.unread(side),
            sent=tuple(m.input.message for m in moves if m.input.direction is Direction.sent),
            received=tuple(
                m.input.message for m in moves if m.input.direction is Direction.received
            ),
            why=why,
            problems=tuple(m.problem for m in moves if m.problem),
        )

    def _python(self, pair: Pair, side: Side) -> PythonState:
        me = self._sides[side]
        if pair.failed[side] is not None:
            return PythonState.failed
        if pair.closed[side]:
            return PythonState.closed
        if me.unwrapped:
            return PythonState.closing
        if pair.handshake_done[side]:
            return PythonState.established
        if me.called:
            return PythonState.handshaking
        return PythonState.not_started


# -- small readings of hello bodies (the wire layer's decoder may replace them) ----


def _extension_types(server_hello_body: bytes) -> list[int]:
    """Extension types of a ServerHello body (RFC 8446 §4.1.3), as far as they parse."""
    body = server_hello_body
    if len(body) < 35:
        return []
    at = 35 + body[34] + 3  # legacy_session_id_echo, cipher_suite, compression
    if len(body) < at + 2:
        return []
    end = min(len(body), at + 2 + int.from_bytes(body[at : at + 2], "big"))
    types: list[int] = []
    at += 2
    while at + 4 <= end:
        types.append(int.from_bytes(body[at : at + 2], "big"))
        at += 4 + int.from_bytes(body[at + 2 : at + 4], "big")
    return types


def _offers_tls13(client_hello_body: bytes) -> bool:
    """Whether supported_versions lists TLS 1.3 (RFC 8446 §4.2.1); True if unreadable."""
    body = client_hello_body
    try:
        at = 34 + 1 + body[34]  # legacy_version, random, legacy_session_id
        at += 2 + int.from_bytes(body[at : at + 2], "big")  # cipher_suites
        at += 1 + body[at]  # legacy_compression_methods
        end = at + 2 + int.from_bytes(body[at : at + 2], "big")
        at += 2
        while at + 4 <= end:
            ext_type = int.from_bytes(body[at : at + 2], "big")
            ext_len = int.from_bytes(body[at + 2 : at + 4], "big")
            if ext_type == 43:  # supported_versions: a 1-byte length, then 2-byte versions
                versions = body[at + 5 : at + 4 + ext_len]
                return any(versions[i : i + 2] == b"\x03\x04" for i in range(0, len(versions), 2))
            at += 4 + ext_len
    except IndexError:
        return True
    return False


def _empty_certificate(body: bytes) -> bool:
    """A Certificate with no entries: TLS 1.3 has a context first (RFC 8446 §4.4.2)."""
    if len(body) == 3:  # TLS 1.2: certificate_list<0..2^24-1> (RFC 5246 §7.4.2)
        return body == b"\x00\x00\x00"
    return len(body) >= 4 and len(body) == 1 + body[0] + 3 and body[-3:] == b"\x00\x00\x00"


def derive(session: object) -> dict[Side, SideState]:
    """Both sides' states for a session's current connection, from all its entries."""
    tracker = Tracker()
    current = session.current  # type: ignore[attr-defined]
    tracker.follow(current.entries)
    return tracker.snapshot(current.pair)


# -- the table as a diagram (the docs read the same rows) -------------------------------


def mermaid(version: Version, role: Side) -> str:
    """A Mermaid ``stateDiagram-v2`` of one machine, one arrow per row (self-loops merged)."""
    lines = ["stateDiagram-v2", "    [*] --> START"]
    arrows: dict[tuple[State, State], list[str]] = {}
    for row in transitions(version, role):
        verb = "send" if row.direction is Direction.sent else "recv"
        when = f" [{row.when}]" if row.when else ""
        arrows.setdefault((row.source, row.target), []).append(f"{verb} {row.message}{when}")
    for (source, target), labels in arrows.items():
        lines.append(f"    {source} --> {target}: {' / '.join(labels)}")
    lines.append("    CONNECTED --> [*]")
    return "\n".join(lines)


DOCS_INTRO: Final = """\
# Handshake states

Generated from `tlsstep/states.py` (`TRANSITIONS`), the table the code runs on:
`python -c "from tlsstep.states import docs_markdown; print(docs_markdown(), end='')" > docs/states.md`

TLS 1.3 states are RFC 8446 Appendix A's. RFC 5246 defines no state machine for TLS 1.2;
tlsstep names the waits of its message flow (§7.3, Figures 1 and 2) in the same style, and
prefixes the abbreviated (resumed) handshake's states with `RESUME_`, because there the
server sends its Finished first. `ChangeCipherSpec` is an input in TLS 1.2 (a record, not
a handshake message); in TLS 1.3 it is ignored (Appendix D.4).

A side's state moves when it *sends* a message (its SSL call wrote it) or *receives* one
(the bytes were delivered and the side then made a call: OpenSSL reads only inside a call).
Encrypted messages move it only when decrypted; otherwise Python's facts
(`handshake_done`) show CONNECTED, marked "derived from facts".
"""


def docs_markdown() -> str:
    parts = [DOCS_INTRO]
    for version in Version:
        for role in Side:
            parts.append(f"\n## {version} {role}\n\n```mermaid\n{mermaid(version, role)}\n```\n")
    return "".join(parts)
