"""What a run's JSON document adds for teaching: bytes, decryption, Finished, keys, notes.

``tlsstep handshake --json -vv`` and the HTML page (:mod:`tlsstep.render.page`) are
made from the same document: :func:`tlsstep.render.json.report_dict` plus what
:func:`add_details` puts in (additive keys only; the README lists them):

- each record: ``bytes`` (header + fragment, hex), ``decryption`` (secret label,
  key, IV, sequence number, nonce, additional data, tag, outer and inner type),
  ``plaintext``, ``notes`` (the ``--explain`` notes), ``tampered`` (offsets of
  bytes a fault changed);
- each handshake message: ``hex`` (its bytes, which its fields' offsets index)
  and, for Finished, ``finished`` (the recomputation);
- each event: ``notes`` and ``transitions`` (every state machine move it made);
- the document: ``key_schedule`` (each connection's secrets and where each was
  first used) and ``glossary`` (every note, for field names).

Bulk data is previewed: a record's bytes beyond :data:`BYTES_SHOWN` and data
beyond :data:`TEXT_SHOWN` are cut, with the full length kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from tlsstep.events import Op, Side
from tlsstep.render.json import notes_dicts
from tlsstep.wire.enums import ContentType, HandshakeType, name_of

if TYPE_CHECKING:
    from tlsstep.crypto.keys_used import KeysUsed
    from tlsstep.decode import RecordView
    from tlsstep.faults import Fault
    from tlsstep.outcome import Entry
    from tlsstep.run_report import RunReport

BYTES_SHOWN: Final = 4096  # per record: a handshake record fits, bulk data is previewed
BULK_SHOWN: Final = 256  # per application data record: its first bytes show the layout
TEXT_SHOWN: Final = 2048  # application data text or hex characters kept in the document


def _hex(data: bytes, limit: int = BYTES_SHOWN) -> str:
    return data[:limit].hex()


def _preview(shown: dict[str, Any], limit: int = TEXT_SHOWN) -> None:
    """Cut an ``application_data`` dict's text or hex to a preview, keeping the length."""
    for key in ("text", "hex"):
        value = shown.get(key)
        if isinstance(value, str) and len(value) > limit:
            shown[key] = value[:limit]
            shown["truncated"] = True


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_SHOWN else f"{text[:TEXT_SHOWN]}... ({len(text)} characters)"


def decryption_dict(view: RecordView, used: KeysUsed | None) -> dict[str, Any] | None:
    """How a protected record was opened (or why not), from what its connection used."""
    opened = view.unprotected
    if opened is None:
        return None
    out: dict[str, Any] = {
        "ok": opened.ok,
        "epoch": opened.epoch,
        "secret_label": opened.secret_label,
        "sequence_number": opened.seq,
        "outer_type": view.record.content_type_name,
        "inner_type": name_of(ContentType, opened.content_type)
        if opened.content_type is not None
        else None,
        "reason": opened.reason,
    }
    keys = opened.keys
    suite = used.suite if used is not None else None
    if used is None or keys is None or suite is None or opened.seq is None:
        return out
    from tlsstep.crypto.protection import describe

    p = describe(
        suite,
        keys,  # type: ignore[arg-type]
        view.record,
        opened.seq,
        plaintext=opened.plaintext,
        encrypt_then_mac=used.encrypt_then_mac,
    )
    out.update(
        suite=suite.name,
        scheme=p.scheme,
        rfc=p.rfc,
        key=keys.key.hex(),  # type: ignore[attr-defined]
        iv=keys.iv.hex() or None,  # type: ignore[attr-defined]
        mac_key=keys.mac_key.hex() or None,  # type: ignore[attr-defined]
        nonce=p.nonce.hex() if p.nonce is not None else None,
        nonce_rule=p.nonce_rule,
        explicit_nonce=p.explicit_nonce.hex() if p.explicit_nonce else None,
        record_iv=p.record_iv.hex() if p.record_iv else None,
        additional_data=p.additional_data.hex() if p.additional_data is not None else None,
        tag=p.tag.hex() if p.tag is not None else None,
        tag_rule=p.tag_rule,
        ciphertext_length=p.ciphertext_length,
    )
    return out


