"""Both sides' states, followed through a session's entries.

Theory of operation
-------------------
A side's state is what **its own OpenSSL processed**, credited to the call that
processed it. Each SSLObject call's event carries OpenSSL's own report of the messages
it read and wrote (``Event.processed``, from ``SSLContext._msg_callback``:
:mod:`tlsstep.msg_callback`), in order, decrypted. So ``server.do_handshake()`` is
credited with the whole TLS 1.3 server flight it wrote, and a client that fails on the
first encrypted record after a tampered ServerHello stays where its OpenSSL stopped.

A failed call stops the machine at the message OpenSSL rejected
(:func:`~tlsstep.states.inputs.rejected`): the last message it read, unless a record
or an alert was read after it. States then show :attr:`Derivation.openssl`.

Where Python lacks the callback (``Event.processed`` is None), the tracker *derives*
states and says so (:attr:`Derivation.messages`, :attr:`Derivation.facts`): a message
is sent when its record was delivered (decoded, and decrypted with the key log), and
received when the peer then made a call, because OpenSSL reads its incoming BIO only
inside a call; Python's ``handshake_done`` moves a side whose messages stayed
encrypted on to CONNECTED.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, Final, Protocol

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.decode import Alert, RecordView
from tlsstep.events import Event, Op, Result, Side
from tlsstep.frozen import frozen
from tlsstep.pair import Pair
from tlsstep.states.inputs import OpenSSLInputs, from_records, rejected
from tlsstep.states.machine import Input, Machine, Move
from tlsstep.states.table import Direction, State
from tlsstep.wire.enums import AlertDescription, AlertLevel, ProtocolVersion


class PythonState(StrEnum, metaclass=CheapEnumType):
    """What Python's ssl module says about a side, apart from the messages."""

    not_started = "not started"
    handshaking = "handshaking"
    established = "established"
    closing = "closing"  # unwrap() sent close_notify; the peer's has not arrived yet
    closed = "closed"
    failed = "failed"


class Derivation(StrEnum, metaclass=CheapEnumType):
    """How a protocol state was found."""

    openssl = "openssl"  # every move is a message this side's OpenSSL reported processing
    # Derived (Python without SSLContext._msg_callback):
    messages = "messages"  # from the messages decoded in the bytes that crossed
    facts = "facts"  # the messages are encrypted; Python's ssl facts moved the state on


@frozen
class SideState:
    """One side at one moment: protocol state, Python-level state, queues."""

    side: Side
    state: State
    version: ProtocolVersion | None
    derived: Derivation
    python: PythonState
    queued: int  # bytes this side wrote that are not delivered to its peer
    unread: int  # bytes delivered to this side that OpenSSL has not read yet
    sent: tuple[str, ...] = ()
    received: tuple[str, ...] = ()
    why: str | None = None  # for derived states: what was seen instead of OpenSSL's report
    problems: tuple[str, ...] = ()
    moves: tuple[Move, ...] = ()  # every transition this side took in this connection

    def as_dict(self) -> dict[str, object]:
        return {
            "side": str(self.side),
            "state": str(self.state),
            "version": self.version.label if self.version else None,
            "derived": str(self.derived),
            "python": str(self.python),
            "queued": self.queued,
            "unread": self.unread,
            "sent": list(self.sent),
            "received": list(self.received),
            "why": self.why,
            "problems": list(self.problems),
            "transitions": [move_dict(m) for m in self.moves],
        }


def states_json(snapshot: Mapping[Side, SideState]) -> dict[str, Any]:
    """Both sides' states as JSON (``--json``'s ``states``)."""
    return {str(side): state.as_dict() for side, state in snapshot.items()}


def moves_json(moves: Iterable[tuple[Side, Move]]) -> list[dict[str, Any]]:
    """The transitions one step made, side by side, as ``--states`` text shows them."""
    return [{"side": str(side), **move_dict(move)} for side, move in moves]


def move_dict(move: Move) -> dict[str, object]:
    """One transition as JSON: what moved the machine, from where to where, by which rule."""
    return {
        "direction": str(move.input.direction),
        "message": move.input.message,
        "from": str(move.source),
        "to": str(move.target),
        "section": move.transition.section if move.transition else None,
        "problem": move.problem,
    }


# A local side's SSLObject calls (a remote peer's "call" is its receive).
_CALLS: Final = frozenset(op for op in Op if op.is_call and op is not Op.receive)


class _Side:
    # A plain slotted class: a dataclass compiles its methods at import (issue 14).
    __slots__ = (
        "alert_sent",
        "called",
        "done_seen",
        "failed_seen",
        "machine",
        "reported",
        "unwrapped",
        "waiting",
    )

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.waiting: list[Input] = []  # derived: delivered, not read yet
        self.called = False
        self.unwrapped = False
        self.reported = False  # OpenSSL's own report moved this side (not derived)
        # From the event log alone (for history, where the live pair no longer tells):
        self.done_seen = False  # a call returned done: only possible once the handshake is
        self.failed_seen = False
        self.alert_sent: str | None = None  # a remote peer's fatal alert, by name: it gave up there


