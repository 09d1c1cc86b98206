"""Runs steps on a pair, keeps the log, feeds what crossed to the decoder, tells observers.

The one executor and the one driver (DESIGN.md): ``tlsstep handshake``, ``--step``,
scenarios and the shell all call :meth:`Session.run` with step values (or
:meth:`Session.drive` with a plan of them). Errors in a step (an offset outside the
queue, a side that cannot do that) become the step's outcome, not a raise.

Front ends that watch a run subscribe an :class:`Observer` (:meth:`Session.subscribe`):
``--step`` pauses in :meth:`Observer.before`, the state tracker follows
:meth:`Observer.operation`, the scenario recorder notes :meth:`Observer.step`. None
of them drives its own loop.
"""

from __future__ import annotations

import dataclasses
import ssl
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from tlsstep.config import PairConfig, build_contexts
from tlsstep.decode import Decoder, Delivered, DeliveryQueue, Unprotector
from tlsstep.errors import TlsstepError, UsageProblem
from tlsstep.events import Event, Side, SideFacts, Wait
from tlsstep.identity import Identity, default_identity
from tlsstep.outcome import Entry, Operation, StepOutcome
from tlsstep.pair import Pair
from tlsstep.steps import Handshake, Resume, Step

# The values a run makes live in tlsstep.outcome; re-exported for the session's users.
__all__ = [
    "AnObserver",
    "Connection",
    "CryptoHooks",
    "Entry",
    "Observer",
    "Operation",
    "Session",
    "StepOutcome",
]


class CryptoHooks(Protocol):
    """What the crypto layer gives a session: a key log file, and an unprotector per connection."""

    keylog_path: str | None

    def unprotector(self, connection: int) -> Unprotector: ...


class Observer:
    """Watches a session run; subclass and override what you need (each is a no-op here).

    Observers are called in the order they subscribed, after the session has
    recorded what they are told about; they may read the session but not run steps.
    """

    def before(self, session: Session, step: Step) -> None:
        """A single operation is about to run (``session.halt()`` stops the run here)."""

    def operation(self, session: Session, done: Operation) -> None:
        """A single operation ran; ``done.entries`` are its events, decoded."""

    def step(self, session: Session, outcome: StepOutcome) -> None:
        """A step (possibly a whole handshake of many operations) finished."""

    def finish(self, session: Session) -> None:
        """A plan's run (:meth:`Session.drive`) ended: done, failed or halted."""


AnObserver = TypeVar("AnObserver", bound=Observer)


class Connection:
    """One pair and its decoder; ``resume`` starts the next one.

    What crossed is decoded when first read (:class:`tlsstep.decode.DeliveryQueue`):
    an entry's ``records``, or :attr:`decoder`, which is caught up when asked for.

    Compared by identity, and weakly referable: views keep indexes of a connection's
    entries for as long as it lives (``scenario.expect``'s alerts). A plain slotted
    class: a dataclass compiles its methods at import (issue 14).
    """

    __slots__ = ("__weakref__", "entries", "number", "pair", "queue", "unread")

    def __init__(self, *, number: int, pair: Pair, queue: DeliveryQueue) -> None:
        self.number = number
        self.pair = pair
        self.queue = queue
        self.entries: list[Entry] = []
        self.unread: dict[Side, Unread] = {s: Unread() for s in Side}

    def __repr__(self) -> str:
        return f"<Connection {self.number}: {len(self.entries)} entries>"

    @property
    def decoder(self) -> Decoder:
        """The connection's decoder, with every delivery so far decoded."""
        return self.queue.decoder


class Unread:
    """The application data one side was delivered and has not read yet, record by record.

    A read that returns exactly the next record's data is logged with that record's
    bytes object instead of its own equal copy, so a bulk transfer is kept once, not
    as records and again as reads (issue 14: 16 KB reads of 16 KB records). Only
    deliveries a view has decoded already are looked at: this never decodes anything.
    Reads are counted against the stream whatever they return, so a record that could
    not be opened only ends the sharing; what a read is logged with is always equal.
    """

    __slots__ = ("_deliveries", "_records", "_skip")

    def __init__(self) -> None:
        self._deliveries: deque[Delivered] = deque()  # to this side, not looked at yet
        self._records: deque[bytes] = deque()  # their application data, not read yet
        self._skip = 0  # bytes read from the stream ahead of _records[0]'s start

    def delivered(self, records: Delivered) -> None:
        self._deliveries.append(records)

    def read(self, data: bytes) -> bytes:
        """``data``, or the record's equal bytes when it is exactly the next record's."""
        deliveries, records = self._deliveries, self._records
        while deliveries and deliveries[0].decoded:
            records.extend(d for v in deliveries.popleft() if (d := v.application_data))
        self._drop()
        if not self._skip and records and records[0] == data:
            return records.popleft()
        self._skip += len(data)
        self._drop()
        return data

    def _drop(self) -> None:
        """Forget the records read whole; ``_skip`` is then where the first one is read to."""
        records = self._records
        while records and self._skip >= len(records[0]):
            self._skip -= len(records.popleft())