def finished_dict(check: Any) -> dict[str, Any]:
    return {
        "sender": check.sender,
        "secret_label": check.secret_label,
        "secret": check.secret.hex(),
        "finished_key": check.finished_key.hex() if check.finished_key else None,
        "transcript_hash": check.transcript_hash.hex(),
        "messages": check.messages,
        "expected": check.expected.hex(),
        "received": check.received.hex(),
        "match": check.match,
        "rule": (
            "HMAC(finished_key, transcript_hash), finished_key = "
            'HKDF-Expand-Label(secret, "finished", "", Hash.length) (RFC 8446 §4.4.4)'
            if check.finished_key
            else 'PRF(master_secret, "client finished" or "server finished", '
            "Hash(handshake messages))[0..11] (RFC 5246 §7.4.9)"
        ),
    }


class _Connection:
    """What the details need of one connection while walking its entries."""

    def __init__(self, used: KeysUsed | None) -> None:
        self.used: KeysUsed | None = None
        self.checks: dict[tuple[str, bytes], Any] = {}
        self.first_use: dict[str, dict[str, Any]] = {}
        self.tampered: dict[Side, list[int]] = {}  # queue offsets waiting for a delivery
        self.update(used)

    def update(self, used: KeysUsed | None) -> None:
        """What the connection has used by now (a capture learns it as it goes)."""
        self.used = used
        checks = used.finished_checks if used is not None else ()
        self.checks = {(c.sender, c.received): c for c in checks}


def _tampered_offsets(fault: Fault | None) -> list[int]:
    """The queue offsets a fault changed in place (a flip, an overwrite, an insert)."""
    from tlsstep.faults import Flip, Insert, Overwrite

    if isinstance(fault, Flip):
        return [fault.offset]
    if isinstance(fault, Overwrite | Insert):
        return list(range(fault.offset, fault.offset + min(len(fault.data), BYTES_SHOWN)))
    return []


def record_details(
    out: dict[str, Any], view: RecordView, used: KeysUsed | None, version: str | None
) -> None:
    """Add a record's bytes, decryption, plaintext, messages' bytes and notes to ``out``."""
    from tlsstep.notes import for_record, note

    rec = view.record
    raw = rec.raw
    limit = BULK_SHOWN if view.content_type == ContentType.application_data else BYTES_SHOWN
    out["bytes"] = _hex(raw, limit)
    out["bytes_total"] = len(raw)
    if view.protected:
        out["decryption"] = decryption_dict(view, used)
        if view.plaintext is not None:
            out["plaintext"] = _hex(view.plaintext, limit)
            out["plaintext_total"] = len(view.plaintext)
    notes = for_record(view, version)
    if notes:
        out["notes"] = notes_dicts(notes)
    for shown, mv in zip(out.get("messages", ()), view.messages, strict=False):
        shown["hex"] = _hex(mv.message.raw)
        text = note(mv.name, version)
        if text:
            shown["explain"] = text
    if "application_data" in out:
        _preview(out["application_data"], BULK_SHOWN)


