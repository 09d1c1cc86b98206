"""Bounded previews of bulk data in text views (issue 14).

A 10 MB write printed in full is 10 MB of terminal output that nobody reads, and most of
the run's time (rich wraps it line by line). Text views show the first PREVIEW_BYTES
and how many bytes more; ``-vv`` or ``--full-data`` show all of it. JSON keeps all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from tlsstep.repeated import Repeated

if TYPE_CHECKING:
    from tlsstep.events import Event

PREVIEW_BYTES: Final = 64


def data_preview(data: bytes | Repeated, *, full: bool = False) -> str:
    """``b'GET / HTTP/1.1...'… 1234 bytes more``, or the whole repr when ``full``."""
    if full or len(data) <= PREVIEW_BYTES:
        return repr(data)
    head = data.head(PREVIEW_BYTES) if isinstance(data, Repeated) else data[:PREVIEW_BYTES]
    return f"{head!r}… {len(data) - PREVIEW_BYTES} bytes more"


def call_text(event: Event, *, full: bool = False) -> str:
    """:attr:`Event.call` with bytes arguments previewed: ``client.write(data=b'..'… N bytes more)``."""
    shown = ", ".join(
        f"{k}={data_preview(v, full=full) if isinstance(v, bytes | Repeated) else repr(v)}"
        for k, v in event.args
    )
    return f"{event.side}.{event.op}({shown})"
