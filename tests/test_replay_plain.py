"""``replay``'s scenario view written plain on a pipe equals what rich's lines give (issue 14).

``render.replay_plain.scenario_plain`` builds the piped text without rich ``Text``
objects; ``emit`` of ``render.replay.scenario_view`` on a pipe is the general path. Both
are compared byte for byte on every bundled scenario and on hostile and failing ones.
"""

from __future__ import annotations

import io

import pytest

from tests.helpers import ROOT
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.render import replay_plain
from tlsstep.render.out import PipeOutput, emit
from tlsstep.render.replay import scenario_view
from tlsstep.render.replay_plain import scenario_plain
from tlsstep.scenario import ScenarioResult, find_files, load, loads, run


def rich_lines(result: ScenarioResult) -> str:
    out = PipeOutput(io.StringIO())
    emit(out, scenario_view(result))
    return out.file.getvalue()


def every_bundled() -> list[ScenarioResult]:
    crypto = KeyLogCrypto()
    try:
        return [run(load(p), crypto=crypto) for p in find_files([str(ROOT / "scenarios")])]
    finally:
        crypto.close()


def test_every_bundled_scenario_is_written_as_rich_writes_it() -> None:
    results = every_bundled()
    assert len(results) > 40
    for result in results:
        assert scenario_plain(result) == rich_lines(result), result.scenario.path


HOSTILE = """
name = "a \\u001b[31mred\\u0007 name\\r with\\u000b controls  "
description = "line one\\u0008\\nline two\\t with a tab  \\n\\u001b]8;;x\\u0007"
[client]
alpn = ["h2"]
[[step]]
op = "handshake"
side = "client"
[[step]]
op = "tamper"
side = "client"
flip = 7
[[step]]
op = "deliver"
side = "client"
bytes = 20
[[step]]
op = "eof"
side = "client"
[[step]]
op = "handshake"
[step.expect]
client_sent = ["ClientHello", "Finished"]
server = { alert_received = "bad_record_mac" }
[[step]]
op = "write"
side = "client"
data = "never"
"""


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE,
        # a step that cannot be done, a stall, data previewed and read
        'name = "odd"\n[[step]]\nop = "deliver"\nside = "client"\nbytes = 5\n'
        '[[step]]\nop = "handshake"\n[[step]]\nop = "write"\nside = "client"\n'
        'hex = "' + "00ff" * 80 + '"\n[[step]]\nop = "deliver"\nside = "client"\n'
        '[[step]]\nop = "read"\nside = "server"\n[[step]]\nop = "unwrap"\nside = "client"\n',
        # failed checks: mismatch lines with their FILE:LINE
        'name = "fails"\n[[step]]\nop = "handshake"\n[step.expect]\nresult = "error"\n'
        'client = { alert_sent = "bad_certificate", version = "TLSv1.2" }\n',
        # a configuration OpenSSL refuses: the scenario's error line
        'name = "bad group"\n[server]\ngroup = "nope"\n[[step]]\nop = "handshake"\n',
    ],
)
def test_odd_and_hostile_scenarios_are_written_as_rich_writes_them(text: str) -> None:
    crypto = KeyLogCrypto()
    try:
        result = run(loads(text), crypto=crypto)
    finally:
        crypto.close()
    plain = scenario_plain(result)
    assert plain == rich_lines(result)
    assert "\x1b" not in plain and "\x07" not in plain  # escaped, never raw


def test_the_comparison_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain writer that drifts from rich's lines (here: one direction arrow) is caught."""
    result = run(load(str(ROOT / "scenarios" / "tls13-basic.toml")))
    assert scenario_plain(result) == rich_lines(result)
    monkeypatch.setattr(replay_plain, "direction_plain", lambda side: f"{side} -> peer")
    assert scenario_plain(result) != rich_lines(result)
