"""Bounded previews of bulk data in text views (issue 14).

A 10 MB write printed in full is 10 MB of terminal output that nobody reads, and most of
the run's time (rich wraps it line by line). Text views show the first PREVIEW_BYTES
and how many bytes more; ``-vv`` or ``--full-data`` show all of it. JSON keeps all of it
(its ``call`` label shows a bytes argument past LABEL_BYTES by its head).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from tlsstep.repeated import Repeated

if TYPE_CHECKING:
    from tlsstep.events import Event

PREVIEW_BYTES: Final = 64
# JSON's ``call`` is a label: a bytes argument longer than this is shown by its head
# (``args`` keeps all of it), so a 10 MB write is not spelled out twice.
LABEL_BYTES: Final = 1024


def data_preview(data: bytes | Repeated, *, full: bool = False, shown: int = PREVIEW_BYTES) -> str:
    """``b'GET / HTTP/1.1...'… 1234 bytes more``, or the whole repr when ``full``."""
    if full or len(data) <= shown:
        return repr(data)
    head = data.head(shown) if isinstance(data, Repeated) else data[:shown]
    return f"{head!r}… {len(data) - shown} bytes more"


def call_text(event: Event, *, full: bool = False, shown: int = PREVIEW_BYTES) -> str:
    """:attr:`Event.call` with bytes arguments previewed: ``client.write(data=b'..'… N bytes more)``."""
    args = ", ".join(
        f"{k}={data_preview(v, full=full, shown=shown) if isinstance(v, bytes | Repeated) else repr(v)}"
        for k, v in event.args
    )
    return f"{event.side}.{event.op}({args})"


def call_label(event: Event) -> str:
    """:attr:`Event.call` for JSON: the same text, bytes arguments over LABEL_BYTES previewed."""
    return call_text(event, shown=LABEL_BYTES)
