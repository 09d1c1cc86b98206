"""The one driver: whole handshakes, observers, halting, and a side that only receives."""

from __future__ import annotations

from tlsstep.config import PairConfig
from tlsstep.endpoint import Call, LocalEndpoint, RemoteEndpoint
from tlsstep.events import Op, Result, Side, SideFacts
from tlsstep.pair import Pair
from tlsstep.plan import handshake_plan
from tlsstep.session import Observer, Operation, Session, StepOutcome
from tlsstep.steps import Handshake, Receive, Step, step_line


class Log(Observer):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def before(self, session: Session, step: Step) -> None:
        self.seen.append(f"before {step_line(step)}")

    def operation(self, session: Session, done: Operation) -> None:
        self.seen.append(f"ran {step_line(done.step)}: {len(done.entries)} events")

    def step(self, session: Session, outcome: StepOutcome) -> None:
        self.seen.append(f"step {outcome.index}: {outcome.result}")

    def finish(self, session: Session) -> None:
        self.seen.append("finish")


def test_whole_handshake_is_single_operations_observed_one_by_one() -> None:
    session = Session(PairConfig())
    log = session.subscribe(Log())
    outcome = session.run(Handshake())
    assert outcome.result is Result.done and all(session.pair.handshake_done.values())
    assert log.seen[:4] == [
        "before handshake client",
        "ran handshake client: 1 events",
        "before deliver client",
        "ran deliver client: 1 events",
    ]
    assert log.seen[-1] == "step 0: done"
    ran = [line for line in log.seen if line.startswith("ran ")]
    assert len(ran) == len(outcome.entries)  # one event per single operation
    assert {e.step for e in outcome.entries} == {0}  # all the whole step's


def test_drive_stops_at_a_failed_step_and_tells_finish() -> None:
    session = Session(PairConfig(server_name="wrong.test"))
    log = session.subscribe(Log())
    assert session.drive(handshake_plan(data=b"hi")) is True
    assert len(session.outcomes) == 1 and session.outcomes[0].failed
    assert log.seen[-2:] == ["step 0: error", "finish"]


def test_halt_stops_before_the_next_operation() -> None:
    class Quit(Observer):
        def operation(self, session: Session, done: Operation) -> None:
            session.halt()

    session = Session(PairConfig())
    session.subscribe(Quit())
    assert session.drive(handshake_plan()) is False
    assert [e.event.call for e in session.entries] == ["client.do_handshake()"]


class HiddenPeer(RemoteEndpoint):
    """A real OpenSSL server behind the remote interface: it can only be received from.

    Stands in for a socket peer (``tlsstep serve``/``connect``): the session cannot
    call it; each receive lets the hidden server run on what it was sent.
    """

    def __init__(self, inner: LocalEndpoint) -> None:
        super().__init__(inner.side)
        self.inner = inner

    def receive(self, timeout: float) -> Call:
        call = self.inner.do_handshake()
        self.handshake_done = self.inner.handshake_done
        self.failed = self.inner.failed
        return Call(result=call.result, error=call.error, produced=call.produced)

    def take_output(self) -> bytes:
        return b""

    def accept(self, data: bytes) -> None:
        self.inner.accept(data)

    def accept_eof(self) -> None:
        self.inner.accept_eof()

    @property
    def unread(self) -> int:
        return 0  # unknown across a network

    def facts(self) -> SideFacts:
        return self.inner.facts()


def test_a_remote_side_is_received_from_not_called() -> None:
    session = Session(PairConfig())
    local = session.pair
    client, server = local.endpoints[Side.client], local.endpoints[Side.server]
    assert isinstance(server, LocalEndpoint)
    session.current.pair = Pair({Side.client: client, Side.server: HiddenPeer(server)})
    outcome = session.run(Handshake())
    assert outcome.result is Result.done, outcome
    calls = [e.event.call for e in outcome.entries if e.event.op.is_call]
    assert "server.receive(timeout=5.0)" in calls
    assert not any(c.startswith("server.do_handshake") for c in calls)
    receive = next(e for e in outcome.entries if e.event.op is Op.receive and e.event.produced)
    assert receive.event.produced[:1] == b"\x16"  # the server's flight, received
    sent = [e for e in outcome.entries if e.event.op is Op.deliver and e.event.side is Side.server]
    assert sent[0].records[0].messages[0].name == "ServerHello"  # decoded as it crossed
    assert session.facts(Side.client).version == "TLSv1.3"
    refused = session.run(Handshake(side=Side.server))
    assert refused.problem and "remote peer" in refused.problem
    again = session.run(Receive(side=Side.client))
    assert again.problem and "is local" in again.problem


def test_stalled_in_replay_text_json_and_shell() -> None:
    import json

    from tests.helpers import ROOT, tlsstep

    path = str(ROOT / "scenarios" / "half-a-client-hello.toml")
    text = tlsstep("replay", path)
    assert text.returncode == 0, text.stdout
    assert "handshake → stalled  ✓ as expected" in text.stdout
    assert "stalled: server waits for bytes from the client" in text.stdout
    doc = json.loads(tlsstep("replay", "--json", path).stdout)
    step = doc["scenarios"][0]["steps"][2]
    assert step["result"] == "stalled"
    assert [w["side"] for w in step["stalled"]] == ["client", "server"]
    assert step["stalled"][1]["last_call"] == "server.do_handshake()"
    script = "handshake client\ntamper client truncate=10\nhandshake\n"
    shell = tlsstep("shell", "--json", input=script)
    last = json.loads(shell.stdout.splitlines()[-1])
    assert (
        last["result"] == "stalled" and last["stalled"][0]["waits_for"] == "bytes from the server"
    )
