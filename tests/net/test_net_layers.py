"""tlsstep.net is below render and commands: it imports neither rich nor click."""

from __future__ import annotations

from tests.test_layering import _loaded_after


def test_net_imports_neither_rich_nor_click() -> None:
    loaded = _loaded_after(
        [
            "tlsstep.net.address",
            "tlsstep.net.carrier",
            "tlsstep.net.problems",
            "tlsstep.net.sniff",
            "tlsstep.net.starttls",
            "tlsstep.net.trust",
            "tlsstep.net.dial",
            "tlsstep.net.link",
            "tlsstep.net.remote",
            "tlsstep.net.sessions",
            "tlsstep.net.plans",
            "tlsstep.net.capture",
            "tlsstep.net.connect_setup",
            "tlsstep.net.serve_setup",
            "tlsstep.exit_status",
        ]
    )
    assert not {m for m in loaded if m == "rich" or m.startswith(("rich.", "click"))}
