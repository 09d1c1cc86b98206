"""``tlsstep decode``: the TLS streams of a pcap or pcapng capture, record by record."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Final, cast

import click

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from tlsstep.decode import DataRun, Unprotector
    from tlsstep.pcap.capture import CaptureItem, CaptureSummary, UnprotectorFactory

EPILOG = """\b
Examples:
  tlsstep decode run.pcapng                  secrets from the file's own secrets block
  tlsstep decode dump.pcap --keylog keys.txt (SSLKEYLOGFILE format)
  tlsstep decode dump.pcap --port 8443 --json
  tlsstep decode run.pcapng --html run.html  (one page; it holds the secrets)
"""


# Set (to anything) in the environment, decode takes every record through the general
# path, one value each: for tests that compare the fast path's output with it (issue 14).
GENERAL_PATH_ENV: Final = "TLSSTEP_DECODE_GENERAL_PATH"

# Said once, where the first record that needed a key log is shown (issue 16, item 3).
NO_KEYLOG_NOTE = (
    "no key log: encrypted records are shown undecrypted, their keys ([handshake], "
    "[application]) inferred from the order of the records. Give the TLS secrets with "
    "--keylog FILE (the NSS key log format, as SSLKEYLOGFILE writes it), or capture with "
    "tlsstep handshake --pcap, which embeds them."
)


def _needs_keylog(view: Any) -> bool:
    note = view.note
    if note is None:  # every record that opened: the per-record path costs nothing more
        return False
    from tlsstep.crypto.unprotector import NO_KEYLOG

    return bool(note) and note == f"encrypted: {NO_KEYLOG}"


def unprotector_factory() -> UnprotectorFactory:
    """The crypto layer's unprotectors, fed from one shared key log.

    The capture decoder passes all key log text known when a TLS stream starts
    (``--keylog`` and the Decryption Secrets Blocks read so far); only the part not
    yet parsed is parsed, and every stream's unprotector looks its secrets up in
    the same :class:`tlsstep.crypto.keylog.KeyLog` by client random.
    """
    from tlsstep.crypto.keylog import KeyLog
    from tlsstep.crypto.unprotector import ConnectionUnprotector

    keylog = KeyLog()
    parsed = 0

    def make(text: bytes) -> Unprotector:
        nonlocal parsed
        if len(text) > parsed:
            # Each addition ends at a whole secrets block or file: its last line is whole.
            keylog.feed(text[parsed:].decode("ascii", "replace"), final=True)
            parsed = len(text)
        return cast("Unprotector", ConnectionUnprotector(keylog))

    return make


@click.command(
    "decode", short_help="Decode the TLS streams of a pcap or pcapng capture.", epilog=EPILOG
)
@click.argument("capture", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--keylog",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Read TLS secrets from this NSS key log file, besides the capture's own.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Decode only TCP streams with an endpoint on this port.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON array instead, written as the capture is read: one object per "
    "stream, record, note and stream end, then a summary (schema in README).",
)
@click.option(
    "--jsonl",
    "as_jsonl",
    is_flag=True,
    help="The same objects as --json, one per line (JSON Lines), without the array.",
)
@click.option(
    "--html",
    "html_path",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the streams to FILE as one self-contained HTML page (a ladder per stream, "
    "each record's bytes and fields, its decryption, the Finished recomputation, the "
    "secrets) instead of listing them (not with --json or --jsonl). "
    "The page embeds the secrets of the key log and the keys derived from them: it is "
    "written with mode 0600, share it only as you would the key log.",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="-v adds each message's decoded fields as a tree; -vv adds their bytes in hex.",
)
def decode_command(
    capture: str,
    keylog: str | None,
    port: int | None,
    as_json: bool,
    as_jsonl: bool,
    html_path: str | None,
    verbose: int,
) -> None:
    """Decode every TLS stream of CAPTURE (pcap or pcapng; Ethernet, raw IP or
    Linux cooked links; IPv4 and IPv6).

    TCP streams are reassembled in sequence order, so retransmitted and
    out-of-order segments do not matter. Secrets come from the capture's
    Decryption Secrets Blocks and from --keylog. Streams that are not TLS are
    listed and skipped. A damaged file is decoded up to the damage, which is
    reported with its byte offset (exit status 1).
    """

    from tlsstep.pcap.capture import decode_capture

    if as_json and as_jsonl:
        raise click.UsageError("--json and --jsonl are two forms of one output: give one")

    keylog_text = b""
    if keylog is not None:
        from tlsstep.bounded_read import FileProblem, read_file
        from tlsstep.limits import MAX_KEYLOG_BYTES

        try:  # a file or a pipe (--keylog <(...)), never /dev/zero read forever
            keylog_text = read_file(keylog, limit=MAX_KEYLOG_BYTES, what="a key log", pipes=True)
        except FileProblem as exc:
            raise click.BadParameter(str(exc), param_hint="--keylog") from None
    try:
        file = sys.stdin.buffer if capture == "-" else open(capture, "rb")  # noqa: SIM115
    except OSError as exc:
        raise click.ClickException(f"cannot open {capture}: {exc.strerror}") from None
    if html_path is not None and (as_json or as_jsonl):
        raise click.UsageError("--html writes the page instead of a listing: drop --json/--jsonl")
    if html_path is not None:
        from tlsstep.commands.options import check_writable

        check_writable(html_path, "--html")
    with file:
        factory = unprotector_factory()
        if html_path is not None:
            from tlsstep.render.details import CaptureDetails

            details = CaptureDetails(factory)
            items = decode_capture(
                file, keylog=keylog_text, port=port, unprotector_factory=details.factory
            )
            summary = _page(items, capture, details, html_path)
        else:
            as_text = not (as_json or as_jsonl)
            # Runs of application data records are written a run at a time by the views
            # that show of each record only its line or its JSON object (issue 14); the
            # others, and tests comparing the two (GENERAL_PATH_ENV), take every record.
            runs = not (verbose or os.environ.get(GENERAL_PATH_ENV) or (as_text and _styled()))
            items = decode_capture(
                file, keylog=keylog_text, port=port, unprotector_factory=factory, runs=runs
            )
            if not as_text:
                summary = _json(items, capture, lines=as_jsonl)
            elif runs:
                summary = _plain_text(items, capture)
            else:
                summary = _text(items, capture, verbose)
    if summary.error is not None:
        raise click.ClickException(f"{capture}: {summary.error}")


def _styled() -> bool:
    """Whether the listing goes through rich: standard output is a terminal, or colour
    is asked for (as :func:`tlsstep.render.console.make_console` decides, without rich)."""
    from tlsstep.render.color import plain_pipe

    return not plain_pipe(sys.stdout)


def _plain_text(items: Iterable[CaptureItem], capture: str) -> CaptureSummary:
    """:func:`_text` on a pipe without -v, written without rich: the same lines (a test
    compares them), runs of application data records a run at a time, as bytes."""
    import dataclasses
    import re

    from tlsstep.pcap import capture as c
    from tlsstep.render.record_text import (
        CONTROL_CODES,
        direction_plain,
        record_plain,
        run_plain,
        strip_controls,
    )

    has_control = re.compile(f"[{CONTROL_CODES}]").search
    write, write_utf8 = _writers()
    said = False
    for item in items:
        if isinstance(item, c.StreamRecords):
            run = item.run
            head = f"{item.stream.number:>3} {direction_plain(run.sender)}"
            # No control character to strip: the columns and the epoch are ours, and the
            # data is shown as a repr, which escapes every one (a search per run was 5%).
            write_utf8(run_plain(run, head))
            continue
        if isinstance(item, c.StreamRecord):
            view = item.view
            if _needs_keylog(view):
                if not said:
                    write(NO_KEYLOG_NOTE + "\n")
                    said = True
                view = dataclasses.replace(view, note=None)  # said once, above
            number = item.stream.number
            text = f"{number:>3} {direction_plain(view.sender)}{record_plain(view)}\n"
        elif isinstance(item, c.StreamFound):
            s = item.stream
            what = "  TLS" if item.tls else f"  skipped: {item.reason}"
            text = (
                f"stream {s.number}: client {c.endpoint_text(s.client)}, "
                f"server {c.endpoint_text(s.server)}{what}\n"
            )
        elif isinstance(item, c.StreamGapFound):
            from tlsstep.render.gaps import gap_text

            number = item.stream.number
            text = f"{number:>3} {direction_plain(item.sender)}      {gap_text(item)}\n"
        elif isinstance(item, c.StreamNote):
            who = f"{item.sender} " if item.sender else ""
            text = f"{item.stream.number:>3} {who}{item.text}\n"
        elif isinstance(item, c.StreamEnded):
            s = item.stream
            text = f"stream {s.number} ends ({item.reason}): {item.records} records\n"
        else:
            write(strip_controls(f"{capture}: {_summary_text(item)}\n"))
            write(None)
            return item
        if has_control(text):  # rare: as rich's Text would
            text = strip_controls(text)
        write(text)
    raise AssertionError("decode_capture always ends with a summary")


def _writers() -> tuple[Callable[[str | None], None], Callable[[bytes], object]]:
    """Where :func:`_plain_text` writes text, and text already encoded in UTF-8: standard
    output's binary buffer when it encodes UTF-8 (no str is made of the bulk of the
    lines), else standard output itself. Text goes as standard output would encode it;
    ``None`` flushes."""
    import codecs

    out = sys.stdout
    out.flush()
    raw = getattr(out, "buffer", None)
    if raw is None or codecs.lookup(out.encoding).name != "utf-8":

        def write(text: str | None) -> None:
            if text is None:
                out.flush()
            else:
                out.write(text)

        return write, lambda data: out.write(data.decode())

    encoding, errors = out.encoding, out.errors or "strict"

    def write_raw(text: str | None) -> None:
        if text is None:
            raw.flush()
        else:
            raw.write(text.encode(encoding, errors))

    return write_raw, raw.write


def _text(items: Iterable[CaptureItem], capture: str, verbose: int = 0) -> CaptureSummary:
    import dataclasses
    import re

    from rich.control import STRIP_CONTROL_CODES, strip_control_codes
    from rich.text import Text

    from tlsstep.pcap import capture as c
    from tlsstep.render.console import make_console
    from tlsstep.render.record_text import direction_plain, record_plain

    has_control = re.compile("[" + "".join(map(chr, STRIP_CONTROL_CODES)) + "]").search
    console = make_console()
    # Rich is kept for a terminal; a pipe gets the same text without styling, which
    # is what makes decoding a large capture fast (one write per record).
    plain = not console.is_terminal
    out = sys.stdout

    def show(text: Text) -> None:
        if plain:
            out.write(text.plain + "\n")
        else:
            console.print(text)

    said = False
    for item in items:
        if isinstance(item, c.StreamRecord):
            view = item.view
            if _needs_keylog(view):
                if not said:
                    show(Text(NO_KEYLOG_NOTE, style="tlsstep.alert"))
                    said = True
                view = dataclasses.replace(view, note=None)  # said once, above
            if plain:  # no rich object on the per-record path (issue 14)
                number = item.stream.number
                text = f"{number:>3} {direction_plain(view.sender)}{record_plain(view)}"
                if has_control(text):  # rare: rich's table translate costs more than a search
                    text = strip_control_codes(text)  # as rich's Text would
                out.write(text + "\n")
            else:
                from tlsstep.render.terminal import direction, record_line

                line = Text(f"{item.stream.number:>3} ", style="tlsstep.dim")
                line.append_text(direction(view.sender))
                line.append_text(record_line(view))
                show(line)
            if verbose:
                from tlsstep.render.wire_view import record_fields

                console.print(record_fields(item.view, show_bytes=verbose >= 2))
        elif isinstance(item, c.StreamFound):
            s = item.stream
            line = Text(f"stream {s.number}: ", style="tlsstep.key")
            line.append(f"client {c.endpoint_text(s.client)}, server {c.endpoint_text(s.server)}")
            if item.tls:
                line.append("  TLS", style="tlsstep.ok")
            else:
                line.append(f"  skipped: {item.reason}", style="tlsstep.dim")
            show(line)
        elif isinstance(item, c.StreamGapFound):
            from tlsstep.render.gaps import gap_text
            from tlsstep.render.terminal import direction

            line = Text(f"{item.stream.number:>3} ", style="tlsstep.dim")
            line.append_text(direction(item.sender))
            line.append(f"      {gap_text(item)}", style="tlsstep.alert")
            show(line)
        elif isinstance(item, c.StreamNote):
            who = f"{item.sender} " if item.sender else ""
            show(Text(f"{item.stream.number:>3} {who}{item.text}", style="tlsstep.alert"))
        elif isinstance(item, c.StreamEnded):
            show(
                Text(
                    f"stream {item.stream.number} ends ({item.reason}): {item.records} records",
                    style="tlsstep.dim",
                )
            )
        elif isinstance(item, c.CaptureSummary):
            line = Text(f"{capture}: ", style="tlsstep.key")
            line.append(_summary_text(item))
            show(line)
            out.flush()
            return item
    raise AssertionError("decode_capture always ends with a summary")


def _summary_text(summary: CaptureSummary) -> str:
    parts = [
        f"{summary.packets} packets",
        f"{summary.tcp_segments} TCP segments",
        f"{summary.streams} streams ({summary.tls_streams} TLS)",
        f"{summary.keylog_lines} key log lines",
    ]
    if summary.skipped:
        parts.append("not TCP: " + ", ".join(f"{n} {why}" for why, n in summary.skipped))
    return "; ".join(parts)


def _summary_dict(summary: CaptureSummary) -> dict[str, Any]:
    """The summary's counts and error as JSON: the page's ``capture`` and ``--json``'s
    last object."""
    error = summary.error
    return {
        "packets": summary.packets,
        "tcp_segments": summary.tcp_segments,
        "streams": summary.streams,
        "tls_streams": summary.tls_streams,
        "keylog_lines": summary.keylog_lines,
        "not_tcp": dict(summary.skipped),
        "error": None if error is None else {"message": error.message, "offset": error.offset},
    }


def _page(items: Iterable[CaptureItem], capture: str, details: Any, path: str) -> CaptureSummary:
    """Write the page of the capture (its streams, records and details); print the summary."""
    from tlsstep.commands.options import write_html

    document, summary = _document(items, capture, details)
    size = write_html(path, document, f"tlsstep decode {capture}")
    click.echo(f"{capture}: {_summary_text(summary)}")
    click.echo(f"wrote {path}: {size} bytes, with the capture's secrets (mode 0600)", err=True)
    return summary


def _document(
    items: Iterable[CaptureItem], capture: str, details: Any = None
) -> tuple[dict[str, Any], CaptureSummary]:
    """The capture as one JSON document (``details``: add the page's details too)."""
    from tlsstep import __version__
    from tlsstep.pcap import capture as c
    from tlsstep.render.json import record_dict

    streams: dict[int, dict[str, Any]] = {}
    for item in items:
        if isinstance(item, c.StreamFound):
            streams[item.stream.number] = {
                "stream": item.stream.number,
                "client": c.endpoint_text(item.stream.client),
                "server": c.endpoint_text(item.stream.server),
                "tls": item.tls,
                "skipped": item.reason,
                "records": [],
                "notes": [],
            }
            if details is not None and item.tls:
                details.found(item.stream.number)
        elif isinstance(item, c.StreamRecord):
            shown = record_dict(item.view)
            if details is not None:
                details.record(item.stream.number, shown, item.view)
            streams[item.stream.number]["records"].append(shown)
        elif isinstance(item, c.StreamNote):
            streams[item.stream.number]["notes"].append(
                {"from": str(item.sender) if item.sender else None, "text": item.text}
            )
        elif isinstance(item, c.StreamEnded):
            streams[item.stream.number]["end"] = item.reason
            streams[item.stream.number]["messages"] = {
                "client": list(item.client_messages),
                "server": list(item.server_messages),
            }
        elif isinstance(item, c.CaptureSummary):
            doc = {
                "tlsstep": __version__,
                "capture": {"file": capture, **_summary_dict(item)},
                "streams": list(streams.values()),
            }
            if details is not None:
                details.finish(doc)
            return doc, item
    raise AssertionError("decode_capture always ends with a summary")


def _json(items: Iterable[CaptureItem], capture: str, *, lines: bool) -> CaptureSummary:
    """Write each item as it comes: a JSON array (``--json``) or JSON Lines (``--jsonl``).

    Nothing is kept: memory does not grow with the capture (issue 14). Objects are
    encoded by json's C encoder (``dumps`` without ``indent``) and written as bytes; a
    record's application data is spliced in as hex without passing through the encoder
    (hex needs no escaping, and escaping 32 KB per record was most of the time). The
    array puts one object on each line. The schema: tlsstep/schemas/decode-line.schema.json.
    """
    import json
    from binascii import hexlify

    from tlsstep import __version__
    from tlsstep.pcap import capture as c
    from tlsstep.render.json import record_dict
    from tlsstep.render.record_text import data_text

    sys.stdout.flush()
    out = sys.stdout.buffer
    dumps = json.dumps
    first = True

    def emit(*encoded: bytes) -> None:
        nonlocal first
        if not lines:
            out.write(b"[\n" if first else b",\n")
        for piece in encoded:
            out.write(piece)
        if lines:
            out.write(b"\n")
        first = False

    def emit_obj(obj: dict[str, Any]) -> None:
        emit(dumps(obj).encode("ascii"))

    emit_obj({"type": "capture", "tlsstep": __version__, "file": capture})
    said = False
    before, after = (b"", b"}\n") if lines else (b",\n", b"}")
    hex_tail = b'"}' + after
    heads: dict[tuple[int, Any, str, int], tuple[bytes, bytes]] = {}  # by kind of run
    for item in items:
        if isinstance(item, c.StreamRecords):
            run = item.run
            key = (item.stream.number, run.sender, run.epoch, run.version)
            if key not in heads:
                head = _run_head(item.stream.number, run)
                heads[key] = (before + head, before + head + b'{"length": %d, "hex": "')
            head, hex_head = heads[key]
            # One object a record, as the general path writes them (head % offset,
            # length, then the data); binary data (the bulk) as one formatted head, the
            # hex, one constant tail. Joined and written once for the run (a write per
            # piece cost more CPU than the join's copy, to a file as to a pipe).
            pieces: list[bytes] = []
            for offset, length, plaintext in run.records:
                if data_text(plaintext) is None:
                    pieces += (
                        hex_head % (offset, length, len(plaintext)),
                        hexlify(plaintext),
                        hex_tail,
                    )
                else:
                    pieces += (head % (offset, length), *_data_json(plaintext), after)
            _write_pieces(out, pieces)
        elif isinstance(item, c.StreamRecord):
            view = item.view
            if not said and _needs_keylog(view):  # once, before the first such record
                note = {"type": "note", "stream": item.stream.number, "from": None}
                emit_obj({**note, "text": NO_KEYLOG_NOTE})
                said = True
            head = dumps(
                {
                    "type": "record",
                    "stream": item.stream.number,
                    **record_dict(view, with_data=False),
                }
            ).encode("ascii")
            data = view.application_data
            if data is None:
                emit(head)
            else:  # written in pieces: a 16 KB record's hex is not copied again to join it
                emit(head[:-1], b', "application_data": ', *_data_json(data), b"}")
        elif isinstance(item, c.StreamFound):
            emit_obj(
                {
                    "type": "stream",
                    "stream": item.stream.number,
                    "client": c.endpoint_text(item.stream.client),
                    "server": c.endpoint_text(item.stream.server),
                    "tls": item.tls,
                    "skipped": item.reason,
                }
            )
        elif isinstance(item, c.StreamGapFound):
            from tlsstep.render.gaps import gap_dict

            emit_obj({"type": "gap", "stream": item.stream.number, **gap_dict(item)})
        elif isinstance(item, c.StreamNote):
            emit_obj(
                {
                    "type": "note",
                    "stream": item.stream.number,
                    "from": str(item.sender) if item.sender else None,
                    "text": item.text,
                }
            )
        elif isinstance(item, c.StreamEnded):
            emit_obj(
                {
                    "type": "end",
                    "stream": item.stream.number,
                    "reason": item.reason,
                    "records": item.records,
                    "messages": {
                        "client": list(item.client_messages),
                        "server": list(item.server_messages),
                    },
                }
            )
        elif isinstance(item, c.CaptureSummary):
            emit_obj({"type": "summary", **_summary_dict(item)})
            if not lines:
                out.write(b"\n]\n")
            out.flush()
            return item
    raise AssertionError("decode_capture always ends with a summary")


# Numbers no record has, put where a run's template takes each record's own.
_OFFSET_MARK: Final = 918273645546372819
_LENGTH_MARK: Final = 192837465564738291


_IOV_MAX: Final = 1024  # Linux's limit of pieces in one writev


def _write_pieces(out: Any, pieces: list[bytes]) -> None:
    """Write ``pieces`` in order, gathered by the kernel (``writev``) instead of joined:
    the join copied every byte of ``--json``'s hex once more (issue 14)."""
    fd = _fileno(out)
    if fd is None:
        out.write(b"".join(pieces))
        return
    out.flush()  # what is buffered goes first
    for start in range(0, len(pieces), _IOV_MAX):
        batch = pieces[start : start + _IOV_MAX]
        written = os.writev(fd, batch)
        total = sum(map(len, batch))
        if written < total:  # cut short (a signal mid-write): the rest, the plain way
            rest = b"".join(batch)[written:]
            while rest:
                rest = rest[os.write(fd, rest) :]


def _fileno(out: Any) -> int | None:
    if not hasattr(os, "writev"):
        return None
    try:
        return int(out.fileno())
    except (AttributeError, OSError, ValueError):
        return None


def _run_head(stream: int, run: DataRun) -> bytes:
    """What ``--json`` writes of each record of ``run`` before its data, with ``%d``
    where its offset and length go: :func:`record_dict`'s object (the general path's,
    so the two cannot differ), made once per kind of run."""
    import json

    from tlsstep.render.json import record_dict

    view = run.view(_OFFSET_MARK, _LENGTH_MARK, b"")
    text = json.dumps({"type": "record", "stream": stream, **record_dict(view, with_data=False)})
    offset, length = str(_OFFSET_MARK), str(_LENGTH_MARK)
    assert text.count(offset) == text.count(length) == 1 and text.index(offset) < text.index(length)
    text = text.replace("%", "%%").replace(offset, "%d").replace(length, "%d")
    return text[:-1].encode("ascii") + b', "application_data": '


def _data_json(data: bytes | memoryview) -> tuple[bytes, ...]:
    """``render.json.application_data(data)``, encoded, in pieces to write one after
    another: text through the encoder, hex as is (it needs no escaping)."""
    import binascii
    import json

    from tlsstep.render.record_text import data_text

    text = data_text(data)  # binary data is told by its first bytes, before any hex is made
    if text is not None:
        return (json.dumps({"length": len(data), "text": text}).encode("ascii"),)
    return (b'{"length": %d, "hex": "' % len(data), binascii.hexlify(data), b'"}')
