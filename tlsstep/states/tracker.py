"""Both sides' states, followed from a session's entries.

Theory of operation
-------------------
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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Protocol

from tlsstep.decode import MessageView, RecordView
from tlsstep.events import Event, Result, Side
from tlsstep.pair import Pair
from tlsstep.states.machine import Input, Machine, Move
from tlsstep.states.table import CCS, EMPTY, INFERRED, PSK, Direction, State, Version
from tlsstep.wire.enums import ContentType, HandshakeType
from tlsstep.wire.handshake import HandshakeReassembler, negotiated_version
from tlsstep.wire.records import RecordSplitter


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
