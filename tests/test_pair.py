"""The pair against real OpenSSL: every operation, TLS 1.3 and 1.2, failures as values."""

from __future__ import annotations

import ssl

import pytest

from tests.helpers import make_pair, run_lines, whole_handshake
from tlsstep.config import ClientCert, PairConfig, SideConfig
from tlsstep.events import Result, Side
from tlsstep.faults import Flip
from tlsstep.session import Session
from tlsstep.steps import Handshake
from tlsstep.wire.records import RecordSplitter

VERSIONS = [("1.3", "TLSv1.3"), ("1.2", "TLSv1.2")]


@pytest.mark.parametrize(("pin", "expected"), VERSIONS)
def test_full_handshake_both_versions(pin: str, expected: str) -> None:
    pair, run = whole_handshake(PairConfig(client=SideConfig(min_version=pin, max_version=pin)))
    assert run.result is Result.done
    for side in Side:
        facts = pair.facts(side)
        assert facts.version == expected
        assert facts.cipher is not None
    assert pair.facts(Side.client).server_hostname == "example.test"
    assert pair.facts(Side.server).shared_ciphers  # server-only API answers
    # the log alternates handshake calls and deliveries, client first
    first = run.entries[0].event
    assert first.call == "client.do_handshake()"
    assert first.result is Result.want_read
    assert first.produced[:1] == b"\x16"  # a handshake record: the ClientHello


def test_channel_binding_only_where_defined() -> None:
    pair, _ = whole_handshake(PairConfig(client=SideConfig(max_version="1.2")))
    assert pair.facts(Side.client).channel_binding == pair.facts(Side.server).channel_binding
    assert len(pair.facts(Side.client).channel_binding or b"") == 12  # TLS 1.2 Finished
    pair13, _ = whole_handshake()
    facts = pair13.facts(Side.client)
    assert facts.channel_binding is None and "RFC 9266" in (facts.channel_binding_note or "")


def test_unavailable_apis_are_named() -> None:
    pair, _ = whole_handshake()
    names = dict(pair.facts(Side.client).unavailable)
    if hasattr(ssl.SSLObject, "get_verified_chain"):
        assert "get_verified_chain" not in names
    else:
        assert "Python 3.13" in names["get_verified_chain"]


def test_hello_retry_request() -> None:
    # The client's default key share is x25519; a server that only allows P-256
    # must ask for another share (RFC 8446 §4.1.4).
    session = Session(PairConfig(server=SideConfig(group="prime256v1")))
    run_lines(session, "handshake")
    assert session.sent_messages(Side.server)[0] == "HelloRetryRequest"
    assert session.sent_messages(Side.client)[:2] == ["ClientHello", "ClientHello"]
    assert session.facts(Side.client).version == "TLSv1.3"


def test_alpn_agreed_and_without_overlap() -> None:
    agreed, run = whole_handshake(
        PairConfig(
            client=SideConfig(alpn=("h2", "http/1.1")), server=SideConfig(alpn=("http/1.1",))
        )
    )
    assert run.result is Result.done
    assert agreed.facts(Side.client).selected_alpn_protocol == "http/1.1"
    assert agreed.facts(Side.server).selected_alpn_protocol == "http/1.1"
    apart, run = whole_handshake(
        PairConfig(client=SideConfig(alpn=("h2",)), server=SideConfig(alpn=("spdy/3",)))
    )
    # Python's server callback answers "no overlap" by not acknowledging ALPN, so
    # the handshake completes with no protocol selected.
    assert run.result is Result.done
    assert apart.facts(Side.client).selected_alpn_protocol is None


def test_mutual_tls() -> None:
    pair, run = whole_handshake(PairConfig(client_cert=ClientCert.required))
    assert run.result is Result.done
    peer = pair.facts(Side.server).peer_certificate
    assert peer is not None
    assert ("DNS", "client.example.test") in peer["subjectAltName"]


