"""The state machines, fed message names (the table) and driven by real pairs (the tracker).

Sequences follow RFC 8446 Appendix A for TLS 1.3 and RFC 5246 §7.3 for TLS 1.2.
Most of a TLS 1.3 handshake is encrypted and decryption is another layer's work,
so its full sequences are fed by name; real pairs check what is visible.
"""

from __future__ import annotations

import pytest

from tlsstep.config import ClientCert, PairConfig, SideConfig
from tlsstep.events import Side
from tlsstep.session import Session
from tlsstep.states.machine import Machine, Move
from tlsstep.states.table import (
    CCS,
    EMPTY,
    PSK,
    TABLE_VERSIONS,
    TRANSITIONS,
    State,
    states_of,
    transitions,
)
from tlsstep.states.tracker import Derivation, PythonState, Tracker, derive
from tlsstep.steps import parse_line
from tlsstep.wire.enums import ProtocolVersion

S, R = "sent", "received"


def names(states: list[State]) -> list[str]:
    return [str(s) for s in states]


# -- TLS 1.3, RFC 8446 Appendix A ---------------------------------------------------


def test_tls13_full_client() -> None:
    m = Machine(Side.client)
    got = m.run(
        [
            (S, "ClientHello"),
            (R, "ServerHello", ["tls13"]),
            (R, CCS),
            (R, "EncryptedExtensions"),
            (R, "Certificate"),
            (R, "CertificateVerify"),
            (R, "Finished"),
            (S, CCS),
            (S, "Finished"),
            (R, "NewSessionTicket"),
            (R, "NewSessionTicket"),
        ]
    )
    assert names(got) == [
        "WAIT_SH", "WAIT_EE", "WAIT_EE", "WAIT_CERT_CR", "WAIT_CV", "WAIT_FINISHED",
        "CONNECTED", "CONNECTED", "CONNECTED", "CONNECTED", "CONNECTED",
    ]  # fmt: skip
    assert not [mv.problem for mv in m.moves if mv.problem]


def test_tls13_full_server() -> None:
    m = Machine(Side.server)
    got = m.run(
        [
            (R, "ClientHello"),
            (S, "ServerHello", ["tls13"]),
            (S, "EncryptedExtensions"),
            (S, "Certificate"),
            (S, "CertificateVerify"),
            (S, "Finished"),
            (R, "Finished"),
            (S, "NewSessionTicket"),
        ]
    )
    assert names(got) == [
        "RECVD_CH", "NEGOTIATED", "NEGOTIATED", "NEGOTIATED", "NEGOTIATED",
        "WAIT_FLIGHT2", "CONNECTED", "CONNECTED",
    ]  # fmt: skip


def test_tls13_hello_retry_request() -> None:
    client = Machine(Side.client)
    assert names(
        client.run(
            [
                (S, "ClientHello"),
                (R, "HelloRetryRequest", ["tls13"]),
                (S, "ClientHello"),
                (R, "ServerHello"),
            ]
        )
    ) == ["WAIT_SH", "START", "WAIT_SH", "WAIT_EE"]
    server = Machine(Side.server)
    assert names(
        server.run(
            [
                (R, "ClientHello"),
                (S, "HelloRetryRequest", ["tls13"]),
                (R, "ClientHello"),
                (S, "ServerHello"),
            ]
        )
    ) == ["RECVD_CH", "START", "RECVD_CH", "NEGOTIATED"]


def test_tls13_resumption_skips_certificates() -> None:
    client = Machine(Side.client)
    got = client.run(
        [
            (S, "ClientHello"),
            (R, "ServerHello", ["tls13", PSK]),
            (R, "EncryptedExtensions"),
            (R, "Finished"),
            (S, "Finished"),
        ]
    )
    assert names(got) == ["WAIT_SH", "WAIT_EE", "WAIT_FINISHED", "CONNECTED", "CONNECTED"]
    server = Machine(Side.server)
    got = server.run(
        [
            (R, "ClientHello"),
            (S, "ServerHello", ["tls13", PSK]),
            (S, "EncryptedExtensions"),
            (S, "Finished"),
            (R, "Finished"),
        ]
    )
    assert names(got) == ["RECVD_CH", "NEGOTIATED", "NEGOTIATED", "WAIT_FLIGHT2", "CONNECTED"]


