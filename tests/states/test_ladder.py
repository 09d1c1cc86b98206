"""The ladder: plain values from a real run, the terminal view, SVG and HTML exports."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from tlsstep.config import PairConfig
from tlsstep.events import Side
from tlsstep.render.ladder import (
    SVG_NS,
    Arrow,
    Ladder,
    Mark,
    build_ladder,
    ladder_html,
    ladder_svg,
    ladder_view,
)
from tlsstep.render.terminal import make_console
from tlsstep.session import Session
from tlsstep.steps import parse_line


def run(*lines: str) -> Session:
    session = Session(PairConfig())
    for line in lines:
        session.run(parse_line(line))
    return session


def test_arrows_follow_the_records_and_flights() -> None:
    session = run("handshake")
    ladder = build_ladder(session.entries)
    records = [r for e in session.entries for r in e.records]
    assert len(ladder.arrows) == len(records)
    first = ladder.arrows[0]
    assert (first.sender, first.label, first.flight, first.encrypted) == (
        Side.client, "ClientHello", 1, False,
    )  # fmt: skip
    assert ladder.arrows[1].label == "ServerHello" and ladder.arrows[1].flight == 2
    assert any(a.encrypted for a in ladder.arrows)
    # Flights change exactly when the sender does.
    for a, b in zip(ladder.arrows, ladder.arrows[1:], strict=False):
        assert (b.flight == a.flight) == (b.sender == a.sender)


def test_tamper_and_failure_are_marked() -> None:
    session = run(
        "handshake client", "deliver client", "handshake server", "tamper server flip=40",
        "deliver server", "handshake client",
    )  # fmt: skip
    marks = [r for r in build_ladder(session.entries).rows if isinstance(r, Mark)]
    assert [m.kind for m in marks] == ["tamper", "error"]
    assert marks[1].side is Side.client


def test_terminal_view_exact() -> None:
    ladder = Ladder(
        rows=(
            Arrow(sender=Side.client, label="ClientHello", encrypted=False, flight=1,
                  connection=1, length=512, kind="handshake"),
            Arrow(sender=Side.server, label="Finished", encrypted=True, flight=2,
                  connection=1, length=53, kind="handshake"),
            Mark(side=Side.client, text="closed", kind="closed", connection=1),
        )
    )  # fmt: skip
    out = io.StringIO()
    make_console(width=60, color=False, file=out).print(ladder_view(ladder, width=40))
    assert out.getvalue().splitlines() == [
        "client                              server",
        "  │ ────────── ClientHello ──────────▶ │  flight 1",
        "  │ ◀────────── 🔒 Finished ────────── │  flight 2",
        "  │ closed                             │",
        "  🔒 = sent encrypted",
    ]


def test_svg_parses_as_svg() -> None:
    session = run("handshake", "read client", "resume", "handshake")
    ladder = build_ladder(session.entries, title="a <test> & more")
    root = ET.fromstring(ladder_svg(ladder))
    assert root.tag == f"{{{SVG_NS}}}svg"
    lines = root.findall(f".//{{{SVG_NS}}}line[@class='arrow']")
    assert len(lines) == len(ladder.arrows)
    dashed = [ln for ln in lines if ln.get("stroke-dasharray")]
    assert len(dashed) == sum(a.encrypted for a in ladder.arrows) > 0
    texts = [t.text for t in root.iter(f"{{{SVG_NS}}}text")]
    assert "a <test> & more" in texts and "ClientHello" in texts
    assert "connection 2 (resuming)" in texts


def test_html_embeds_the_svg() -> None:
    html = ladder_html(build_ladder(run("handshake").entries))
    assert html.startswith("<!DOCTYPE html>")
    start = html.index("<svg")
    svg = html[start : html.index("</svg>") + len("</svg>")]
    assert ET.fromstring(svg).tag == f"{{{SVG_NS}}}svg"


def test_states_are_written_on_the_lifelines() -> None:
    from tlsstep.config import SideConfig
    from tlsstep.render.ladder import States

    session = Session(PairConfig(client=SideConfig(max_version="1.2")))
    session.run(parse_line("handshake"))
    ladder = build_ladder(session.entries)
    rows = [r for r in ladder.rows if isinstance(r, States)]
    client = [r.client for r in rows if r.client]
    server = [r.server for r in rows if r.server]
    # Every state each side passed through, intermediate ones included (issue 12).
    assert client == [
        "START", "WAIT_SERVER_HELLO", "WAIT_SERVER_CERTIFICATE", "WAIT_SERVER_HELLO_DONE",
        "SEND_CLIENT_FLIGHT", "WAIT_CHANGE_CIPHER_SPEC", "WAIT_FINISHED", "CONNECTED",
    ]  # fmt: skip
    assert server == [
        "START", "RECVD_CLIENT_HELLO", "SEND_SERVER_FLIGHT", "WAIT_CLIENT_KEY_EXCHANGE",
        "WAIT_CHANGE_CIPHER_SPEC", "WAIT_FINISHED", "SEND_FINISHED", "CONNECTED",
    ]  # fmt: skip
    assert not any(r.facts for r in rows)  # every state from OpenSSL's own report
    root = ET.fromstring(ladder_svg(ladder))
    boxes = root.findall(f".//{{{SVG_NS}}}rect[@class='state']")
    assert len(boxes) == len(client) + len(server)
    # Derived states (a Python without _msg_callback), TLS 1.3 without keys: CONNECTED
    # comes from Python's facts, and says so.
    tls13 = build_ladder(run("handshake").entries, use_openssl=False)
    marked = [r for r in tls13.rows if isinstance(r, States) and r.facts]
    assert marked and "* = state from Python's facts" in _text(ladder_view(tls13))
    assert build_ladder(session.entries, states=False).rows == tuple(
        r for r in ladder.rows if not isinstance(r, States)
    )


def _text(renderable: object) -> str:
    out = io.StringIO()
    make_console(width=120, color=False, file=out).print(renderable)
    return out.getvalue()


def test_ladder_names_the_wire_type_of_encrypted_records() -> None:
    """Issue 16 item 4: an encrypted handshake message crossed as application_data."""
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.session import Session
    from tlsstep.steps import parse_line

    with KeyLogCrypto() as crypto:
        session = Session(PairConfig(), crypto=crypto)
        session.run(parse_line("handshake"))
    ladder = build_ladder(session.entries)
    finished = [a for a in ladder.arrows if a.label.startswith("Finished")]
    assert finished and all(a.wire_type == "application_data → handshake" for a in finished)
    hello = ladder.arrows[0]
    assert hello.wire_type == "handshake"
    out = io.StringIO()
    make_console(width=120, color=False, file=out).print(ladder_view(ladder))
    assert "🔒 = sent encrypted (on the wire: application_data → handshake)" in out.getvalue()
    assert "<title>application_data → handshake</title>" in ladder_svg(ladder)
