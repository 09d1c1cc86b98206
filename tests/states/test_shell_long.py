"""What a long shell session keeps, and that keeping it does not cost each command more."""

from __future__ import annotations

from tlsstep.config import PairConfig
from tlsstep.events import Side
from tlsstep.scenario import expect
from tlsstep.scenario.expect import Actual
from tlsstep.session import Session, StepOutcome
from tlsstep.steps import parse_line

# The client refuses a tampered ServerHello and sends an alert for it.
REFUSED = (
    "handshake client",
    "deliver client",
    "handshake server",
    "tamper server flip=40",
    "deliver server",
    "handshake client",
    "deliver client",
)


def _run(session: Session, lines: tuple[str, ...]) -> StepOutcome:
    return [session.run(parse_line(line)) for line in lines][-1]


def test_alert_index_is_kept_per_connection_when_sessions_alternate() -> None:
    # Two sessions asked in turn (two shells, a replay's scenarios) must each keep their
    # connection's index: a single shared one was rebuilt from the first entry on every
    # switch, so a long session's every step rescanned its whole history (issue 14).
    refused, clean = Session(PairConfig()), Session(PairConfig())
    last = _run(refused, REFUSED)
    assert Actual(refused, last).alerts(Side.client, sent=True) == ["bad_record_mac"]
    index = expect._index[refused.current]
    for _ in range(3):
        other = _run(clean, ("handshake",))
        assert Actual(clean, other).alerts(Side.client, sent=True) == []
        again = refused.run(parse_line("handshake server"))
        assert Actual(refused, again).alerts(Side.server, sent=False) == ["bad_record_mac"]
        assert expect._index[refused.current] is index  # the same index, scanned onwards
        assert index.scanned == len(refused.current.entries)
