"""Any scenario text gives a result or a FILE:LINE error, never a traceback (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlsstep.checks import BY_NAME as EXPECT_KEYS
from tlsstep.errors import ScenarioError
from tlsstep.scenario import loads, run
from tlsstep.scenario.dump import value
from tlsstep.steps import OPS

STEP_KEYS = sorted({k for spec in OPS.values() for k in spec.keys} | {"nope"})
SIDE_KEYS = ["min_version", "max_version", "ciphers", "group", "alpn", "verify"]
SIDE_KEYS += ["send_certificate", "post_handshake_auth", "num_tickets", "ignore_unexpected_eof"]
WORDS = [*OPS, "client", "server", "both", "", "00ff", "zz", "want read", "done", "1.2", "1.3"]

scalars = st.one_of(
    st.integers(-3, 70000),
    st.sampled_from([10**12, -(10**12), 2**70]),
    st.booleans(),
    st.sampled_from(WORDS),
    st.floats(allow_nan=False, allow_infinity=False),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3))
checks = st.dictionaries(st.sampled_from([*EXPECT_KEYS, "bogus"]), values, max_size=2)
expect = st.dictionaries(
    st.sampled_from([*EXPECT_KEYS, "client", "server"]), st.one_of(values, checks), max_size=3
)
step = st.builds(
    lambda op, extra, side, exp: {
        **extra,
        "op": op,
        **({"side": side} if side else {}),
        **({"expect": exp} if exp else {}),
    },
    st.sampled_from(list(OPS)),
    st.dictionaries(st.sampled_from(STEP_KEYS), values, max_size=3),
    st.sampled_from([None, "client", "server"]),
    st.one_of(st.none(), expect),
)
side_table = st.dictionaries(st.sampled_from([*SIDE_KEYS, "bogus"]), values, max_size=3)


def toml(doc: dict[str, Any]) -> str:
    lines = [f"{k} = {value(v)}" for k, v in doc.items() if k not in ("client", "server", "steps")]
    for side in ("client", "server"):
        if side in doc:
            lines += [f"[{side}]"] + [f"{k} = {value(v)}" for k, v in doc[side].items()]
    for table in doc["steps"]:
        lines += ["[[step]]"] + [f"{k} = {value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.fixed_dictionaries(
        {"steps": st.lists(step, min_size=1, max_size=4)},
        optional={
            "client": side_table,
            "server": side_table,
            "client_cert": scalars,
            "server_name": scalars,
        },
    )
)
def test_any_scenario_runs_or_names_its_line(doc: dict[str, Any]) -> None:
    text = toml(doc)
    try:
        scenario = loads(text, path="fuzz.toml")
    except ScenarioError as exc:
        assert str(exc).startswith("fuzz.toml")
        return
    result = run(scenario)
    assert result.status in ("pass", "fail", "invalid")
    if result.error is not None:
        assert result.error.path == "fuzz.toml"
