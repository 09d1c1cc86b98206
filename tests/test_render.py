"""Terminal rendering, printed to a fixed-width console with colour off and compared exactly."""

from __future__ import annotations

import io

from tests.helpers import run_lines
from tlsstep.config import PairConfig, SideConfig
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.render.terminal import make_console, report_view, transcript
from tlsstep.run_report import build_report
from tlsstep.session import Session


def _text(renderable: object, width: int = 100) -> str:
    buf = io.StringIO()
    make_console(width=width, color=False, file=buf).print(renderable)
    return buf.getvalue()


def test_first_flight_renders_exactly() -> None:
    session = Session(PairConfig(client=SideConfig(max_version="1.2")))
    run_lines(session, "handshake client", "deliver client")
    out = _text(transcript(session.entries))
    length = session.entries[1].records[0].record.length
    assert out.splitlines() == [
        "connection 1",
        "  1  client.do_handshake() → want read   183 bytes out",
        "  2  client ──▶ server  183 bytes",
        f"      handshake                    TLS 1.0  {length:>5} B ClientHello",
    ]


def test_protected_record_shows_outer_and_inner_type() -> None:
    """Issue 16 item 4: the wire type of a TLS 1.3 protected record is not hidden."""
    with KeyLogCrypto() as crypto:
        session = Session(PairConfig(), crypto=crypto)
        run_lines(session, "handshake")
    lines = _text(transcript(session.entries), width=200).splitlines()
    ee = next(line for line in lines if "EncryptedExtensions" in line)
    assert ee.split()[:3] == ["application_data", "→", "handshake"]
    ccs = next(line for line in lines if "change_cipher_spec" in line)
    assert ccs.endswith(" 1 B")  # nothing trails the last part
    hello = next(line for line in lines if "ServerHello" in line)
    assert hello.index("TLS 1.2") == ee.index("TLS 1.2")  # the columns line up


def test_failure_and_summary_render() -> None:
    session = Session(PairConfig(server_name="wrong.test"))
    run_lines(session, "handshake")
    out = _text(report_view(build_report(session)))
    assert "verify error 62: Hostname mismatch, certificate is not valid for 'wrong.test'." in out
    assert "result            handshake failed" in out
    assert "(peer sent alert bad_certificate)" in out


def test_facts_table_names_every_sslobject_api() -> None:
    session = Session(PairConfig())
    run_lines(session, "handshake")
    out = _text(report_view(build_report(session), verbosity=1), width=160)
    for name in (
        "server_side",
        "server_hostname",
        "version()",
        "cipher()",
        "compression()",
        "selected_alpn_protocol()",
        "selected_npn_protocol()",
        "session_reused",
        "pending()",
        "getpeercert()",
        "shared_ciphers()",
        "get_channel_binding()",
        "session",
        "context",
        "get_verified_chain()",
        "get_unverified_chain()",
    ):
        assert name in out, name