def test_tls13_mutual_tls() -> None:
    client = Machine(Side.client)
    got = client.run(
        [
            (S, "ClientHello"),
            (R, "ServerHello", ["tls13"]),
            (R, "EncryptedExtensions"),
            (R, "CertificateRequest"),
            (R, "Certificate"),
            (R, "CertificateVerify"),
            (R, "Finished"),
            (S, "Certificate"),
            (S, "CertificateVerify"),
            (S, "Finished"),
        ]
    )
    assert names(got) == [
        "WAIT_SH", "WAIT_EE", "WAIT_CERT_CR", "WAIT_CERT", "WAIT_CV", "WAIT_FINISHED",
        "CONNECTED", "CONNECTED", "CONNECTED", "CONNECTED",
    ]  # fmt: skip
    server = Machine(Side.server)
    got = server.run(
        [
            (R, "ClientHello"),
            (S, "ServerHello", ["tls13"]),
            (S, "EncryptedExtensions"),
            (S, "CertificateRequest"),
            (S, "Certificate"),
            (S, "CertificateVerify"),
            (S, "Finished"),
            (R, "Certificate"),
            (R, "CertificateVerify"),
            (R, "Finished"),
        ]
    )
    assert names(got)[-4:] == ["WAIT_FLIGHT2", "WAIT_CV", "WAIT_FINISHED", "CONNECTED"]
    # A client with no certificate sends an empty one and skips CertificateVerify.
    empty = Machine(Side.server, ProtocolVersion.tls13)
    empty.run([(R, "ClientHello"), (S, "ServerHello"), (S, "Finished")])
    assert names(empty.run([(R, "Certificate", [EMPTY]), (R, "Finished")])) == [
        "WAIT_FINISHED",
        "CONNECTED",
    ]


def test_unexpected_message_is_a_problem_not_a_move() -> None:
    m = Machine(Side.client)
    m.feed(S, "ClientHello")
    move = m.feed(R, "Finished")
    assert m.state is State.WAIT_SH
    assert move.problem is not None and "unexpected_message" in move.problem


def test_tls13_change_cipher_spec_is_not_an_input() -> None:
    m = Machine(Side.client, ProtocolVersion.tls13)
    m.run([(S, "ClientHello"), (R, "ServerHello")])
    move = m.feed(R, CCS)
    assert move.problem is None and move.target is State.WAIT_EE


# -- TLS 1.2, RFC 5246 §7.3 ------------------------------------------------------------


def test_tls12_full() -> None:
    client = Machine(Side.client)
    got = client.run(
        [
            (S, "ClientHello"),
            (R, "ServerHello", ["tls12"]),
            (R, "Certificate"),
            (R, "ServerKeyExchange"),
            (R, "ServerHelloDone"),
            (S, "ClientKeyExchange"),
            (S, CCS),
            (S, "Finished"),
            (R, "NewSessionTicket"),
            (R, CCS),
            (R, "Finished"),
        ]
    )
    # The first state was named before the ServerHello chose TLS 1.2 ...
    assert names(got)[0] == "WAIT_SH"
    # ... and the history is replayed through the TLS 1.2 table once it did.
    assert [str(m.target) for m in client.moves] == [
        "WAIT_SERVER_HELLO", "WAIT_SERVER_CERTIFICATE", "WAIT_SERVER_HELLO_DONE",
        "WAIT_SERVER_HELLO_DONE", "SEND_CLIENT_FLIGHT", "SEND_CLIENT_FLIGHT",
        "SEND_CLIENT_FLIGHT", "WAIT_CHANGE_CIPHER_SPEC", "WAIT_CHANGE_CIPHER_SPEC",
        "WAIT_FINISHED", "CONNECTED",
    ]  # fmt: skip
    assert names(got)[1:] == [str(m.target) for m in client.moves][1:]


def test_tls12_abbreviated() -> None:
    client = Machine(Side.client, ProtocolVersion.tls12)
    got = client.run(
        [
            (S, "ClientHello"),
            (R, "ServerHello"),
            (R, CCS),
            (R, "Finished"),
            (S, CCS),
            (S, "Finished"),
        ]
    )
    assert names(got) == [
        "WAIT_SERVER_HELLO", "WAIT_SERVER_CERTIFICATE", "RESUME_WAIT_FINISHED",
        "RESUME_SEND_FINISHED", "RESUME_SEND_FINISHED", "CONNECTED",
    ]  # fmt: skip
    server = Machine(Side.server, ProtocolVersion.tls12)
    got = server.run(
        [
            (R, "ClientHello"),
            (S, "ServerHello"),
            (S, CCS),
            (S, "Finished"),
            (R, CCS),
            (R, "Finished"),
        ]
    )
    assert names(got) == [
        "RECVD_CLIENT_HELLO", "SEND_SERVER_FLIGHT", "RESUME_SEND_FINISHED",
        "RESUME_WAIT_CHANGE_CIPHER_SPEC", "RESUME_WAIT_FINISHED", "CONNECTED",
    ]  # fmt: skip


