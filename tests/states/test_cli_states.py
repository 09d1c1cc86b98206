"""The handshake command's states, explanations and ladder exports, run as a user would."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.helpers import tlsstep
from tlsstep.render.ladder import SVG_NS


def test_json_has_states_and_step_states() -> None:
    proc = tlsstep("handshake", "--tls-version", "1.2", "--json", "--states")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    for side in ("client", "server"):
        assert doc["states"][side]["state"] == "CONNECTED"
        assert doc["states"][side]["derived"] == "openssl"
        assert doc["states"][side]["python"] == "established"
    lines = [s["line"] for s in doc["step_states"]]
    assert lines[:3] == ["handshake client", "deliver client", "handshake server"]
    assert doc["step_states"][0]["states"]["client"]["state"] == "WAIT_SERVER_HELLO"
    # The one-by-one run made the same calls as the plain run: one driver.
    plain = json.loads(tlsstep("handshake", "--tls-version", "1.2", "--json").stdout)
    assert [e["call"] for e in doc["events"]] == [e["call"] for e in plain["events"]]


def test_explain_and_ladder_in_the_terminal() -> None:
    proc = tlsstep("handshake", "--explain", "--ladder", "--server-group", "prime256v1")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "HelloRetryRequest: The server could not use any key_share" in out
    assert "ServerHello.key_share:" in out
    assert "ChangeCipherSpec: TLS 1.3 does not need it" in out
    assert re.search(r"│ ◀─+ HelloRetryRequest ─+ │  flight 2", out)  # the ladder
    assert "client received HelloRetryRequest" in out


def test_svg_and_html_exports(tmp_path: Path) -> None:
    svg, html = tmp_path / "ladder.svg", tmp_path / "ladder.html"
    proc = tlsstep("handshake", "--svg", str(svg), "--html", str(html))
    assert proc.returncode == 0, proc.stderr
    root = ET.parse(svg).getroot()
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert "ClientHello" in [t.text for t in root.iter(f"{{{SVG_NS}}}text")]
    page = html.read_text()  # the run's page; tests/test_page.py drives it in a browser
    assert page.startswith("<!DOCTYPE html>") and 'id="tlsstep-run"' in page
    assert "ClientHello" in page and "ServerHello" in page
    bad = tlsstep("handshake", "--svg", str(tmp_path / "no" / "such" / "dir.svg"))
    assert bad.returncode == 2 and "--svg" in bad.stderr and "Traceback" not in bad.stderr
