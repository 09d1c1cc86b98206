"""The transition table as Mermaid diagrams: docs/states.md is generated here.

``python -m tlsstep.states.docs > docs/states.md`` rewrites it; a test checks that
the file matches the table.
"""

from __future__ import annotations

from typing import Final

from tlsstep.events import Side
from tlsstep.states.table import TABLE_VERSIONS, Direction, State, transitions
from tlsstep.wire.enums import ProtocolVersion


def mermaid(version: ProtocolVersion, role: Side) -> str:
    """A Mermaid ``stateDiagram-v2`` of one machine, one arrow per row (self-loops merged)."""
    lines = ["stateDiagram-v2", "    [*] --> START"]
    arrows: dict[tuple[State, State], list[str]] = {}
    for row in transitions(version, role):
        verb = "send" if row.direction is Direction.sent else "recv"
        when = f" [{row.when}]" if row.when else ""
        arrows.setdefault((row.source, row.target), []).append(f"{verb} {row.message}{when}")
    for (source, target), labels in arrows.items():
        lines.append(f"    {source} --> {target}: {' / '.join(labels)}")
    lines.append("    CONNECTED --> [*]")
    return "\n".join(lines)


DOCS_INTRO: Final = """\
# Handshake states

Generated from `tlsstep/states/table.py` (`TRANSITIONS`), the table the code runs on:
`python -m tlsstep.states.docs > docs/states.md`

TLS 1.3 states are RFC 8446 Appendix A's. RFC 5246 defines no state machine for TLS 1.2;
tlsstep names the waits of its message flow (§7.3, Figures 1 and 2) in the same style, and
prefixes the abbreviated (resumed) handshake's states with `RESUME_`, because there the
server sends its Finished first. `ChangeCipherSpec` is an input in TLS 1.2 (a record, not
a handshake message); in TLS 1.3 it is ignored (Appendix D.4).

A side's state moves on the messages its own OpenSSL processed, as OpenSSL reports them
(Python's `SSLContext._msg_callback`), credited to the call that wrote or read them; a
failed call stops at the message OpenSSL rejected. Where Python lacks the callback, states
are derived from the decoded bytes and Python's `handshake_done`, and marked so.
"""


def docs_markdown() -> str:
    parts = [DOCS_INTRO]
    for version in TABLE_VERSIONS:
        for role in Side:
            parts.append(
                f"\n## {version.label} {role}\n\n```mermaid\n{mermaid(version, role)}\n```\n"
            )
    return "".join(parts)


if __name__ == "__main__":
    print(docs_markdown(), end="")
