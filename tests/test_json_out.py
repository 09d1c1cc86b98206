"""JSON written through the C encoder (issue 14): the same values, outer levels spread."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tests.pcap.helpers import tlsstep_cli
from tlsstep.render.json_out import dumps

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(values, st.integers(0, 4))
def test_round_trips(value: object, levels: int) -> None:
    assert json.loads(dumps(value, levels=levels)) == value


def test_outer_levels_one_member_per_line() -> None:
    text = dumps({"summary": {"ok": True}, "events": [{"a": [1, 2]}, {"b": {}}], "empty": []})
    assert text.splitlines() == [
        "{",
        '  "summary": {',
        '    "ok": true',
        "  },",
        '  "events": [',
        '    {"a": [1, 2]},',
        '    {"b": {}}',
        "  ],",
        '  "empty": []',
        "}",
    ]


def test_decode_json_and_jsonl_are_one_or_the_other() -> None:
    result = tlsstep_cli("decode", "--json", "--jsonl", __file__)
    assert result.exit_code == 2 and "give one" in result.output
