"""One record as a line of plain text, and application data as text: no rich.

``tlsstep decode`` writes a line per record to a pipe, so this module is what its hot
path imports; render/terminal.py styles the same parts for a terminal, and
render/json.py shows data as text by the same rule. Nothing here imports rich or the
session, so a piped decode loads neither (issue 14).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from tlsstep.decode import DataRun, RecordView
from tlsstep.events import Side
from tlsstep.wire.enums import ContentType, name_of, version_name

ARROW: Final = {Side.client: "──▶", Side.server: "◀──"}

_PROBE: Final = 64  # bytes looked at first: binary data is told from text by its start


# ASCII control characters but tab, newline and carriage return: each is a character of
# its own in UTF-8, never printable. The rest of the 256 byte values, to delete.
_CONTROLS: Final = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_NOT_CONTROLS: Final = bytes(b for b in range(256) if b not in _CONTROLS)


# The ASCII that is text by data_text's rule: what str.isprintable() says of ASCII (0x20
# to 0x7e), tabs and newlines.
_ASCII_TEXT: Final = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def _ascii_text(data: bytes | memoryview) -> bool | None:
    """Whether ASCII ``data`` is text by :func:`data_text`'s rule, told in one C pass
    without decoding it (decoding 16 KB and ``isprintable`` cost six times as much:
    issue 14's 10 MB shell write); None when ``data`` is not ASCII."""
    raw = data if isinstance(data, bytes) else bytes(data)
    if not raw.isascii():
        return None
    return not raw.translate(None, _ASCII_TEXT)


def data_text(data: bytes | memoryview) -> str | None:
    """``data`` as text if it is UTF-8 with nothing unprintable but tabs and newlines."""
    ascii_text = _ascii_text(data)
    if ascii_text is not None:
        return str(data, "ascii") if ascii_text else None
    head = bytes(data[:_PROBE])
    if head.translate(None, _NOT_CONTROLS):
        return None  # a control character: binary, told without decoding (issue 14)
    if len(data) > _PROBE and not _may_be_text(head):
        return None  # a 16 KB record of binary data is not decoded whole (issue 14)
    try:
        text = str(data, "utf-8")
    except UnicodeDecodeError:
        return None
    if text.isprintable() or all(c.isprintable() or c in "\r\n\t" for c in text):
        return text
    return None


def _may_be_text(head: bytes) -> bool:
    """False when data starting with ``head`` cannot be text (see :func:`data_text`):
    ``head`` holds a byte sequence that is not UTF-8, or a character that is
    unprintable. A sequence cut by the end of ``head`` (the last 3 bytes) decides
    nothing."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a character of up to 4 bytes may go on
    return text.isprintable() or all(c.isprintable() or c in "\r\n\t" for c in text)


# Wide enough for "application_data → handshake", so every record's columns line up.
TYPE_COLUMN: Final = 28


def record_type(view: RecordView) -> str:
    """The record's type as it crossed: ``application_data → handshake`` when a protected
    record's header type (the outer one, on the wire) hides another inner type."""
    outer = view.record.content_type
    inner = view.inner_content_type if view.protected else None
    return _type_name(outer, inner if inner != outer else None)


@lru_cache(maxsize=256)
def _type_name(outer: int, inner: int | None) -> str:
    if inner is not None:
        return f"{name_of(ContentType, outer)} → {name_of(ContentType, inner)}"
    return name_of(ContentType, outer)


# The line's first columns, made once per (outer type, inner type, record version):
# every record of a stream has one of a few (issue 14: a line per 16 KB record).
@lru_cache(maxsize=256)
def _head(outer: int, inner: int | None, version: int) -> tuple[str, str]:
    return f"{_type_name(outer, inner):<{TYPE_COLUMN}}", f" {version_name(version):<8} "


def record_parts(view: RecordView) -> list[tuple[str, str]]:
    """One record's line as (text, style) pieces: type (outer → inner), version, length,
    keys, then what it carried. :func:`record_line` styles them; a pipe joins them
    (``decode`` writes a record a line, and rich's objects cost more than the decoding).

    Parts are joined by single spaces and nothing trails the last one (piped output
    carries no trailing blanks).
    """
    rec = view.record
    outer = rec.content_type
    inner = view.inner_content_type if view.protected else None
    kind, version = _head(outer, inner if inner != outer else None, rec.legacy_record_version)
    parts = [
        ("      ", ""),
        (kind, "tlsstep.record"),
        (f"{version}{rec.length:>5} B", "tlsstep.dim"),
    ]
    if view.protected:
        parts.append((" 🔒" if view.plaintext is not None else " encrypted", "tlsstep.protected"))
        if view.epoch:
            parts.append((f" [{view.epoch}]", "tlsstep.protected"))
    if view.messages:
        names = []
        for m in view.messages:
            mark = "" if m.verified is None else (" ✓" if m.verified else " ✗ verify_data mismatch")
            mark += " (damaged)" if m.message.missing else ""
            names.append(m.name + mark)
        parts.append((" " + ", ".join(names), "tlsstep.message"))
    if view.alert:
        parts.append(
            (f" alert {view.alert.level_name} {view.alert.description_name}", "tlsstep.alert")
        )
    data = view.application_data
    if data is not None:
        body = _data_body(data)
        parts.append((f" {len(data)} bytes of application data: {body!r}", "tlsstep.message"))
    if view.note and view.protected and view.plaintext is None:
        parts.append((f" ({view.note.removeprefix('encrypted: ')})", "tlsstep.dim"))
    elif view.note:
        parts.append((f"  ({view.note})", "tlsstep.dim"))
    return parts


def run_plain(run: DataRun, prefix: str) -> bytes:
    """:func:`record_plain` of each record of ``run``, after ``prefix``, a line each, in
    UTF-8: its columns made once (issue 14: the line of a 16 KB record of a steady
    stream, in the decoder's fast path), each line made as bytes (the arrow and the
    lock made a line of str four bytes a character, then encoded)."""
    outer = ContentType.application_data
    kind, version = _head(outer, None, run.version)  # the inner type is the outer one
    tail = f" B 🔒 [{run.epoch}] " if run.epoch else " B 🔒 "
    line = (
        f"{prefix}      {kind}{version}".replace("%", "%%").encode()
        + b"%5d"
        + tail.replace("%", "%%").encode()
        + b"%d bytes of application data: %s\n"
    )
    return b"".join(
        [
            line % (length, len(data), repr(_data_body(data)).encode())
            for _offset, length, data in run.records
        ]
    )


def _data_body(data: bytes | memoryview, width: int = 60) -> str:
    """What a record line shows of its data: the text, or the hex, cut to ``width``;
    only the hex that is shown is made (a 16 KB record's hex is 32 KB), and of ASCII
    text only what is shown is decoded (a character a byte)."""
    if _ascii_text(data):
        if len(data) <= width:
            return str(data, "ascii")
        return str(data[: width - 3], "ascii") + "..."
    text = data_text(data)
    if text is None:
        if 2 * len(data) <= width:
            return data.hex()
        return data[: (width - 3 + 1) // 2].hex()[: width - 3] + "..."
    return text if len(text) <= width else text[: width - 3] + "..."


def record_plain(view: RecordView) -> str:
    """One record as plain text (see :func:`record_parts`)."""
    return "".join([text for text, _ in record_parts(view)])


_DIRECTION: Final = {side: f"{Side.client} {ARROW[side]} {Side.server}" for side in Side}

# What rich strips from text (rich.control.STRIP_CONTROL_CODES): a piped line without
# rich is stripped alike (tests/test_plain_output.py compares the two).
CONTROL_CODES: Final = "\x07\x08\x0b\x0c\x0d"
_NO_CONTROLS: Final = str.maketrans(dict.fromkeys(CONTROL_CODES))


def strip_controls(text: str) -> str:
    """``text`` without the control characters rich's ``Text`` strips."""
    return text.translate(_NO_CONTROLS)


def direction_plain(sender: Side) -> str:
    """:func:`direction` as plain text."""
    return _DIRECTION[sender]
