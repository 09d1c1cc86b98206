"""Sent messages and alerts from OpenSSL's own reports equal decoding what crossed (issue 14).

``scenario.reported`` answers ``client_sent``/``server_sent``/``alert_*`` checks from each
side's message-callback reports where the connection shows they must equal what crossed;
elsewhere the records are decoded. Here both are asked at every step of every bundled
scenario (run as ``tlsstep replay`` runs them, one shared key log) and must agree, value
for value and in order; and on connections where they would not agree (bytes dropped,
a delivery of part of a queue) the reports are not used.
"""

from __future__ import annotations

from tests.helpers import ROOT
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.events import Side
from tlsstep.scenario import find_files, load, loads
from tlsstep.scenario.expect import _alert_index
from tlsstep.scenario.reported import Reported, _take, reported
from tlsstep.session import Connection, Session


def decoded_answers(conn: Connection) -> tuple[object, ...]:
    """What the checks read when the records are decoded (the general path)."""
    index = _alert_index(conn)
    return tuple((conn.decoder.sent_messages(s), list(index.names[s])) for s in Side)


def reported_answers(found: Reported) -> tuple[object, ...]:
    return tuple((list(found.sent[s]), list(found.alerts[s])) for s in Side)


def unguarded(conn: Connection) -> Reported:
    """The reports folded in even past what makes them differ from what crossed."""
    found = Reported()
    for entry in conn.entries:
        _take(found, entry.event)
    return found


def test_reports_equal_decoding_at_every_step_of_every_scenario() -> None:
    crypto = KeyLogCrypto()
    used = compared = 0
    scenarios_using = set()
    try:
        for path in find_files([str(ROOT / "scenarios")]):
            scenario = load(path)
            session = Session(scenario.config, crypto=crypto)
            for step in scenario.steps:
                session.run(step)
                compared += 1
                found = reported(session.current)
                if found is None:
                    continue
                used += 1
                scenarios_using.add(path)
                # reported before decoding, then decoded: the late decode reads as it crossed
                answer = reported_answers(found)
                assert answer == decoded_answers(session.current), (path, step.line)
    finally:
        crypto.close()
    # the comparison is about something: most steps and scenarios take the reports, and
    # they hold messages and alerts
    assert used > compared // 2
    assert len(scenarios_using) >= 25


def test_the_comparison_can_fail_on_a_dropped_record() -> None:
    """dropped-finished.toml drops the client's Finished: OpenSSL reports writing it, so
    the reports, taken regardless, name a message that never crossed."""
    crypto = KeyLogCrypto()
    try:
        scenario = load(str(ROOT / "scenarios" / "dropped-finished.toml"))
        session = Session(scenario.config, crypto=crypto)
        for step in scenario.steps:
            session.run(step)
        conn = session.current
        assert reported(conn) is None  # a tamper: decoded instead
        taken = reported_answers(unguarded(conn))
        decoded = decoded_answers(conn)
        assert taken != decoded
        assert taken[0][0][-1] == "Finished"  # type: ignore[index]
        assert "Finished" not in decoded[0][0]  # type: ignore[index]
    finally:
        crypto.close()


SPLIT = """
name = "part of a queue"
[[step]]
op = "handshake"
side = "client"
[[step]]
op = "deliver"
side = "client"
bytes = 10
[[step]]
op = "deliver"
side = "client"
[step.expect]
client_sent = ["ClientHello"]
"""


def test_a_delivery_of_part_of_a_queue_is_decoded() -> None:
    crypto = KeyLogCrypto()
    try:
        scenario = loads(SPLIT)
        session = Session(scenario.config, crypto=crypto)
        session.run(scenario.steps[0])
        assert reported(session.current) is not None
        assert reported(session.current).sent[Side.client] == []  # type: ignore[union-attr]
        session.run(scenario.steps[1])  # 10 bytes of the ClientHello: the rest stays queued
        assert reported(session.current) is None
        assert not session.current.entries[-1].records.decoded  # type: ignore[attr-defined]
        session.run(scenario.steps[2])
        assert decoded_answers(session.current)[0] == (["ClientHello"], [])
    finally:
        crypto.close()


def test_names_and_alerts_checks_open_no_record() -> None:
    """A run whose checks read messages and alerts only (a refused certificate) opens none."""
    crypto = KeyLogCrypto()
    try:
        scenario = load(str(ROOT / "scenarios" / "cert-server-expired.toml"))
        from tlsstep.scenario import run

        kept: list[Session] = []
        result = run(scenario, crypto=crypto, after=kept.append)
        assert result.passed
        entries = [e for c in kept[0].connections for e in c.entries]
        delivered = [e.records for e in entries if e.event.delivered]
        assert delivered
        assert not any(r.decoded for r in delivered)  # type: ignore[attr-defined]
        # where a view will decode what crossed anyway, the checks decode it (no reports)
        kept.clear()
        again = run(scenario, crypto=crypto, after=kept.append, views_decode=True)
        assert again.passed
        entries = [e for c in kept[0].connections for e in c.entries]
        assert all(e.records.decoded for e in entries if e.event.delivered)  # type: ignore[attr-defined]
    finally:
        crypto.close()