def test_required_client_certificate_missing() -> None:
    _, run = whole_handshake(
        PairConfig(client_cert=ClientCert.required, client=SideConfig(send_certificate=False))
    )
    assert run.result is Result.error
    assert run.failed_side is Side.server
    assert run.error is not None and run.error.reason == "PEER_DID_NOT_RETURN_A_CERTIFICATE"


def test_post_handshake_authentication() -> None:
    session = Session(
        PairConfig(
            client=SideConfig(post_handshake_auth=True), server=SideConfig(post_handshake_auth=True)
        )
    )
    run_lines(session, "handshake")
    assert session.facts(Side.server).peer_certificate is None  # not asked for yet
    outcomes = run_lines(
        session,
        "verify_client_post_handshake",
        "handshake server",
        "deliver server",
        "read client",
        "deliver client",
        "read server",
    )
    assert outcomes[0].entries[0].event.produced == b""  # only armed
    assert outcomes[1].entries[0].event.produced  # the CertificateRequest goes out now
    assert outcomes[3].entries[0].event.produced  # the client answers from inside read()
    assert session.facts(Side.server).peer_certificate is not None


def test_tls13_resumption_ticket_arrives_with_first_read() -> None:
    session = Session(PairConfig())
    run_lines(session, "handshake")
    assert session.pair.session() is not None
    assert not session.pair.session().has_ticket  # type: ignore[union-attr]
    (read,) = run_lines(session, "read client")
    assert read.result is Result.want_read  # tickets read, no application data
    assert session.pair.session().has_ticket  # type: ignore[union-attr]
    run_lines(session, "resume", "handshake")
    assert len(session.connections) == 2
    assert session.facts(Side.client).session_reused
    assert session.facts(Side.server).session_reused


def test_tls12_resumption() -> None:
    session = Session(PairConfig(client=SideConfig(max_version="1.2")))
    run_lines(session, "handshake", "resume", "handshake")
    assert session.facts(Side.client).session_reused
    assert "Certificate" not in session.sent_messages(Side.server)  # abbreviated handshake


def test_unwrap_both_ways() -> None:
    session = Session(PairConfig())
    run_lines(session, "handshake")
    first, _, peer, _, second = run_lines(
        session,
        "unwrap client",
        "deliver client",
        "unwrap server",
        "deliver server",
        "unwrap client",
    )
    assert first.result is Result.want_read  # close_notify sent, peer's not yet here
    assert first.entries[0].event.produced  # the close_notify
    assert peer.result is Result.done
    assert second.result is Result.done
    assert session.pair.closed[Side.client] and session.pair.closed[Side.server]
    (read,) = run_lines(session, "read client")
    assert read.entries[0].event.error is not None or read.result is Result.closed


def test_hostname_mismatch() -> None:
    pair, run = whole_handshake(PairConfig(server_name="wrong.test"))
    assert run.result is Result.error and run.failed_side is Side.client
    assert run.error is not None
    assert run.error.exception == "SSLCertVerificationError"
    assert run.error.verify_code == 62
    assert "Hostname mismatch" in (run.error.verify_message or "")
    # the server saw the client's alert
    server_error = pair.failed[Side.server]
    assert server_error is not None and server_error.alert_received == "bad_certificate"


def test_unknown_ca() -> None:
    import trustme

    other = trustme.CA()
    _, run = whole_handshake(PairConfig(trust_pem=other.cert_pem.bytes()))
    assert run.result is Result.error
    assert run.error is not None
    assert run.error.verify_code == 20
    assert run.error.verify_message == "unable to get local issuer certificate"


def test_client_hello_byte_by_byte() -> None:
    pair = make_pair()
    hello = pair.handshake(Side.client).produced
    assert len(hello) > 100
    for i in range(len(hello)):
        pair.deliver(Side.client, nbytes=1)
        event = pair.handshake(Side.server)
        if i < len(hello) - 1:
            assert event.result is Result.want_read
            assert event.produced == b""  # nothing until the whole ClientHello is in
        else:
            assert event.result is Result.want_read
            assert event.produced[:1] == b"\x16"  # ServerHello, at the last byte