# -- the table ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", TABLE_VERSIONS)
@pytest.mark.parametrize("role", list(Side))
def test_every_state_is_reachable_and_reaches_connected(
    version: ProtocolVersion, role: Side
) -> None:
    rows = transitions(version, role)
    assert all(r.section.startswith("RFC ") for r in rows)
    reach = {State.START}
    while True:
        more = {r.target for r in rows if r.source in reach} - reach
        if not more:
            break
        reach |= more
    # WAIT_EOED (0-RTT) and WAIT_CERT (server) are entered without a message in the RFC.
    unreachable = set(states_of(version, role)) - reach
    assert unreachable <= {State.WAIT_EOED, State.WAIT_CERT}
    assert State.CONNECTED in reach


def test_every_row_is_one_machines_and_made_once() -> None:
    # Each machine's rows are made when it is first used (issue 14); TRANSITIONS is theirs.
    by_machine = [
        row
        for version in (ProtocolVersion.tls13, ProtocolVersion.tls12)
        for role in (Side.client, Side.server)
        for row in transitions(version, role)
    ]
    assert len(TRANSITIONS) == len(by_machine) == 87
    assert all(a is b for a, b in zip(TRANSITIONS, by_machine, strict=True))
    assert transitions(ProtocolVersion.tls11, Side.client) == ()


def test_no_two_rows_compete() -> None:
    keys = [(r.version, r.role, r.source, r.direction, r.message, r.when) for r in TRANSITIONS]
    assert len(keys) == len(set(keys))


def test_tls13_names_are_the_rfc_ones() -> None:
    assert [str(s) for s in states_of(ProtocolVersion.tls13, Side.client)] == [
        "START", "WAIT_SH", "WAIT_EE", "WAIT_FINISHED", "WAIT_CERT_CR", "WAIT_CERT",
        "WAIT_CV", "CONNECTED",
    ]  # fmt: skip
    assert set(states_of(ProtocolVersion.tls13, Side.server)) == {
        State.START, State.RECVD_CH, State.NEGOTIATED, State.WAIT_EOED, State.WAIT_FLIGHT2,
        State.WAIT_CERT, State.WAIT_CV, State.WAIT_FINISHED, State.CONNECTED,
    }  # fmt: skip


# -- real pairs through the tracker ---------------------------------------------------------

MANUAL = [
    "handshake client", "deliver client", "handshake server", "deliver server",
    "handshake client", "deliver client", "handshake server", "deliver server",
]  # fmt: skip


def follow(config: PairConfig, lines: list[str]) -> list[tuple[str, str]]:
    session, tracker = Session(config), Tracker()
    out = []
    for line in lines:
        outcome = session.run(parse_line(line))
        tracker.follow(outcome.entries)
        snap = tracker.snapshot(session.pair)
        out.append((str(snap[Side.client].state), str(snap[Side.server].state)))
    return out


def test_real_tls12_full_handshake() -> None:
    got = follow(PairConfig(client=SideConfig(max_version="1.2")), [*MANUAL, "read client"])
    assert got == [
        ("WAIT_SERVER_HELLO", "START"),
        ("WAIT_SERVER_HELLO", "START"),  # delivered, not read yet: OpenSSL reads in a call
        ("WAIT_SERVER_HELLO", "WAIT_CLIENT_KEY_EXCHANGE"),
        ("WAIT_SERVER_HELLO", "WAIT_CLIENT_KEY_EXCHANGE"),
        ("WAIT_CHANGE_CIPHER_SPEC", "WAIT_CLIENT_KEY_EXCHANGE"),
        ("WAIT_CHANGE_CIPHER_SPEC", "WAIT_CLIENT_KEY_EXCHANGE"),
        ("WAIT_CHANGE_CIPHER_SPEC", "CONNECTED"),
        ("WAIT_CHANGE_CIPHER_SPEC", "CONNECTED"),
        ("CONNECTED", "CONNECTED"),
    ]


