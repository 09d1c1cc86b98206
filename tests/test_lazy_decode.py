"""What crossed is decoded when first read (issue 14), and reads as if decoded as it crossed.

Every bundled scenario is run twice in one process with one shared key log, as
``tlsstep replay`` runs them: once with an observer that reads each operation's
records as soon as they cross (what the session did before), once reading nothing
until every scenario has run (what ``replay --json`` does), the last first. Each record, message,
Finished check and decryption must come out the same. A scenario whose checks read
only results and versions decrypts nothing at all.
"""

from __future__ import annotations

from typing import Any

from tests.crypto.helpers import record_summary
from tests.helpers import ROOT, run_lines
from tlsstep.config import PairConfig
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.events import Side
from tlsstep.scenario import find_files, load, loads, run
from tlsstep.session import Observer, Operation, Session


class ReadAtOnce(Observer):
    """Reads every operation's records as soon as they crossed."""

    def operation(self, session: Session, done: Operation) -> None:
        for entry in done.entries:
            len(entry.records)


def every_scenario(*, at_once: bool) -> list[Any]:
    crypto = KeyLogCrypto()
    sessions = []
    for path in find_files([str(ROOT / "scenarios")]):
        scenario = load(path)
        session = Session(scenario.config, crypto=crypto)
        if at_once:
            session.subscribe(ReadAtOnce())
        for step in scenario.steps:
            session.run(step)
        sessions.append((path, session))
    if not at_once:  # read late, and last first: each read decodes what crossed before it
        for _, session in sessions[::-1]:
            for entry in session.entries[::-1]:
                len(entry.records)
    out = [
        (
            path,
            [
                (
                    conn.number,
                    [[record_summary(r) for r in e.records] for e in conn.entries],
                    [conn.decoder.sent_messages(side) for side in Side],
                    [[len(e.records) for e in o.entries] for o in session.outcomes],
                )
                for conn in session.connections
            ],
        )
        for path, session in sessions
    ]
    crypto.close()
    return out


def test_read_late_is_read_as_it_crossed() -> None:
    late = every_scenario(at_once=False)
    at_once = every_scenario(at_once=True)
    assert [p for p, _ in late] == [p for p, _ in at_once]
    for (path, a), (_, b) in zip(late, at_once, strict=True):
        assert a == b, path
    # the comparison is about something: records were opened, Finished checked
    opened = [r for _, conns in late for c in conns for e in c[1] for r in e if r["opened"]]
    assert len(opened) > 100
    assert any(r["verified"] == [True] for r in opened)


def test_checks_that_read_no_record_decrypt_nothing() -> None:
    scenario = loads(
        'name = "states only"\n[[step]]\nop = "handshake"\n[step.expect]\nresult = "done"\n'
        '[step.expect.client]\nversion = "TLSv1.3"\n'
        '[[step]]\nop = "write"\nside = "client"\ndata = "hi"\n'
        '[[step]]\nop = "deliver"\nside = "client"\n'
        '[[step]]\nop = "read"\nside = "server"\n[step.expect]\ndata = "hi"\n',
        path="states-only.toml",
    )
    with KeyLogCrypto() as crypto:
        result = run(scenario, crypto=crypto)
        assert result.passed
        unprotector = crypto.unprotectors[1]
        assert unprotector.client_random is None  # not even the ClientHello was decoded
        # ... and a view that asks gets every record, decrypted
        records = [r for s in result.steps for e in s.outcome.entries for r in e.records]
        assert unprotector.client_random is not None
        assert [r.application_data for r in records if r.application_data] == [b"hi"]


def test_a_message_check_decodes_up_to_its_step() -> None:
    with KeyLogCrypto() as crypto:
        session = Session(PairConfig(), crypto=crypto)
        run_lines(session, "handshake", "write client hello", "deliver client")
        assert session.sent_messages(Side.client) == ["ClientHello", "Finished"]
        # the delivery's records, decoded by that read, hold the application data
        last = session.current.entries[-1].records
        assert [r.application_data for r in last] == [b"hello"]
