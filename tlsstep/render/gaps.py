"""Capture gaps (issue 18) as a terminal line and as JSON, from one value.

A gap is shown where it happens in its stream: which side lost bytes, where in
that side's byte stream (and at which TCP sequence number), how many, and what
it cut. The records framed after it carry their own marks (``after_gap``,
``damaged``, ``records_lost``) in :func:`tlsstep.render.json.record_dict`.
"""

from __future__ import annotations

from typing import Any

from tlsstep.pcap.capture import StreamGapFound


def gap_text(gap: StreamGapFound) -> str:
    """The gap's line (without stream number and direction)."""
    seq = f", TCP seq {gap.tcp_seq}" if gap.tcp_seq is not None else ""
    text = (
        f"gap: {gap.size} bytes missing from the capture at stream offset {gap.offset}"
        f"{seq}; {gap.where}"
    )
    for m in gap.messages:
        text += f"; {m.name} cut: {m.note}"
    return text


def gap_dict(gap: StreamGapFound) -> dict[str, Any]:
    """The gap as an item of its stream's ``records`` list: ``from`` and ``offset`` as
    records have them, the rest under ``gap``."""
    from tlsstep.render.json import message_dict

    return {
        "from": str(gap.sender),
        "offset": gap.offset,
        "gap": {
            "size": gap.size,
            "tcp_seq": gap.tcp_seq,
            "where": gap.where,
            "record_offset": gap.record_offset,
            "record_length": gap.record_length,
            "messages": [message_dict(m) for m in gap.messages],
        },
    }
