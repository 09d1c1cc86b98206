"""Every bound on what a user may ask for, in one table (issue 17 items 1-2, 4, 6; #16 item 8).

The same ranges hold wherever a value comes from - a command-line option, a
scenario key, a shell word - so a scenario cannot ask for what the CLI refuses,
and a small file can never ask for unbounded work: a count, a repeat or a size
from a file is checked before anything is allocated or run. Only the standard
library is imported here, so ``--help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from tlsstep.frozen import frozen


@frozen
class Range:
    """Whole numbers from ``low`` to ``high``, both included."""

    low: int
    high: int

    def problem(self, value: int, name: str) -> str | None:
        """Why ``value`` is out of range (naming it ``name``), or None."""
        if self.low <= value <= self.high:
            return None
        return f"{name} must be {self.low} to {self.high}, not {_short_int(value)}"


MIB: Final = 1 << 20
# The most bytes one write step may produce (data x repeat): a bigger one is a test
# of memory, not of TLS. 64 MiB is 4,096 full TLS records.
MAX_WRITE_BYTES: Final = 64 * MIB
MAX_REPEAT: Final = MIB
# read() allocates its whole size up front.
MAX_READ: Final = MIB
# Byte offsets and counts into a queue, record numbers and counts: more than any
# queue can hold, and small enough that no arithmetic on them is slow.
MAX_INDEX: Final = (1 << 31) - 1
# RFC 7301 §3.1: ProtocolName<1..2^8-1>; a list longer than this teaches nothing.
MAX_ALPN_NAMES: Final = 32
MAX_ALPN_NAME_BYTES: Final = 255
# The longest a receive step may wait for a remote peer, in seconds.
MAX_RECEIVE_SECONDS: Final = 600.0
# Files tlsstep reads whole, and shell lines.
MAX_SCENARIO_BYTES: Final = 4 * MIB
MAX_CERT_FILE_BYTES: Final = MIB
MAX_KEYLOG_BYTES: Final = 64 * MIB  # decode --keylog: a long capture's secrets
MAX_SHELL_LINE: Final = MIB
# Tables nested deeper than this in a scenario are refused before TOML parses them.
MAX_TOML_DEPTH: Final = 32
# How much of a bad value an error message quotes.
QUOTE_CHARS: Final = 80

_BYTES: Final = Range(low=0, high=MAX_INDEX)

# Integer settings by name: configuration fields (scenario keys and options) and
# "op.key" for step keys.
RANGES: Final[dict[str, Range]] = {
    "num_tickets": Range(low=0, high=16),
    "chain_depth": Range(low=1, high=5),
    "deliver.bytes": _BYTES,
    "deliver.records": _BYTES,
    "write.repeat": Range(low=1, high=MAX_REPEAT),
    "read.size": Range(low=0, high=MAX_READ),
    "tamper.flip": _BYTES,
    "tamper.bit": Range(low=0, high=7),
    "tamper.overwrite": _BYTES,
    "tamper.truncate": _BYTES,
    "tamper.insert": _BYTES,
    "tamper.drop": _BYTES,
    "tamper.duplicate": _BYTES,
    "tamper.swap": _BYTES,
    "expect.data_size": _BYTES,
    "expect.records": _BYTES,
}


def _short_int(value: int) -> str:
    text = str(value) if value.bit_length() < 200 else f"a number of {value.bit_length()} bits"
    return text


def range_problem(name: str, value: int, shown: str | None = None) -> str | None:
    """Why the setting ``name`` cannot be ``value``, or None (also for unbounded names)."""
    found = RANGES.get(name)
    return found.problem(value, shown or name) if found is not None else None


def write_problem(unit: int, repeat: int) -> str | None:
    """Why a write of ``unit`` bytes ``repeat`` times is too big, or None."""
    if unit * repeat <= MAX_WRITE_BYTES:
        return None
    return (
        f"a write may produce at most {MAX_WRITE_BYTES:,} bytes (64 MiB); "
        f"{unit:,} bytes x repeat {repeat:,} is {unit * repeat:,}"
    )


def alpn_problem(names: Sequence[str], shown: str) -> str | None:
    """Why ``names`` is not a usable ALPN list (RFC 7301 §3.1), or None."""
    if len(names) > MAX_ALPN_NAMES:
        return f"{shown}: at most {MAX_ALPN_NAMES} protocol names, not {len(names):,}"
    for name in names:
        size = len(name.encode("utf-8", "surrogatepass"))
        if not 1 <= size <= MAX_ALPN_NAME_BYTES:
            return (
                f"{shown}: a protocol name is 1 to {MAX_ALPN_NAME_BYTES} bytes, "
                f"not {size:,}: {quote(name)}"
            )
    return None


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """``value`` as an error message shows it: like ``repr``, control characters
    escaped, and at most ``limit`` characters of it with the full length said."""
    from tlsstep.safe_text import escape

    if isinstance(value, str):
        if len(value) <= limit:
            return "'" + escape(value).replace("'", "\\'") + "'"
        head = escape(value[:limit]).replace("'", "\\'")
        return f"'{head}…' ({len(value):,} characters)"
    if isinstance(value, bytes | bytearray):
        shown = bytes(value[:limit])
        more = f"… ({len(value):,} bytes)" if len(value) > limit else ""
        return repr(shown) + more
    if isinstance(value, int) and not isinstance(value, bool):
        return _short_int(value)
    if isinstance(value, list | tuple | dict) and len(value) > 8:
        kind = type(value).__name__
        return f"a {kind} of {len(value):,} items"
    text = repr(value)
    if len(text) > limit:
        return f"{escape(text[:limit])}… ({len(text):,} characters)"
    return escape(text)
