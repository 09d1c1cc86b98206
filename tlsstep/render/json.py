"""JSON-ready dicts from run values. No rich here: ``--json`` must stay cheap.

The schema is tlsstep/schemas/handshake.schema.json (README's "JSON output" is its
outline): extend it, never rename; a key added here without the schema fails the tests.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from tlsstep import __version__
from tlsstep.decode import MessageView, RecordView
from tlsstep.events import Event, Op, Side, SideFacts, SSLErrorInfo, Wait
from tlsstep.render.preview import call_label
from tlsstep.render.record_text import data_text
from tlsstep.repeated import Repeated
from tlsstep.wire.enums import ContentType, name_of, version_name
from tlsstep.wire.messages import (
    DecodedMessage,
    decode_alert,
    decode_change_cipher_spec,
    to_json,
)

if TYPE_CHECKING:
    from tlsstep.notes import Note
    from tlsstep.outcome import Entry
    from tlsstep.run_report import RunReport
    from tlsstep.states.machine import Move
    from tlsstep.states.tracker import SideState
    from tlsstep.summary import Summary


def plain(value: Any) -> Any:
    """Any value tlsstep makes, as JSON types: bytes as hex, enums by name."""
    if isinstance(value, enum.Enum):
        return value.name if not isinstance(value, str) else str(value)
    if isinstance(value, bytes | bytearray | memoryview | Repeated):
        return bytes(value).hex()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if hasattr(value, "apply"):  # a fault: say which kind
            out = {"kind": type(value).__name__.lower(), **out}
        return out
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def error_dict(error: SSLErrorInfo | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {
        "exception": error.exception,
        "library": error.library,
        "reason": error.reason,
        "message": error.message,
        "verify_code": error.verify_code,
        "verify_message": error.verify_message,
        "alert_received": error.alert_received,
        "source": str(error.source),
    }


def message_dict(view: MessageView) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": view.name,
        "msg_type": view.message.msg_type,
        "length": len(view.message.body),
    }
    if view.verified is not None:
        out["verified"] = view.verified
    if view.note:
        out["note"] = view.note
    if view.message.missing:  # a capture gap took these bytes (issue 18)
        out["missing"] = [list(r) for r in view.message.missing]
    if isinstance(view.decoded, DecodedMessage):
        out["fields"] = to_json(view.decoded)
    return out


def record_decoded(view: RecordView) -> list[DecodedMessage]:
    """What a record's body says: its messages' decoded fields, or its CCS/Alert body."""
    out = [m.decoded for m in view.messages if isinstance(m.decoded, DecodedMessage)]
    if view.protected and view.plaintext is None:
        return out
    body = view.plaintext if view.plaintext is not None else view.record.fragment_bytes
    if view.content_type == ContentType.change_cipher_spec:
        out.append(decode_change_cipher_spec(body))
    elif view.content_type == ContentType.alert:
        out.append(decode_alert(body))
    return out


def application_data(data: bytes) -> dict[str, Any]:
    text = data_text(data)
    if text is not None:
        return {"length": len(data), "text": text}
    return {"length": len(data), "hex": data.hex()}


def record_dict(view: RecordView, *, with_data: bool = True) -> dict[str, Any]:
    """The record as JSON-ready values; ``with_data=False`` leaves out its application
    data (a streaming writer splices it in without the encoder: see commands/decode.py)."""
    rec = view.record
    out: dict[str, Any] = {
        "from": str(view.sender),
        "offset": rec.stream_offset,
        "content_type": name_of(ContentType, view.content_type),
        "record_content_type": rec.content_type_name,
        "record_version": version_name(rec.legacy_record_version),
        "length": rec.length,
        "protected": view.protected,
    }
    if view.epoch:
        out["epoch"] = view.epoch
    if view.messages:
        out["messages"] = [message_dict(m) for m in view.messages]
    if view.alert:
        out["alert"] = {"level": view.alert.level_name, "description": view.alert.description_name}
    if view.content_type in (ContentType.change_cipher_spec, ContentType.alert):
        bodies = [to_json(d) for d in record_decoded(view)]
        if bodies:
            out["fields"] = bodies[0]
    data = view.application_data
    if data is not None and with_data:
        out["application_data"] = application_data(data)
    if view.note:
        out["note"] = view.note
    if view.damaged:  # capture gaps (issue 18)
        out["damaged"] = {"missing": [list(r) for r in view.damaged]}
    if view.after_gap is not None:
        out["resync"] = {
            "found_by": view.after_gap.found_by,
            "skipped": view.after_gap.skipped,
            "region_start": view.after_gap.region_start,
        }
    if view.sequence_number is not None:
        out["sequence_number"] = view.sequence_number
        out["records_lost"] = view.records_lost
    return out


def event_dict(entry: Entry) -> dict[str, Any]:
    e: Event = entry.event
    out: dict[str, Any] = {
        "index": e.index,
        "connection": e.connection,
        "step": entry.step,
        "side": str(e.side),
        "op": e.op,
        "call": call_label(e),
        "args": {k: plain(v) for k, v in e.args},
        "result": str(e.result),
        "produced": len(e.produced),
        "queued": {"to_server": e.queued_to_server, "to_client": e.queued_to_client},
    }
    if e.op is Op.deliver:
        out["to"] = str(e.side.peer)
        out["delivered"] = len(e.delivered)
    if e.data is not None:
        out["data"] = application_data(e.data)
    elif e.written is not None:
        out["written"] = e.written
    if e.note:
        out["note"] = e.note
    if e.error:
        out["error"] = error_dict(e.error)
    if entry.records:
        out["records"] = [record_dict(r) for r in entry.records]
    return out


def wait_dict(wait: Wait) -> dict[str, Any]:
    """One side of a stalled handshake: what it waits for, and why nothing comes."""
    return {
        "side": str(wait.side),
        "waits_for": f"bytes from the {wait.side.peer}",
        "last_call": wait.last,
        "last_result": str(wait.last_result) if wait.last_result else None,
        "unread": wait.unread,
        "queued_to_it": wait.queued_to_it,
        "text": str(wait),
    }


def facts_dict(facts: SideFacts) -> dict[str, Any]:
    out = plain(facts)
    out["cipher"] = (
        {"name": facts.cipher[0], "protocol": facts.cipher[1], "secret_bits": facts.cipher[2]}
        if facts.cipher
        else None
    )
    out["unavailable"] = {name: why for name, why in facts.unavailable}
    return out  # type: ignore[no-any-return]


def summary_dict(summary: Summary) -> dict[str, Any]:
    return {
        "ok": summary.ok,
        "result": summary.result,
        "version": summary.version,
        "cipher": summary.cipher,
        "alpn": summary.alpn,
        "server_name": summary.server_name,
        "session_reused": summary.session_reused,
        "connections": summary.connections,
        "peer_subject": summary.client_peer_subject,
        "client_certificate_subject": summary.server_peer_subject,
        "peer_names": list(summary.peer_names),
        "failures": [{"side": str(f.side), "error": error_dict(f.error)} for f in summary.failures],
        "problems": list(summary.problems),
    } | ({"stalled": [wait_dict(w) for w in summary.waits]} if summary.waits else {})


def report_dict(report: RunReport) -> dict[str, Any]:
    """A run's whole JSON document (``tlsstep handshake --json``), from its one report.

    ``states`` is always there; ``step_states`` and ``certificates`` when the report
    has them (``--states``, ``--certs``).
    """
    out: dict[str, Any] = {
        "tlsstep": __version__,
        "summary": summary_dict(report.summary),
        "events": [event_dict(e) for e in report.entries],
        "facts": {str(side): facts_dict(f) for side, f in report.facts.items()},
        "notes": list(report.notes),  # settings with no effect, said before the run
        "states": states_dict(report.states),
    }
    if report.step_states is not None:
        out["step_states"] = list(report.step_states)
    if report.certificates is not None:
        from tlsstep.render.certs_view import reports_dicts

        out["certificates"] = reports_dicts(report.certificates)
    return out


def notes_dicts(notes: Iterable[Note]) -> list[dict[str, str]]:
    """``--explain``/``-vv`` notes: the key each explains, and its text."""
    return [{"key": n.key, "text": n.text} for n in notes]


def moves_dicts(moves: Iterable[tuple[Side, Move]]) -> list[dict[str, Any]]:
    """The transitions one step made (:func:`tlsstep.states.tracker.moves_json`)."""
    from tlsstep.states.tracker import moves_json

    return moves_json(moves)


def states_dict(snapshot: Mapping[Side, SideState]) -> dict[str, Any]:
    """Both sides' protocol and Python-level states (``tlsstep.states.tracker.derive``)."""
    return {str(side): state.as_dict() for side, state in snapshot.items()}
