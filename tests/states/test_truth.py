"""States are what each side's OpenSSL processed, credited to the call that did it (issue 12).

Every test drives the real pair; OpenSSL's own per-message report comes through
Python's private ``SSLContext._msg_callback``, which this Python must have.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import tlsstep
from tlsstep import msg_callback
from tlsstep.config import PairConfig, SideConfig
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.events import Side
from tlsstep.session import Session
from tlsstep.states.table import State
from tlsstep.states.tracker import Derivation, PythonState, Tracker, derive
from tlsstep.steps import parse_line


def test_this_python_has_the_message_callback() -> None:
    # Private, but present from Python 3.8 to 3.14; the code feature-detects it.
    assert msg_callback.AVAILABLE


def _step(session: Session, tracker: Tracker, line: str) -> list[tuple[Side, str, str]]:
    moves = tracker.follow(session.run(parse_line(line)).entries)
    return [(side, str(m.input.direction), m.input.message) for side, m in moves]


def test_tls13_server_flight_is_credited_to_server_do_handshake() -> None:
    session, tracker = Session(PairConfig()), Tracker()
    _step(session, tracker, "handshake client")
    _step(session, tracker, "deliver client")
    moves = _step(session, tracker, "handshake server")
    sent = [m for side, d, m in moves if side is Side.server and d == "sent"]
    assert sent == [
        "ServerHello", "ChangeCipherSpec", "EncryptedExtensions", "Certificate",
        "CertificateVerify", "Finished",
    ]  # fmt: skip
    assert tracker.machine(Side.server).state is State.WAIT_FLIGHT2
    # The delivery that carries the flight credits nobody: it is bytes crossing.
    assert _step(session, tracker, "deliver server") == []
    # The client received it when its own call read it, and so became CONNECTED.
    moves = _step(session, tracker, "handshake client")
    received = [m for side, d, m in moves if side is Side.client and d == "received"]
    assert received[-1] == "Finished"
    snap = tracker.snapshot(session.pair)
    assert snap[Side.client].state is State.CONNECTED
    assert snap[Side.client].derived is Derivation.openssl


@pytest.mark.parametrize("offset", [40, 60, 100])
def test_tampered_server_hello_never_leaves_the_client_connected(offset: int) -> None:
    session, tracker = Session(PairConfig()), Tracker()
    for line in ["handshake client", "deliver client", "handshake server"]:
        _step(session, tracker, line)
    _step(session, tracker, f"tamper server flip={offset}")  # inside the plaintext ServerHello
    _step(session, tracker, "deliver server")
    _step(session, tracker, "handshake client")
    snap = tracker.snapshot(session.pair)
    client = snap[Side.client]
    assert client.python is PythonState.failed
    assert client.state in (State.WAIT_SH, State.WAIT_EE)  # where OpenSSL stopped
    assert client.state is not State.CONNECTED and client.derived is Derivation.openssl
    # Nothing after the first encrypted record was processed by the client.
    assert "EncryptedExtensions" not in client.received


def test_a_rejected_certificate_is_not_processed() -> None:
    from tlsstep.cert_problems import CertProblem

    # No key log: the truth comes from the client's OpenSSL, not from decryption.
    session = Session(PairConfig(server_cert_problem=CertProblem.expired))
    session.run(parse_line("handshake"))
    client = derive(session)[Side.client]
    assert client.python is PythonState.failed
    assert client.state is State.WAIT_CERT_CR  # OpenSSL rejected the Certificate it read
    assert "Certificate" not in client.received


def test_states_json_carries_every_transition_the_text_shows() -> None:
    proc = tlsstep("handshake", "--states", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    steps: dict[str, dict] = {}
    for s in doc["step_states"]:
        steps.setdefault(s["line"], s)  # the first call of each kind
    client_moves = [
        (t["from"], t["to"]) for s in doc["step_states"] for t in s["transitions"]
        if t["side"] == "client"
    ]  # fmt: skip
    path = [client_moves[0][0]] + [to for _, to in client_moves]
    for state in ("WAIT_SH", "WAIT_EE", "WAIT_CERT_CR", "WAIT_CV", "WAIT_FINISHED", "CONNECTED"):
        assert state in path
    # The server's whole first flight, in the step that wrote it.
    server_step = steps["handshake server"]
    assert [t["message"] for t in server_step["transitions"] if t["direction"] == "sent"] == [
        "ServerHello", "ChangeCipherSpec", "EncryptedExtensions", "Certificate",
        "CertificateVerify", "Finished",
    ]  # fmt: skip
    # The final states carry each side's whole path too.
    final = doc["states"]["client"]["transitions"]
    assert [t["to"] for t in final][-1] == "CONNECTED"
    text = tlsstep("handshake", "--states").stdout
    assert "WAIT_SH → WAIT_EE → WAIT_CERT_CR → WAIT_CV → WAIT_FINISHED" in " ".join(text.split())


def test_shell_handshake_after_refused_post_handshake_auth_is_established() -> None:
    # Issue 16 item 9: the refused call before the handshake must not stick as "failed".
    script = "verify_client_post_handshake\nhandshake\nshow state\n"
    proc = tlsstep("shell", "--json", "--post-handshake-auth", input=script)
    replies = [json.loads(line) for line in proc.stdout.splitlines()]
    refused, handshake, _ = replies
    assert refused["result"] == "error"  # OpenSSL refused it: no handshake yet
    assert handshake["ok"]
    for side in ("client", "server"):
        assert handshake["states"][side]["python"] == "established"
        assert handshake["states"][side]["state"] == "CONNECTED"


def test_derived_states_say_so() -> None:
    session = Session(PairConfig(client=SideConfig(max_version="1.2")))
    session.run(parse_line("handshake"))
    snap = derive(session, use_openssl=False)
    for side in Side:
        assert snap[side].derived is not Derivation.openssl
        assert snap[side].why and "_msg_callback" in snap[side].why


def _scripted(config: PairConfig, lines: list[str], crypto: KeyLogCrypto | None = None) -> Session:
    session = Session(config, crypto=crypto)
    for line in lines:
        session.run(parse_line(line))
    return session


@pytest.mark.parametrize(
    ("config", "lines"),
    [
        (PairConfig(), ["handshake"]),
        (PairConfig(client=SideConfig(max_version="1.2")), ["handshake"]),
        (PairConfig(server=SideConfig(group="prime256v1")), ["handshake"]),  # HelloRetryRequest
        # a ServerHello tampered in flight: the client's report is not what was produced
        (
            PairConfig(),
            ["handshake client", "deliver client", "handshake server", "tamper server flip=60",
             "deliver server", "handshake client"],
        ),
        # a ClientHello the client wrote and never delivered
        (PairConfig(), ["handshake client"]),
    ],
)  # fmt: skip
def test_states_from_the_transcript_are_the_states_from_the_reports(
    config: PairConfig, lines: list[str]
) -> None:
    """derive() takes the transcript's decoded hellos and certificate (issue 14): the same
    states as decoding OpenSSL's own reports, tampered and undelivered messages included."""
    with KeyLogCrypto() as crypto:
        session = _scripted(config, lines, crypto)
        shared = derive(session)
        alone = Tracker()
        alone.follow(session.current.entries)
        assert shared == alone.snapshot(session.pair)


def test_derive_reuses_the_transcripts_decoded_messages() -> None:
    with KeyLogCrypto() as crypto:  # the Certificate decrypted
        session = _scripted(PairConfig(), ["handshake"], crypto)
        crossed = [
            mv
            for entry in session.current.entries
            for view in entry.records
            for mv in view.messages
            if mv.name in ("ClientHello", "ServerHello", "Certificate")
        ]
        tracker = Tracker(
            transcript=(
                session.current.number,
                (v for e in session.current.entries for v in e.records),
            )
        )
        tracker.follow(session.current.entries)
        kept = tracker._openssl._decoded
        assert len(crossed) == 3 and len(kept) == 3
        for mv in crossed:
            assert kept[bytes(mv.message.raw)] is mv.decoded  # the transcript's, not a copy