def test_deliver_records_keeps_the_rest_queued() -> None:
    pair = make_pair()
    pair.handshake(Side.client)
    pair.deliver(Side.client)
    pair.handshake(Side.server)
    queued = pair.queue(Side.server)
    total = len(RecordSplitter().feed(queued))
    event = pair.deliver(Side.server, nrecords=1)
    assert len(RecordSplitter().feed(event.delivered)) == 1
    assert len(RecordSplitter().feed(pair.queue(Side.server))) == total - 1
    assert event.delivered + pair.queue(Side.server) == queued


def test_junk_ends_the_handshake_not_loops() -> None:
    session = Session(PairConfig())
    session.pair.handshake(Side.client)
    session.pair.tamper(Side.client, Flip(offset=0, bit=0))  # no longer a TLS record type
    run = session.run(Handshake())
    assert run.result in (Result.error, Result.stalled)
    assert len(run.entries) < 20


def test_stall_says_who_waits_for_what() -> None:
    # Half a ClientHello reaches the server; then nobody can go on (#17 item 13).
    session = Session(PairConfig())
    run_lines(session, "handshake client", "tamper client truncate=10")
    run = session.run(Handshake())
    assert run.result is Result.stalled
    assert [str(w.side) for w in run.stalled] == ["client", "server"]
    client, server = run.stalled
    assert server.queued_to_it == 0  # OpenSSL took the 10 bytes in and waits for the rest
    assert str(server) == (
        "server waits for bytes from the client (server.do_handshake() → want read); "
        "the client has nothing queued for it"
    )
    assert str(client).startswith("client waits for bytes from the server")
    assert len(run.entries) < 10


def test_errors_are_values_and_logged() -> None:
    pair, _ = whole_handshake(PairConfig(server_name="wrong.test"))
    errors = [e for e in pair.events if e.error]
    assert {e.side for e in errors} == {Side.client, Side.server}
    assert all(e.result is Result.error for e in errors)
    # every event carries the queue sizes after it
    assert all(e.queued_to_server >= 0 and e.queued_to_client >= 0 for e in pair.events)


def test_eof_without_close_notify() -> None:
    session = Session(PairConfig())
    run_lines(session, "handshake", "read client")
    _, read = run_lines(session, "eof client", "read server")
    error = read.entries[0].event.error
    assert error is not None and error.exception == "SSLEOFError"


def test_write_before_handshake_wants_read() -> None:
    session = Session(PairConfig())
    (write,) = run_lines(session, "write client hello")
    assert write.result is Result.want_read  # SSL_write starts the handshake
    assert write.entries[0].event.produced[:1] == b"\x16"


def test_read_after_close_notify_is_closed_not_done() -> None:
    # Python's SSLObject.read() returns b"" here instead of raising SSLZeroReturnError.
    session = Session(PairConfig())
    run_lines(session, "handshake", "read client", "unwrap client", "deliver client")
    (read,) = run_lines(session, "read server")
    event = read.entries[0].event
    assert event.result is Result.closed
    assert event.note is not None and "close_notify arrived" in event.note
    assert session.pair.closed[Side.server]


def test_old_versions_asked_for_by_name_raise_no_deprecation_warning() -> None:
    """Setting TLS 1.0/1.1 is what the user asked for; Python's DeprecationWarning must not
    reach stderr (or end the run under ``python -W error``)."""
    import warnings

    from tlsstep.config import build_contexts

    side = SideConfig(min_version="1.0", max_version="1.1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client, server = build_contexts(PairConfig(client=side, server=side))
    assert client.minimum_version == ssl.TLSVersion.TLSv1
    assert server.maximum_version == ssl.TLSVersion.TLSv1_1