# Makes connection number N's pair (resuming a client session when given): how a
# network peer joins a session (``tlsstep connect``/``serve``, tlsstep.net.sessions)
# without the session knowing sockets. It may raise TlsstepError (a failed redial).
PairFactory = Callable[[int, ssl.SSLSession | None], Pair]


class Session:
    """A pair driven step by step, with everything it did."""

    def __init__(
        self,
        config: PairConfig,
        identity: Identity | None = None,
        *,
        crypto: CryptoHooks | None = None,
        contexts: tuple[ssl.SSLContext, ssl.SSLContext] | None = None,
        pairs: PairFactory | None = None,
    ) -> None:
        self.config = config
        self.identity = identity or default_identity()
        self.crypto = crypto
        # One pair of contexts for the whole session: OpenSSL resumes a session only
        # on the context that made it ("Session refers to a different SSLContext").
        # A replay passes contexts it already built for an identical configuration.
        # With a real peer on one side (``pairs``), the factory owns its one context.
        self._pairs = pairs
        self.contexts = contexts
        if pairs is None and contexts is None:
            self.contexts = build_contexts(
                config, self.identity, crypto.keylog_path if crypto else None
            )
        self.connections: list[Connection] = []
        self.outcomes: list[StepOutcome] = []
        self.observers: list[Observer] = []
        self.halted = False
        # False: entries get no records while the run goes on, and one ``redecode()``
        # after it decodes every byte once (a run with a remote peer that nobody
        # watches live: its records open only once the local side has read them).
        self.decode_live = True
        self._new_connection(session=None)

    # -- connections ----------------------------------------------------------

    @property
    def current(self) -> Connection:
        return self.connections[-1]

    @property
    def pair(self) -> Pair:
        return self.current.pair

    @property
    def entries(self) -> list[Entry]:
        return [e for c in self.connections for e in c.entries]

    def _new_connection(self, session: ssl.SSLSession | None) -> None:
        number = len(self.connections) + 1
        if self._pairs is not None:
            pair = self._pairs(number, session)
        else:
            assert self.contexts is not None
            client_ctx, server_ctx = self.contexts
            pair = Pair.in_memory(
                client_ctx,
                server_ctx,
                server_hostname=self.config.server_name,
                session=session,
                connection=number,
            )
        unprotector = self.crypto.unprotector(number) if self.crypto else None
        queue = DeliveryQueue(Decoder(unprotector))
        conn = Connection(number=number, pair=pair, queue=queue)
        pair.same_bytes = lambda side, data: conn.unread[side].read(data)
        self.connections.append(conn)

    # -- observers --------------------------------------------------------------

    def subscribe(self, observer: AnObserver) -> AnObserver:
        """Tell ``observer`` about every operation and step from now on; returns it."""
        self.observers.append(observer)
        return observer

    def halt(self) -> None:
        """Stop the run before the next single operation (a ``q`` at a ``--step`` pause)."""
        self.halted = True

    # -- the driver --------------------------------------------------------------
    #
    # Inputs: one step. A single step is one operation on the pair; a whole
    # handshake (``Handshake()`` without a side) is the sequence of single steps
    # ``plan.handshake_turns`` chooses, one at a time, from the pair's state after
    # the previous one.
    #
    # Outputs: one StepOutcome, appended to ``outcomes`` and returned: every entry
    # the step made (a whole handshake's turns all carry its index), a ``problem``
    # if a single step could not be done (the run stops there), ``stalled`` (who
    # waits for what) if neither side could go on.
    #
    # Invariants: every pair event becomes exactly one Entry, decoded once, in
    # order, before any observer hears of it; observers hear ``before`` and
    # ``operation`` once per single operation and ``step`` once per step, in that
    # order; nothing runs after ``halt()``; OpenSSL's errors arrive as values (an
    # error is an outcome, the step still completes), only tlsstep's own refusals
    # (TlsstepError) become ``problem``.

    def run(self, step: Step) -> StepOutcome:
        """Execute one step (a whole handshake included); return what it did."""
        index = len(self.outcomes)
        conn = self.current  # a resume starts a new one; this step's events are in this one
        start = len(conn.entries)
        problem: str | None = None
        stalled: tuple[Wait, ...] = ()
        try:
            if isinstance(step, Handshake) and step.side is None:
                stalled = self._drive_turns(index)
            else:
                self._operate(step, index)
        except TlsstepError as exc:
            problem = str(exc)
        outcome = StepOutcome(
            step=step,
            index=index,
            entries=tuple(conn.entries[start:]),
            problem=problem,
            stalled=stalled,
        )
        self.outcomes.append(outcome)
        for observer in self.observers:
            observer.step(self, outcome)
        return outcome

    def drive(self, plan: Iterable[Step]) -> bool:
        """Run a plan's steps until one fails (later ones assume it worked) or a halt.

        Returns:
            False if an observer halted the run, else True.
        """
        for step in plan:
            if self.halted or self.run(step).failed:
                break
        for observer in self.observers:
            observer.finish(self)
        return not self.halted

    def _drive_turns(self, index: int) -> tuple[Wait, ...]:
        from tlsstep.plan import handshake_turns

        turns = handshake_turns(self.pair)
        while not self.halted:
            try:
                single = next(turns)
            except StopIteration as stop:
                waits: tuple[Wait, ...] = stop.value
                return waits
            self._operate(single, index)
        return ()

    def _operate(self, step: Step, index: int) -> None:
        """One single operation: dispatch it, decode its events, tell the observers."""
        for observer in self.observers:
            observer.before(self, step)
        if self.halted:
            return
        conn = self.current
        start = len(conn.pair.events)
        refused: TlsstepError | None = None
        try:
            self._dispatch(step)
        except TlsstepError as exc:
            refused = exc
        entries = tuple(self._record(conn, e, index) for e in conn.pair.events[start:])
        done = Operation(
            step=step, index=index, entries=entries, problem=str(refused) if refused else None
        )
        for observer in self.observers:
            observer.operation(self, done)
        if refused is not None:
            raise refused

    def _record(self, conn: Connection, event: Event, step: int) -> Entry:
        records = self._decode(conn, event) if self.decode_live else ()
        if isinstance(records, Delivered):
            conn.unread[event.side.peer].delivered(records)
        entry = Entry(event=event, records=records, step=step)
        conn.entries.append(entry)
        return entry

    def _decode(self, conn: Connection, event: Event) -> Delivered | tuple[()]:
        if not event.delivered:
            return ()
        records = conn.queue.add(event.side, event.delivered)
        if self._pairs is not None:
            # A network peer's records are decoded as they cross (and again by
            # redecode once the secrets are logged): what a view showed of a step
            # must not change with when it is read. In memory, a sender logs a
            # secret before it protects a record, so a later decode is the same.
            conn.queue.flush()
        return records

    def catch_up(self) -> None:
        """Decode every delivery so far (they are decoded when first read): for readers
        of the crypto layer's state, which the records' decoding builds."""
        for conn in self.connections:
            conn.queue.flush()

    def redecode(self) -> None:
        """Decode every connection again from its first byte, with every secret known now.

        A remote peer's records cross before the local side has read them, so before
        OpenSSL has logged the secrets that open them: decoded as they crossed, the
        TLS 1.3 server flight of ``tlsstep connect`` stays encrypted. Run after the run,
        this gives the views the same decrypted records as an in-memory handshake.
        """
        for conn in self.connections:
            conn.queue.flush()  # the entries already handed out keep what they held
            unprotector = self.crypto.unprotector(conn.number) if self.crypto else None
            conn.queue = DeliveryQueue(Decoder(unprotector))
            conn.entries = [
                dataclasses.replace(e, records=self._decode(conn, e.event)) for e in conn.entries
            ]

    def _dispatch(self, step: Step) -> None:
        if isinstance(step, Resume):
            self._resume()  # not an operation on this pair: it makes the next one
        else:
            step.perform(self.pair)

    def _resume(self) -> None:
        session = self.pair.session()
        if session is None:
            raise UsageProblem(
                "the client has no session to resume yet (TLS 1.3 tickets arrive "
                "with the client's first read after the handshake)"
            )
        self._new_connection(session)

    # -- facts ----------------------------------------------------------------

    def facts(self, side: Side) -> SideFacts:
        return self.pair.facts(side)

    def sent_messages(self, side: Side) -> list[str]:
        return self.current.decoder.sent_messages(side)

    def handshake_ok(self) -> bool:
        return all(self.pair.handshake_done.values())
