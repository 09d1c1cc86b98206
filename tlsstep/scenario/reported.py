"""Message names and alerts from each side's own OpenSSL reports, where they equal what crossed.

The checks ``client_sent``, ``server_sent``, ``alert_sent`` and ``alert_received`` are
about what crossed on the current connection: the handshake messages and alerts in the
records delivered so far, decrypted with the key log. Opening and decoding every record
only to name its messages was most of a quiet replay's own work (issue 14). OpenSSL
already reports every message and alert a side writes, in plaintext, through the message
callback (``Event.processed``, :mod:`tlsstep.msg_callback`), and where nothing between
the sides changed a byte, what crossed is exactly what was written. So the answer is
taken from those reports when the connection shows that it must be the same:

- every call on it was reported (local sides, with the callback; no remote peer);
- nothing between the sides changed the bytes (no ``tamper``), and every delivery took
  all that was queued, so each delivery carried every message written since the last;
- every ServerHello chose a version and suite whose records tlsstep opens (TLS 1.2 or
  1.3 and a suite :func:`tlsstep.crypto.suites.suite` knows), and the connection's
  decoder has the key log's unprotector: the decoder would have opened every record.

Messages are named by the one message decoder (:class:`~tlsstep.wire.handshake.HandshakeMessage`
and, for a ServerHello's choices, :func:`~tlsstep.wire.hello.server_hello_facts`), and an
alert by :class:`~tlsstep.decode.Alert`, as the decoder names them; a message counts from
the delivery that carried it, as in the decoder, so the order is the decoder's.
Otherwise (:func:`reported` returns None) the records are decoded as before.
``tests/test_reported.py`` compares both answers at every step of every bundled scenario.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from tlsstep.decode import Alert
from tlsstep.events import Event, Op, Side
from tlsstep.session import Connection
from tlsstep.wire.enums import ContentType, HandshakeType, ProtocolVersion
from tlsstep.wire.handshake import HandshakeMessage

_OPENED: frozenset[int] = frozenset({ProtocolVersion.tls12, ProtocolVersion.tls13})


@dataclass(slots=True)
class Reported:
    """What each side wrote that crossed, from its first ``scanned`` entries."""

    scanned: int = 0
    same: bool = True  # what crossed is what was written, and the decoder opens it all
    # Handshake message names each side sent (delivered), in order.
    sent: dict[Side, list[str]] = field(default_factory=lambda: {s: [] for s in Side})
    # Alerts each side sent, as _AlertIndex keeps them (first appearance, no repeats).
    alerts: dict[Side, dict[str, None]] = field(default_factory=lambda: {s: {} for s in Side})
    # Written and not delivered yet: (message names, alert names), per side.
    pending: dict[Side, tuple[list[str], list[str]]] = field(
        default_factory=lambda: {s: ([], []) for s in Side}
    )


_index: weakref.WeakKeyDictionary[Connection, Reported] = weakref.WeakKeyDictionary()


def reported(connection: Connection) -> Reported | None:
    """The connection's messages and alerts from OpenSSL's reports, or None when they
    might differ from decoding what crossed (then decode). Scans each entry once."""
    found = _index.get(connection)
    if found is None:
        if not connection.queue.opens_records:
            return None
        found = _index[connection] = Reported()
    if found.same:
        entries = connection.entries
        for entry in entries[found.scanned :]:
            found.same = found.same and _take(found, entry.event)
        found.scanned = len(entries)
    return found if found.same else None


def _take(found: Reported, event: Event) -> bool:
    """Fold in one event; False when what crossed may now differ from what was written."""
    if event.op is Op.deliver:
        left = event.queued_to_server if event.side is Side.client else event.queued_to_client
        if left:
            return False  # a part stayed queued: later messages would be credited early
        names, alerts = found.pending[event.side]
        found.sent[event.side] += names
        for name in alerts:
            found.alerts[event.side][name] = None
        names.clear()
        alerts.clear()
        return True
    if event.op is Op.eof:
        return True  # no bytes: the peer is told the stream ended
    if not event.op.is_call or event.processed is None:
        return False  # tamper, a remote peer's bytes, or no reports
    names, alerts = found.pending[event.side]
    for item in event.processed:
        if not item.sent:
            continue
        if item.content_type == ContentType.handshake and item.msg_type is not None:
            message = HandshakeMessage(msg_type=item.msg_type, body=item.data[4:])
            if message.msg_type == HandshakeType.server_hello and not _opens(message):
                return False
            names.append(message.name)
        elif item.content_type == ContentType.alert and len(item.data) == 2:
            alerts.append(Alert(level=item.data[0], description=item.data[1]).description_name)
    error = event.error
    # An alert OpenSSL names in an error was received by that side, so sent by its peer.
    if error is not None and error.alert_received:
        found.alerts[event.side.peer][error.alert_received] = None
    return True


def _opens(hello: HandshakeMessage) -> bool:
    """Whether the decoder opens the records that follow this ServerHello (or HRR)."""
    from tlsstep.crypto.suites import suite
    from tlsstep.wire.hello import server_hello_choice, server_hello_facts
    from tlsstep.wire.messages import decode_handshake

    choice = server_hello_choice(hello)  # its two fields: decoding it all cost 150 µs
    if choice is None:
        facts = server_hello_facts(decode_handshake(hello))
        choice = (facts.version, facts.cipher_suite) if facts is not None else None
    return choice is not None and choice[0] in _OPENED and suite(choice[1]) is not None
