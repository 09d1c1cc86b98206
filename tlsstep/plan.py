"""The handshake plan: which steps ``tlsstep handshake`` runs, and the turns of a whole handshake.

Written as steps, not as special code, so that ``--step`` can pause between any two,
``--save`` can write them out as a scenario, and every front end sees the same
events (DESIGN.md: one vocabulary, one driver). The session's driver
(:meth:`tlsstep.session.Session.run`) executes what these generators choose; they
never call the pair themselves, they only read it to choose the next step.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Final

from tlsstep.endpoint import RemoteEndpoint
from tlsstep.events import Result, Side, Wait
from tlsstep.pair import Pair
from tlsstep.steps import (
    Deliver,
    Handshake,
    Read,
    Receive,
    Resume,
    Step,
    VerifyClientPostHandshake,
    Write,
)

# A whole handshake gives up after this many turns even if bytes keep flowing: it
# needs at most a handful, so more means two peers feeding each other junk.
MAX_HANDSHAKE_ROUNDS: Final = 64


def handshake_plan(
    *, data: bytes | None = None, resume: bool = False, post_handshake_auth: bool = False
) -> Iterator[Step]:
    """The steps of one ``tlsstep handshake`` run (the driver stops at a failed one).

    Args:
        data: application data the client sends and the server echoes back.
        resume: after the first handshake, a second one resuming its session.
        post_handshake_auth: the server asks for the client certificate afterwards.
    """
    yield Handshake()
    if post_handshake_auth:
        # OpenSSL arms the request, then sends CertificateRequest with the server's
        # next handshake call; the client answers from inside read().
        yield from (
            VerifyClientPostHandshake(),
            Handshake(side=Side.server),
            Deliver(side=Side.server),
            Read(side=Side.client),
            Deliver(side=Side.client),
            Read(side=Side.server),
            Deliver(side=Side.server),
        )
    if data is not None:
        yield from (
            Write(side=Side.client, data=data),
            Deliver(side=Side.client),
            Read(side=Side.server),
            Write(side=Side.server, data=data),
            Deliver(side=Side.server),
            Read(side=Side.client),
        )
    if resume:
        if data is None:
            # A TLS 1.3 ticket is only processed when the client reads; the read
            # wants more data, which is expected.
            yield Read(side=Side.client)
        yield from (Resume(), Handshake())


def handshake_turns(pair: Pair) -> Generator[Step, None, tuple[Wait, ...]]:
    """The single steps of a whole handshake, chosen one at a time from ``pair``.

    Lazy on purpose: each step depends on what the previous one did, so the driver
    runs a step before asking for the next. Sides take turns, client first: a side
    whose handshake is not done is called (a local side: ``handshake SIDE``) or
    received from (a remote side: ``receive SIDE``), then its queued bytes are
    delivered. A failed call ends the run once the peer has read the alert the
    failing side queued, so the log shows both ends of the failure. When every
    local side is done, what is still queued (TLS 1.3 tickets, a TLS 1.2 server's
    Finished) is delivered. A turn that neither produced nor delivered bytes is
    idle; two idle turns in a row (each side had its chance) are a stall.

    Returns (as the generator's value): who waits for what when the handshake
    stalled, else ``()``.
    """
    turn, idle = Side.client, 0
    for _ in range(MAX_HANDSHAKE_ROUNDS):
        moved = False
        if not pair.handshake_done[turn]:
            before = len(pair.queue(turn))
            yield _turn(pair, turn)
            if pair.events[-1].result is Result.error:
                yield from _after_failure(pair, turn)
                return ()
            moved = len(pair.queue(turn)) > before
        if pair.queue(turn):
            yield Deliver(side=turn)
            moved = True
        if all(pair.handshake_done[s] for s in Side if pair.is_local(s)):
            for side in Side:
                if pair.queue(side):
                    yield Deliver(side=side)
            return ()
        idle = 0 if moved else idle + 1
        if idle >= 2:
            break
        turn = turn.peer
    return waits(pair)


def _turn(pair: Pair, side: Side) -> Step:
    """A local side is called; a remote one is received from, for as long as it asks."""
    endpoint = pair.endpoints[side]
    if isinstance(endpoint, RemoteEndpoint):
        return Receive(side=side, timeout=endpoint.timeout)
    return Handshake(side=side)


def _after_failure(pair: Pair, failed: Side) -> Iterator[Step]:
    """Let the peer read the alert the failing side queued."""
    if pair.queue(failed):
        yield Deliver(side=failed)
        peer = failed.peer
        if not pair.handshake_done[peer]:
            yield _turn(pair, peer)


def waits(pair: Pair) -> tuple[Wait, ...]:
    """Who waits for what, for each side whose handshake is not done."""
    out = []
    for side in Side:
        if pair.handshake_done[side]:
            continue
        last = next((e for e in reversed(pair.events) if e.side is side and e.op.is_call), None)
        out.append(
            Wait(
                side=side,
                last=last.call if last is not None else None,
                last_result=last.result if last is not None else None,
                unread=pair.unread(side),
                queued_to_it=len(pair.queue(side.peer)),
            )
        )
    return tuple(out)