@pytest.mark.parametrize("use_openssl", [True, False])
def test_real_tls12_states_from_openssl_or_messages(use_openssl: bool) -> None:
    session = Session(
        PairConfig(client_cert=ClientCert.required, server=SideConfig(max_version="1.2"))
    )
    session.run(parse_line("handshake"))
    snap = derive(session, use_openssl=use_openssl)
    for side in Side:
        assert snap[side].state is State.CONNECTED
        assert snap[side].derived is (Derivation.openssl if use_openssl else Derivation.messages)
        assert not snap[side].problems
    # Derived: the encrypted Finished is inferred from where it sits (RFC 5246 §7.4.9).
    assert snap[Side.client].sent == (
        "ClientHello", "Certificate", "ClientKeyExchange", "CertificateVerify", CCS, "Finished",
    )  # fmt: skip


def test_real_tls12_resumption_takes_the_abbreviated_path() -> None:
    config = PairConfig(client=SideConfig(max_version="1.2"))
    session, tracker = Session(config), Tracker()
    for line in ["handshake", "resume", "handshake client", "deliver client", "handshake server"]:
        tracker.follow(session.run(parse_line(line)).entries)
    snap = tracker.snapshot(session.pair)
    assert snap[Side.server].state is State.RESUME_WAIT_CHANGE_CIPHER_SPEC
    assert snap[Side.server].sent[-1] == "Finished"


def test_real_tls13_visible_part_then_facts() -> None:
    got = follow(PairConfig(), MANUAL)
    assert got[:4] == [
        ("WAIT_SH", "START"),
        ("WAIT_SH", "START"),
        ("WAIT_SH", "WAIT_FLIGHT2"),
        ("WAIT_SH", "WAIT_FLIGHT2"),
    ]
    assert got[-1] == ("CONNECTED", "CONNECTED")
    session = Session(PairConfig())
    session.run(parse_line("handshake"))
    snap = derive(session, use_openssl=False)  # what a Python without _msg_callback shows
    assert snap[Side.client].derived is Derivation.facts
    why = snap[Side.client].why
    assert why is not None and "WAIT_EE" in why


def test_real_hello_retry_request() -> None:
    session = Session(PairConfig(server=SideConfig(group="prime256v1")))
    session.run(parse_line("handshake"))
    snap = derive(session)
    assert snap[Side.client].received[0] == "HelloRetryRequest"
    assert snap[Side.client].sent.count("ClientHello") == 2
    moves = [str(m.target) for m in tracker_moves(session, Side.client)]
    # As the client's OpenSSL processed them: HRR; its own compatibility CCS, then
    # ClientHello 2; the server's CCS (both CCS ignored: RFC 8446 D.4); ServerHello, ...
    assert moves[:6] == ["WAIT_SH", "START", "START", "WAIT_SH", "WAIT_SH", "WAIT_EE"]
    assert moves[-1] == "CONNECTED"


def tracker_moves(session: Session, side: Side) -> list[Move]:
    tracker = Tracker()
    tracker.follow(session.current.entries)
    return tracker.machine(side).moves


def test_python_states_and_queues() -> None:
    session, tracker = Session(PairConfig()), Tracker()

    def step(line: str) -> dict[Side, object]:
        tracker.follow(session.run(parse_line(line)).entries)
        return tracker.snapshot(session.pair)  # type: ignore[return-value]

    snap = step("handshake client")
    assert snap[Side.client].python is PythonState.handshaking  # type: ignore[attr-defined]
    assert snap[Side.server].python is PythonState.not_started  # type: ignore[attr-defined]
    assert snap[Side.client].queued == len(session.pair.queue(Side.client)) > 0  # type: ignore[attr-defined]
    snap = step("deliver client")
    assert snap[Side.server].unread == session.pair.unread(Side.server) > 0  # type: ignore[attr-defined]
    for line in ["handshake", "unwrap client"]:
        snap = step(line)
    assert snap[Side.client].python is PythonState.closing  # type: ignore[attr-defined]
    assert snap[Side.server].python is PythonState.established  # type: ignore[attr-defined]
    for line in ["deliver client", "unwrap server", "deliver server", "unwrap client"]:
        snap = step(line)
    assert snap[Side.client].python is PythonState.closed  # type: ignore[attr-defined]
    assert snap[Side.server].python is PythonState.closed  # type: ignore[attr-defined]


def test_python_state_failed_after_tampering() -> None:
    session = Session(PairConfig())
    for line in [
        "handshake client",
        "deliver client",
        "handshake server",
        "tamper server flip=40",
        "deliver server",
        "handshake client",
    ]:
        session.run(parse_line(line))
    snap = derive(session)
    assert snap[Side.client].python is PythonState.failed
    assert snap[Side.client].state is State.WAIT_EE  # read the ServerHello, then failed


