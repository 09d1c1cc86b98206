"""The one step parser: TOML tables and shell lines give the same steps; errors name the key."""

from __future__ import annotations

import pytest

from tlsstep.events import Side
from tlsstep.faults import Flip, Overwrite, Swap
from tlsstep.steps import (
    Deliver,
    Handshake,
    StepError,
    Tamper,
    Write,
    parse_line,
    parse_step,
    step_table,
)

LINES = [
    "handshake",
    "handshake client",
    "deliver client",
    "deliver server records=1",
    "deliver client bytes=1",
    "write client 'GET / HTTP/1.0'",
    "write server hex=00ff",
    "read server size=5",
    "unwrap client",
    "verify_client_post_handshake",
    "resume",
    "eof server",
    "tamper server flip=40 bit=3",
    "tamper client overwrite=0 hex=17",
    "tamper client truncate=10",
    "tamper client insert=0 hex=0000",
    "tamper server drop=1",
    "tamper server duplicate=0",
    "tamper server swap=0,1",
]


@pytest.mark.parametrize("line", LINES)
def test_round_trip(line: str) -> None:
    step = parse_line(line)
    assert parse_step(step_table(step)) == step


def test_shell_and_table_agree() -> None:
    assert parse_line("deliver server records=1") == parse_step(
        {"op": "deliver", "side": "server", "records": 1}
    )
    assert parse_line("tamper server flip=40") == Tamper(
        side=Side.server, fault=Flip(offset=40, bit=0)
    )
    assert parse_line("tamper server swap=0,1") == Tamper(
        side=Side.server, fault=Swap(first=0, second=1)
    )
    assert parse_line("write client hi") == Write(side=Side.client, data=b"hi")
    assert parse_line("handshake both") == Handshake()
    assert parse_step(
        {"op": "tamper", "side": "client", "overwrite": 3, "hex": "aa bb"}
    ).fault == Overwrite(  # type: ignore[attr-defined]
        offset=3, data=b"\xaa\xbb"
    )


def test_expectations_are_kept() -> None:
    step = parse_step({"op": "deliver", "side": "client", "expect": {"result": "done"}})
    assert step == Deliver(side=Side.client, expect=(("result", "done"),))


@pytest.mark.parametrize(
    ("table", "message", "key"),
    [
        (
            {"op": "delivr", "side": "client"},
            "unknown step 'delivr' (did you mean 'deliver'?)",
            "op",
        ),
        ({"side": "client"}, "a step needs op", "op"),
        ({"op": "deliver"}, "deliver needs side", "side"),
        ({"op": "deliver", "side": "both"}, "side must be client or server", "side"),
        (
            {"op": "deliver", "side": "client", "records": "x"},
            "records must be a whole number",
            "records",
        ),
        ({"op": "deliver", "side": "client", "record": 1}, "(did you mean 'records'?)", "record"),
        ({"op": "deliver", "side": "client", "bytes": 1, "records": 1}, "not both", "records"),
        ({"op": "write", "side": "client"}, "write needs data (text) or hex", "data"),
        ({"op": "write", "side": "client", "hex": "zz"}, "hex digits", "hex"),
        ({"op": "tamper", "side": "client"}, "exactly one of", "tamper"),
        ({"op": "tamper", "side": "client", "flip": True}, "whole number", "flip"),
        (
            {"op": "read", "side": "client", "expect": {"versoin": "x"}},
            "did you mean 'version'",
            "expect.versoin",
        ),
    ],
)
def test_errors_name_the_key(table: dict[str, object], message: str, key: str) -> None:
    with pytest.raises(StepError) as info:
        parse_step(table)
    assert message in info.value.message
    assert info.value.key == key


def test_shell_errors() -> None:
    with pytest.raises(StepError, match="unexpected 'extra'"):
        parse_line("unwrap client extra")
    with pytest.raises(StepError, match="cannot split"):
        parse_line("write client 'unbalanced")