class EntryLike(Protocol):
    """What the tracker reads of a session entry (``tlsstep.session.Entry``)."""

    @property
    def event(self) -> Event: ...

    @property
    def records(self) -> Sequence[RecordView]: ...


def _derived_processed(waiting: list[Input], event: Event) -> list[Input]:
    """Derived states: the received messages a call got through before it returned.

    Without OpenSSL's report the error decides: a certificate verify error stops at
    the peer's Certificate; a bad record MAC or the peer's alert comes after every
    message that decoded; any other error is taken to be about the last one.
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


# RFC 8446 §6.2 / RFC 5246 §7.2: alerts that refuse the peer's Certificate message.
_CERTIFICATE_ALERTS: Final = frozenset(
    {
        AlertDescription.bad_certificate,
        AlertDescription.unsupported_certificate,
        AlertDescription.certificate_revoked,
        AlertDescription.certificate_expired,
        AlertDescription.certificate_unknown,
        AlertDescription.unknown_ca,
        AlertDescription.certificate_required,
    }
)


def _fatal_alert(records: Iterable[RecordView]) -> Alert | None:
    """The first fatal alert among ``records`` (decoded, so decrypted when it could be)."""
    for view in records:
        if view.alert is not None and view.alert.level == AlertLevel.fatal:
            return view.alert
    return None


def _processed_before(waiting: list[Input], alert: Alert) -> list[Input]:
    """A remote peer's received messages that it processed before it sent ``alert``.

    The same rule as :func:`_derived_processed` for a local call that failed, read from
    the alert instead of OpenSSL's error: a certificate alert refuses the Certificate
    (nothing after it was processed); bad_record_mac comes after every message that
    decoded; any other alert is taken to be about the last one.
    """
    names = [item.message for item in waiting]
    if alert.description in _CERTIFICATE_ALERTS and "Certificate" in names:
        return waiting[: names.index("Certificate")]
    if alert.description == AlertDescription.bad_record_mac:
        return waiting
    return waiting[:-1]


class Tracker:
    """Follows one session's entries and gives both sides' :class:`SideState`.

    Call :meth:`follow` with every entry, in order (``StepOutcome.entries``), then
    :meth:`snapshot` with the live pair for the picture after that step.

    Args:
        use_openssl: read OpenSSL's per-message report when events carry one; False
            derives every state from the decoded bytes (what a Python without
            ``SSLContext._msg_callback`` gets), for comparison and tests.
    """

    def __init__(
        self,
        *,
        use_openssl: bool = True,
        transcript: tuple[int, Iterable[RecordView]] | None = None,
    ) -> None:
        self.use_openssl = use_openssl
        # (connection, the records that crossed in it): OpenSSL's reported messages are
        # taken from the transcript's decoding where it holds them (a finished run).
        self._transcript = transcript
        self.connection = 0
        self._made: list[tuple[Side, Move]] = []  # by the current follow() call
        self._reset(1)

    def _reset(self, connection: int) -> None:
        self.connection = connection
        self._sides = {side: _Side(machine=Machine(side)) for side in Side}
        # Sides that are remote peers (``tlsstep connect``/``serve``): never called, only
        # received from, so no OpenSSL report ever credits what they send or read.
        self._remote: set[Side] = set()
        transcript = self._transcript
        self._openssl = OpenSSLInputs(
            transcript[1] if transcript is not None and transcript[0] == connection else None
        )
        self._finished_inferred: set[object] = set()

    def machine(self, side: Side) -> Machine:
        return self._sides[side].machine

    @property
    def version(self) -> ProtocolVersion | None:
        """The version either side's machine has seen chosen (the server knows first)."""
        return self.machine(Side.server).version or self.machine(Side.client).version

    def follow(self, entries: Iterable[EntryLike]) -> list[tuple[Side, Move]]:
        """Feed session entries in order; the moves they made, side by side."""
        self._made = []
        for entry in entries:
            event = entry.event
            if event.connection != self.connection:
                self._reset(event.connection)
            if event.op is Op.deliver:
                self._delivered(event.side, entry.records)
            elif event.op in _CALLS:
                self._called(event)
            elif event.op is Op.receive:
                self._received_from_remote(event.side)
        return self._made

    def _feed(self, side: Side, item: Input) -> None:
        move = self._sides[side].machine.feed(item.direction, item.message, item.tags, item.version)
        self._made.append((side, move))

    def _reports(self, event: Event) -> bool:
        return self.use_openssl and event.processed is not None

    def _delivered(self, sender: Side, records: Iterable[RecordView]) -> None:
        # OpenSSL's report credits a local side's messages to the calls that made and
        # read them; a remote peer's are derived here, from what crossed the wire.
        # The peer's inbox is kept either way: a side may turn out to be remote (its
        # first receive) after messages were delivered to it.
        remote = sender in self._remote
        feed_sender = not self._sides[sender].reported or remote
        if remote:
            self._remote_answered(sender, records)
        for item in from_records(records, self._finished_inferred, sender):
            if feed_sender:
                self._feed(sender, item)
            received = Input(
                direction=Direction.received,
                message=item.message,
                tags=item.tags,
                version=item.version,
            )
            self._sides[sender.peer].waiting.append(received)

    def _received_from_remote(self, side: Side) -> None:
        """A receive is a remote peer's "call"; what it made of the messages delivered to
        it shows in what it sends back (:meth:`_remote_answered`), so nothing moves yet."""
        self._remote.add(side)
        me = self._sides[side]
        me.called = True
        me.reported = False  # its OpenSSL is not ours: nothing it does is reported

    def _remote_answered(self, side: Side, records: Iterable[RecordView]) -> None:
        """A remote peer's bytes arrived: it processed the messages delivered to it
        before - all of them, or, when it answers with a fatal alert, those before the
        one it refused. A side that sent a fatal alert never moves on again."""
        me = self._sides[side]
        records = tuple(records)
        alert = _fatal_alert(records)
        processed = me.waiting if alert is None else _processed_before(me.waiting, alert)
        if me.alert_sent is None:
            for item in processed:
                self._feed(side, item)
        me.waiting.clear()
        if alert is not None and me.alert_sent is None:
            me.alert_sent = alert.description_name

    def _called(self, event: Event) -> None:
        me = self._sides[event.side]
        me.called = True
        if event.result is Result.error:
            me.failed_seen = True
        elif event.result in (Result.done, Result.closed) and event.op is not Op.write:
            # do_handshake/read/unwrap succeed only after the handshake completed.
            # write() is left out: OpenSSL may accept data before (TLS 1.3 early data).
            me.done_seen, me.failed_seen = True, False
        if event.op is Op.unwrap:
            me.unwrapped = True
        if self._reports(event):
            self._called_openssl(event)
            return
        # Derived: delivered messages are received now, before whatever this call
        # wrote in answer (OpenSSL reads its incoming BIO only inside a call).
        for item in _derived_processed(me.waiting, event):
            self._feed(event.side, item)
        me.waiting.clear()

    def _called_openssl(self, event: Event) -> None:
        me = self._sides[event.side]
        me.waiting.clear()  # OpenSSL's report says what this call read
        me.reported = True
        if event.side.peer not in self._remote:  # a local peer's OpenSSL reports too
            self._sides[event.side.peer].reported = True
        processed = event.processed or ()
        stop = rejected(processed) if event.result is Result.error else None
        for item in self._openssl.inputs(processed[:stop]):
            self._feed(event.side, item)

    def snapshot(self, pair: Pair) -> dict[Side, SideState]:
        """Both sides now; ``pair`` gives the Python-level facts and the queues."""
        if pair.connection != self.connection:
            self._reset(pair.connection)  # a resume made a new pair that has done nothing
        return {side: self._side_state(pair, side) for side in Side}

    def state(
        self, side: Side, *, handshake_done: bool | None = None, failed: bool | None = None
    ) -> tuple[State, Derivation, str | None]:
        """One side's protocol state, and how it was found.

        With OpenSSL's report, the machine's state is the answer. Derived states are
        moved on by Python-level facts, which default to what the events showed;
        :meth:`snapshot` passes the live pair's instead.
        """
        me = self._sides[side]
        machine = me.machine
        if me.alert_sent is not None:  # never CONNECTED after giving up (RFC 8446 §6.2)
            why = f"it sent a fatal alert ({me.alert_sent}): the handshake ended there"
            return machine.state, Derivation.messages, why
        if side in self._remote:
            # Its OpenSSL is not ours, and "the handshake is done" is only our side's
            # fact: its state is what its messages and its answers show, nothing more.
            why = "a remote peer: derived from what it sent, and what it answered"
            return machine.state, Derivation.messages, why
        if me.reported:
            return machine.state, Derivation.openssl, None
        done = me.done_seen if handshake_done is None else handshake_done
        if me.failed_seen if failed is None else failed:
            return machine.state, Derivation.messages, None
        if done and machine.state is not State.CONNECTED:
            why = (
                f"its messages after {machine.state} are encrypted; "
                "Python's ssl reports the handshake complete"
            )
            return State.CONNECTED, Derivation.facts, why
        return machine.state, Derivation.messages, None

    def _side_state(self, pair: Pair, side: Side) -> SideState:
        machine = self._sides[side].machine
        state, derived, why = self.state(
            side, handshake_done=pair.handshake_done[side], failed=pair.failed[side] is not None
        )
        if derived is not Derivation.openssl and why is None:
            why = "derived from the decoded bytes: this Python has no SSLContext._msg_callback"
        moves = tuple(machine.moves)
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
            moves=moves,
        )

    def _python(self, pair: Pair, side: Side) -> PythonState:
        me = self._sides[side]
        if pair.failed[side] is not None or me.alert_sent is not None:
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


def derive(session: object, *, use_openssl: bool = True) -> dict[Side, SideState]:
    """Both sides' states for a session's current connection, from all its entries."""
    current = session.current  # type: ignore[attr-defined]
    crossed = (view for entry in current.entries for view in entry.records)
    tracker = Tracker(use_openssl=use_openssl, transcript=(current.number, crossed))
    tracker.follow(current.entries)
    return tracker.snapshot(current.pair)
