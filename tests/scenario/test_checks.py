"""The one table of scenario checks: the loader, the runner, the shell and the docs read it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import ROOT, tlsstep
from tlsstep.checks import (
    BY_NAME,
    CHECKS,
    SIDES,
    Check,
    Scope,
    expect_table,
    parse_expect,
    planned,
)
from tlsstep.errors import StepError
from tlsstep.events import Side
from tlsstep.scenario import loads, run
from tlsstep.steps import Handshake, Read, VerifyClientPostHandshake, parse_step

# A value each check's parser accepts, and a different one for a failing check.
GOOD = {
    "result": ("done", "error"),
    "error": ("", "SSLError"),
    "reason": ("", "NO_SHARED_CIPHER"),
    "verify_message": ("", "expired"),
    "alert_sent": ("", "bad_certificate"),
    "alert_received": ("", "bad_certificate"),
    "version": ("TLSv1.3", "TLSv1.2"),
    "cipher": ("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"),
    "alpn": ("", "h2"),
    "session_reused": (False, True),
    "peer_subject": ("CN=example.test", "CN=other.test"),
    "client_sent": (["ClientHello"], ["Certificate"]),
    "server_sent": (["ServerHello"], ["CertificateRequest"]),
    "data": ("x", "y"),
    "data_hex": ("78", "79"),
    "data_size": (1, 2),
    "records": (1, 2),
    "closed": (False, True),
}


def test_every_check_is_in_the_table_once() -> None:
    assert [c.name for c in CHECKS] == list(BY_NAME)
    assert set(GOOD) == set(BY_NAME)
    assert SIDES == ("client", "server")


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_the_loader_reads_each_check_by_its_parser(check: Check) -> None:
    name = check.name
    value = GOOD[name][0]
    parsed = parse_expect({name: value, "server": {name: value}})
    assert [k for k, _ in parsed] == [name, "server"]
    assert expect_table(parsed)[name] == value
    with pytest.raises(StepError) as info:
        parse_expect({name: object()})
    assert info.value.key == f"expect.{name}"


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_a_step_without_a_side_takes_only_step_and_named_checks(check: Check) -> None:
    name = check.name
    table = {"op": "handshake", "expect": {name: GOOD[name][0]}}
    if check.scope is Scope.side:
        with pytest.raises(StepError, match="this step has no side") as info:
            parse_step(table)
        assert info.value.key == f"expect.{name}"
    else:
        assert parse_step(table).expect == parse_expect(table["expect"])


def test_the_runner_places_each_check_on_its_side() -> None:
    expect = parse_expect({"result": "done", "version": "TLSv1.3", "client": {"result": "done"}})
    read = Read(side=Side.client, expect=expect)
    placed = [(p.path, p.side) for p in planned(read.expect, read.checked_side())]
    assert placed == [("result", None), ("version", Side.client), ("client.result", Side.client)]
    assert VerifyClientPostHandshake().checked_side() is Side.server
    assert Handshake().checked_side() is None


def test_each_check_passes_and_fails_on_a_real_run() -> None:
    """Every check in the table is run by the runner: the right value passes, another fails."""
    steps = [
        '[[step]]\nop = "handshake"\n[step.expect]\nresult = "done"\n'
        'client_sent = ["ClientHello"]\nserver_sent = ["ServerHello"]\n'
        '[step.expect.client]\nversion = "TLSv1.3"\ncipher = "TLS_AES_256_GCM_SHA384"\n'
        'alpn = ""\nsession_reused = false\npeer_subject = "CN=example.test"\nerror = ""\n'
        'reason = ""\nverify_message = ""\nalert_sent = ""\nalert_received = ""\nclosed = false\n',
        '[[step]]\nop = "write"\nside = "server"\nhex = "78"\n',
        '[[step]]\nop = "deliver"\nside = "server"\nexpect = { records = 1 }\n',
        '[[step]]\nop = "read"\nside = "client"\n[step.expect]\ndata = "x"\ndata_hex = "78"\n'
        "data_size = 1\n",
    ]
    text = 'name = "all checks"\n' + "".join(steps)
    result = run(loads(text, path="all.toml"))
    assert result.passed, [m.message for m in result.mismatches]
    seen = {m for s in result.scenario.steps for k, v in s.expect for m in _names(k, v)}
    assert seen == set(BY_NAME)
    for name, (good, bad) in GOOD.items():
        written = re.compile(rf"(?<!\w){name} = {re.escape(_toml(good))}(?=[\s}}])")
        wrong = written.sub(f"{name} = {_toml(bad)}", text, count=1)
        assert wrong != text, name
        result = run(loads(wrong, path="all.toml"))
        assert [m.check.rsplit(".", 1)[-1] for m in result.mismatches] == [name], name


def _names(key: str, value: object) -> list[str]:
    return [k for k, _ in value] if key in SIDES else [key]  # type: ignore[attr-defined]


def _toml(value: object) -> str:
    return json.dumps(value)


def test_the_shell_lists_every_check() -> None:
    out = tlsstep("shell", "--json", input="help expect\n")
    reply = json.loads(out.stdout.splitlines()[0])
    assert [c["name"] for c in reply["help"]["checks"]] == list(BY_NAME)
    text = tlsstep("shell", input="help expect\n").stdout
    for check in CHECKS:
        assert re.search(rf"^  {check.name} +{re.escape(check.value)}", text, re.M), check.name


def test_the_docs_list_every_check() -> None:
    """docs/scenarios.md (where the scenario format moved from README) has one row each."""
    page = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    section = page.split("\n## Expectations", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| ((?:`\w+`(?:, )?)+) \|", section, re.M)
    names = [n for row in listed for n in re.findall(r"`(\w+)`", row)]
    assert sorted(names) == sorted(BY_NAME), Path("docs/scenarios.md")