def test_real_tls13_resumption_is_seen_as_psk() -> None:
    session = Session(PairConfig())
    for line in ["handshake", "read client", "resume", "handshake"]:
        session.run(parse_line(line))
    tracker = Tracker()
    tracker.follow(session.current.entries)
    assert PSK in tracker.machine(Side.client).flags
    assert PSK in tracker.machine(Side.server).flags
    assert session.facts(Side.client).session_reused


def test_docs_are_generated_from_the_table() -> None:
    from pathlib import Path

    from tlsstep.states.docs import docs_markdown, mermaid

    docs = Path(__file__).resolve().parents[2] / "docs" / "states.md"
    assert docs.read_text(encoding="utf-8") == docs_markdown()
    diagram = mermaid(ProtocolVersion.tls13, Side.client)
    assert "WAIT_EE --> WAIT_FINISHED: recv EncryptedExtensions [psk]" in diagram


def test_follow_returns_the_moves() -> None:
    session, tracker = Session(PairConfig()), Tracker()
    moves = tracker.follow(session.run(parse_line("handshake client")).entries)
    assert [(side, str(m.source), str(m.target)) for side, m in moves] == [
        (Side.client, "START", "WAIT_SH")
    ]
    assert moves[0][1].transition is not None
    assert moves[0][1].transition.section == "RFC 8446 Appendix A.1"


def test_decrypted_messages_drive_tls13_without_facts() -> None:
    """What the crypto layer will hand over: protected records with their messages.

    A real TLS 1.3 run's entries, with each protected handshake record given the
    message OpenSSL puts in it (one per record, in RFC 8446 §2 order), as a
    decrypting transcript would.
    """
    import dataclasses

    from tlsstep.decode import MessageView
    from tlsstep.wire.handshake import HandshakeMessage

    session = Session(PairConfig(client_cert=ClientCert.required))
    for line in ["handshake", "read client"]:
        session.run(parse_line(line))
    inner = {
        Side.server: iter([8, 13, 11, 15, 20, 4, 4]),  # EE, CR, Certificate, CV, Finished, tickets
        Side.client: iter([11, 15, 20]),  # Certificate, CertificateVerify, Finished
    }
    entries = []
    for entry in session.current.entries:
        views = []
        for view in entry.records:
            if view.protected and view.record.content_type == 23:
                body = b"\x00\x00\x00\x05" + b"x" * 5  # not an empty Certificate
                msg = HandshakeMessage(msg_type=next(inner[view.sender]), body=body)
                view = dataclasses.replace(view, messages=(MessageView(message=msg),))
            views.append(view)
        entries.append(dataclasses.replace(entry, records=tuple(views)))
    tracker = Tracker(use_openssl=False)
    tracker.follow(entries)
    snap = tracker.snapshot(session.pair)
    for side in Side:
        assert snap[side].state is State.CONNECTED
        assert snap[side].derived is Derivation.messages
        assert not snap[side].problems
    server = [str(m.target) for m in tracker.machine(Side.server).moves]
    assert server[:2] == ["RECVD_CH", "NEGOTIATED"]
    assert "WAIT_FLIGHT2" in server and "WAIT_CV" in server
    client = [str(m.target) for m in tracker.machine(Side.client).moves]
    assert [s for i, s in enumerate(client) if i == 0 or s != client[i - 1]] == [
        "WAIT_SH", "WAIT_EE", "WAIT_CERT_CR", "WAIT_CERT", "WAIT_CV", "WAIT_FINISHED",
        "CONNECTED",
    ]  # fmt: skip
    assert snap[Side.client].received[-2:] == ("NewSessionTicket", "NewSessionTicket")


def test_failed_verification_stops_before_the_certificate() -> None:
    # The client processed ServerHello and EncryptedExtensions, then rejected the
    # expired certificate: it never left WAIT_CERT_CR (RFC 8446 Appendix A).
    from tlsstep.cert_problems import CertProblem
    from tlsstep.crypto.unprotector import KeyLogCrypto

    with KeyLogCrypto() as crypto:
        session = Session(PairConfig(server_cert_problem=CertProblem.expired), crypto=crypto)
        session.run(parse_line("handshake"))
        snap = derive(session)
    assert snap[Side.client].state is State.WAIT_CERT_CR
    assert snap[Side.client].python is PythonState.failed