def _transitions(moves: list[tuple[Side, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "side": str(side),
            "from": str(move.source),
            "to": str(move.target),
            "direction": str(move.input.direction),
            "message": move.input.message,
            "problem": move.problem,
        }
        for side, move in moves
    ]


def add_details(document: dict[str, Any], report: RunReport) -> dict[str, Any]:
    """Add the teaching details of ``report``'s run to its ``report_dict`` document."""
    from tlsstep.notes import NOTES, for_event
    from tlsstep.states.tracker import Tracker

    keys = report.keys_used or {}
    conns: dict[int, _Connection] = {}
    tracker = Tracker()
    version: str | None = None
    for shown, entry in zip(document["events"], report.entries, strict=True):
        e = entry.event
        conn = conns.get(e.connection)
        if conn is None:
            conn = conns[e.connection] = _Connection(keys.get(e.connection))
        moves = tracker.follow([entry])
        if tracker.version is not None:
            version = str(tracker.version)
        if moves:
            shown["transitions"] = _transitions(moves)
        notes = for_event(e, version)
        if notes:
            shown["notes"] = notes_dicts(notes)
        if e.op is Op.tamper:
            conn.tampered.setdefault(e.side, []).extend(_tampered_offsets(e.fault))
        if "data" in shown:
            _preview(shown["data"])
        shown["call"] = _cut(shown["call"])  # write(data=...) of 10 MB is no label
        for key, value in shown.get("args", {}).items():
            if isinstance(value, str):
                shown["args"][key] = _cut(value)
        _entry_records(shown, entry, conn, version)
    document["key_schedule"] = _key_schedule(conns)
    document["glossary"] = dict(NOTES)
    return document


def _entry_records(
    shown: dict[str, Any], entry: Entry, conn: _Connection, version: str | None
) -> None:
    e = entry.event
    tampered = conn.tampered.pop(e.side, []) if entry.records else []
    base = entry.records[0].record.stream_offset if entry.records else 0
    for index, (out, view) in enumerate(zip(shown.get("records", ()), entry.records, strict=True)):
        record_details(out, view, conn.used, version)
        start = view.record.stream_offset - base
        hit = [o - start for o in tampered if start <= o < start + out["bytes_total"]]
        if hit:
            out["tampered"] = hit
        _uses(out, view, conn, {"event": e.index, "record": index})


def _uses(out: dict[str, Any], view: RecordView, conn: _Connection, where: Any) -> None:
    """Note where each secret was first used, and add the Finished recomputations."""
    opened = view.unprotected
    if opened is not None and opened.secret_label and opened.keys is not None:
        conn.first_use.setdefault(opened.secret_label, where)
    for message, mv in zip(out.get("messages", ()), view.messages, strict=False):
        if mv.message.msg_type != HandshakeType.finished:
            continue
        check = conn.checks.get((str(view.sender), mv.message.body))
        if check is not None:
            message["finished"] = finished_dict(check)
            conn.first_use.setdefault(check.secret_label, where)


def _key_schedule(conns: dict[int, _Connection]) -> list[dict[str, Any]]:
    """Each connection's key log secrets, in the order the key log has them."""
    out: list[dict[str, Any]] = []
    for number, conn in conns.items():
        used = conn.used
        if used is None or used.client_random is None:
            continue
        out.append(
            {
                "connection": number,
                "client_random": used.client_random.hex(),
                "secrets": [
                    {
                        "label": label,
                        "secret": secret.hex(),
                        "first_used": conn.first_use.get(label),
                    }
                    for label, secret in used.secrets
                ],
            }
        )
    return out


def run_document(report: RunReport) -> dict[str, Any]:
    """The run's whole JSON document with its details: what ``--json -vv`` prints and the
    page embeds (:func:`~tlsstep.render.json.report_dict` of the run's one report, plus
    the teaching details; the report must be built with ``details=True`` for the keys)."""
    from tlsstep.render.json import report_dict

    return add_details(report_dict(report), report)


class CaptureDetails:
    """The page's details for ``tlsstep decode``: wraps the unprotector factory to know
    each stream's unprotector (it is made right after the stream is found to be TLS),
    and reads what it used (:func:`~tlsstep.crypto.keys_used.keys_used`) as it goes."""

    def __init__(self, factory: Callable[[bytes], Any]) -> None:
        self._factory = factory
        self._stream: int | None = None
        self._unprotectors: dict[int, Any] = {}
        self._conns: dict[int, _Connection] = {}
        self._seen: dict[int, int] = {}

    def factory(self, text: bytes) -> Any:
        made = self._factory(text)
        if self._stream is not None:
            self._unprotectors[self._stream] = made
        return made

    def found(self, stream: int) -> None:
        self._stream = stream

    def _used(self, stream: int, *, secrets: bool) -> KeysUsed | None:
        from tlsstep.crypto.keys_used import keys_used

        unprotector = self._unprotectors.get(stream)
        return keys_used(unprotector, secrets=secrets) if unprotector is not None else None

    def record(self, stream: int, out: dict[str, Any], view: RecordView) -> None:
        conn = self._conns.get(stream) or self._conns.setdefault(stream, _Connection(None))
        conn.update(self._used(stream, secrets=False))
        version = conn.used.version_label if conn.used is not None else None
        record_details(out, view, conn.used, version)
        index = self._seen[stream] = self._seen.get(stream, -1) + 1
        _uses(out, view, conn, {"stream": stream, "record": index})

    def finish(self, document: dict[str, Any]) -> None:
        from tlsstep.notes import NOTES

        for stream, conn in self._conns.items():
            conn.used = self._used(stream, secrets=True)
        document["key_schedule"] = _key_schedule(self._conns)
        document["glossary"] = dict(NOTES)
