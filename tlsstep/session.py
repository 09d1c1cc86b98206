"""Runs steps on a pair, keeps the log, and feeds what crossed to the decoder.

The one executor (DESIGN.md): ``tlsstep handshake``, scenarios and the shell all
call :meth:`Session.run` with step values. Errors in a step (an offset outside
the queue, a side that cannot do that) become the step's outcome, not a raise.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Protocol

from tlsstep.config import PairConfig, build_contexts
from tlsstep.decode import Decoder, RecordView, Unprotector
from tlsstep.errors import TlsstepError, UsageProblem
from tlsstep.events import Event, Result, Side, SideFacts
from tlsstep.identity import Identity, default_identity
from tlsstep.pair import Pair
from tlsstep.steps import (
    Deliver,
    Eof,
    Handshake,
    Read,
    Resume,
    Step,
    Tamper,
    Unwrap,
    VerifyClientPostHandshake,
    Write,
)


class CryptoHooks(Protocol):
    """What the crypto layer gives a session: a key log file, and an unprotector per connection."""

    keylog_path: str | None

    def unprotector(self, connection: int) -> Unprotector: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One pair event, with the records it carried when bytes crossed."""

    event: Event
    records: tuple[RecordView, ...] = ()
    step: int = 0  # index of the step that caused it


@dataclass(frozen=True, slots=True, kw_only=True)
class StepOutcome:
    step: Step
    index: int
    entries: tuple[Entry, ...]
    problem: str | None = None  # the step could not be done at all (bad offset, ...)

    @property
    def result(self) -> Result | None:
        """The result of the step's last SSLObject call (deliveries aside)."""
        calls = [e.event for e in self.entries if e.event.op not in ("deliver", "tamper", "eof")]
        if not calls:
            return Result.error if self.problem else Result.done
        failed = [c for c in calls if c.result is Result.error]
        return failed[0].result if failed else calls[-1].result


@dataclass(slots=True)
class Connection:
    """One pair and its decoder; ``resume`` starts the next one."""

    number: int
    pair: Pair
    decoder: Decoder
    entries: list[Entry] = field(default_factory=list)


class Session:
    """A pair driven step by step, with everything it did."""

    def __init__(
        self,
        config: PairConfig,
        identity: Identity | None = None,
        *,
        crypto: CryptoHooks | None = None,
        contexts: tuple[ssl.SSLContext, ssl.SSLContext] | None = None,
    ) -> None:
        self.config = config
        self.identity = identity or default_identity()
        self.crypto = crypto
        # One pair of contexts for the whole session: OpenSSL resumes a session only
        # on the context that made it ("Session refers to a different SSLContext").
        # A replay passes contexts it already built for an identical configuration.
        self.contexts = contexts or build_contexts(
            config, self.identity, crypto.keylog_path if crypto else None
        )
        self.connections: list[Connection] = []
        self.outcomes: list[StepOutcome] = []
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
        client_ctx, server_ctx = self.contexts
        pair = Pair(
            client_ctx,
            server_ctx,
            server_hostname=self.config.server_name,
            session=session,
            connection=number,
        )
        unprotector = self.crypto.unprotector(number) if self.crypto else None
        self.connections.append(Connection(number=number, pair=pair, decoder=Decoder(unprotector)))

    # -- running steps --------------------------------------------------------

    def run(self, step: Step) -> StepOutcome:
        """Execute one step; return what it did."""
        index = len(self.outcomes)
        conn = self.current  # a resume starts a new one; this step's events are in this one
        start = len(conn.pair.events)
        problem: str | None = None
        try:
            self._dispatch(step)
        except TlsstepError as exc:
            problem = str(exc)
        entries = tuple(self._record(conn, e, index) for e in conn.pair.events[start:])
        outcome = StepOutcome(step=step, index=index, entries=entries, problem=problem)
        self.outcomes.append(outcome)
        return outcome

    def _record(self, conn: Connection, event: Event, step: int) -> Entry:
        records: tuple[RecordView, ...] = ()
        if event.delivered:
            records = tuple(conn.decoder.feed(event.side, event.delivered))
        entry = Entry(event=event, records=records, step=step)
        conn.entries.append(entry)
        return entry

    def _dispatch(self, step: Step) -> None:
        pair = self.pair
        match step:
            case Handshake(side=None):
                pair.run_handshake()
            case Handshake(side=side) if side is not None:
                pair.handshake(side)
            case Deliver(side=side, nbytes=nbytes, nrecords=nrecords):
                pair.deliver(side, nbytes=nbytes, nrecords=nrecords)
            case Write(side=side, data=data):
                pair.write(side, data)
            case Read(side=side, size=size):
                pair.read(side, size)
            case Unwrap(side=side):
                pair.unwrap(side)
            case VerifyClientPostHandshake():
                pair.verify_client_post_handshake()
            case Eof(side=side):
                pair.eof(side)
            case Tamper(side=side, fault=fault):
                pair.tamper(side, fault)
            case Resume():
                session = pair.session()
                if session is None:
                    raise UsageProblem(
                        "the client has no session to resume yet (TLS 1.3 tickets arrive "
                        "with the client's first read after the handshake)"
                    )
                self._new_connection(session)
            case _:
                raise UsageProblem(f"cannot run {step!r}")

    # -- facts ----------------------------------------------------------------

    def facts(self, side: Side) -> SideFacts:
        return self.pair.facts(side)

    def sent_messages(self, side: Side) -> list[str]:
        return self.current.decoder.sent_messages(side)

    def handshake_ok(self) -> bool:
        return all(self.pair.handshake_done.values())
