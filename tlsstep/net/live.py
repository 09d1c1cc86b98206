"""Live views of a run with a remote peer: its records shown once they can be decrypted.

Theory of operation
-------------------
A remote peer's bytes cross (``deliver``) before the local side has read them, and
OpenSSL logs the secrets that open them only while it reads them - inside the local
side's next call. Decoded as they cross, a TLS 1.3 server flight would stay
encrypted (and the decoder, missing the handshake epoch, would lose its way).

:class:`DecryptLater` sits between the session and a live observer (``--states``,
``--step``, the JSON step states): it holds back a delivery from a remote side until
the next operation has run, then has the session decode the run again
(:meth:`~tlsstep.session.Session.redecode`) with the secrets now logged, and passes
both operations on, in order, with their decrypted records. The observer sees every
operation once and in order; the held delivery simply arrives one operation late.
"""

from __future__ import annotations

import dataclasses

from tlsstep.events import Op
from tlsstep.session import Entry, Observer, Operation, Session, StepOutcome
from tlsstep.steps import Step


def _from_remote(session: Session, done: Operation) -> bool:
    pair = session.pair
    return any(e.event.op == Op.deliver and not pair.is_local(e.event.side) for e in done.entries)


def _current(session: Session, entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
    """The same entries as the session holds them now (decoded again)."""
    wanted = {(e.event.connection, e.event.index) for e in entries}
    return tuple(e for e in session.entries if (e.event.connection, e.event.index) in wanted)


def _refreshed(session: Session, done: Operation) -> Operation:
    return dataclasses.replace(done, entries=_current(session, done.entries))


def refreshed_outcome(session: Session, outcome: StepOutcome) -> StepOutcome:
    """``outcome`` with its entries as the session holds them after a redecode."""
    return dataclasses.replace(outcome, entries=_current(session, outcome.entries))


class DecryptLater(Observer):
    """Passes every call on to ``inner``; a remote peer's delivery one operation late."""

    def __init__(self, inner: Observer) -> None:
        self.inner = inner
        self._held: Operation | None = None

    def before(self, session: Session, step: Step) -> None:
        self.inner.before(session, step)

    def operation(self, session: Session, done: Operation) -> None:
        if self._held is None and _from_remote(session, done):
            self._held = done
            return
        if self._held is not None:
            session.redecode()
            held, self._held = _refreshed(session, self._held), None
            self.inner.operation(session, held)
            done = _refreshed(session, done)
        self.inner.operation(session, done)

    def _flush(self, session: Session) -> None:
        if self._held is not None:
            session.redecode()
            held, self._held = _refreshed(session, self._held), None
            self.inner.operation(session, held)

    def step(self, session: Session, outcome: StepOutcome) -> None:
        # A step that ends on a delivery (after the handshake, when the secrets that
        # open it are logged already): nothing in this step will read it sooner.
        self._flush(session)
        self.inner.step(session, outcome)

    def finish(self, session: Session) -> None:
        self._flush(session)
        self.inner.finish(session)
