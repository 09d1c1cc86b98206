"""What each side's OpenSSL itself read and wrote, message by message.

Theory of operation
-------------------
OpenSSL reports every protocol message an ``SSL`` object reads or writes to the
context's message callback (``SSL_CTX_set_msg_callback``): handshake messages whole
(header and body, *after* decryption), alerts, and each record header. Python
exposes it as the private ``SSLContext._msg_callback`` (present from 3.8 to at least
3.14, undocumented). It is the only truthful source for a side's handshake state:
what tlsstep can decrypt with the key log is what was *sent*, not what the peer's
OpenSSL accepted, and only OpenSSL knows at which message it stopped.

- The callback is set on the context before its SSLObjects are made (OpenSSL copies
  it into each at ``SSL_new``). It is per context, but its first argument is the ``SSLObject`` the
  message belongs to, so one module-level function routes it to that object's log
  (a weak mapping: a finished pair's objects and logs go away together).
- The pair takes the log after each call (:func:`take`): the messages belong to the
  call that produced or consumed them, because OpenSSL reads its incoming BIO and
  writes its outgoing one only inside a call.
- ``ChangeCipherSpec`` is taken from record headers: OpenSSL 3 reports a TLS 1.3
  compatibility CCS it reads only as a header. The headers of other records read
  are kept too (content type :data:`HEADER`): they show where a failing call
  stopped. Application data and the TLS 1.3 inner content type byte are skipped.
- Where the attribute is missing (:data:`AVAILABLE` is False), events carry
  ``processed=None`` and the states tracker says its states are derived from the
  decoded bytes instead.
"""

from __future__ import annotations

import ssl
import weakref
from typing import Any, Final

from tlsstep.events import Processed

AVAILABLE: Final = hasattr(ssl.SSLContext, "_msg_callback")

_HEADER: Final = 256  # SSL3_RT_HEADER: a record header, data is its 5 bytes
HEADER: Final = _HEADER
_CHANGE_CIPHER_SPEC: Final = 20
_ALERT: Final = 21
_HANDSHAKE: Final = 22

_logs: weakref.WeakKeyDictionary[ssl.SSLObject, list[Processed]] = weakref.WeakKeyDictionary()


def _on_message(
    conn: Any, direction: str, version: Any, content_type: int, msg_type: int, data: bytes
) -> None:
    # Called by OpenSSL inside a call on ``conn``: must not raise.
    log = _logs.get(conn)
    if log is None:
        return
    sent = direction == "write"
    kind = int(content_type)
    if kind == _HANDSHAKE:
        log.append(Processed(sent=sent, content_type=kind, msg_type=int(msg_type), data=data))
    elif kind == _ALERT:
        log.append(Processed(sent=sent, content_type=kind, data=data))
    elif kind == _HEADER and data[:1] == bytes([_CHANGE_CIPHER_SPEC]):
        log.append(Processed(sent=sent, content_type=_CHANGE_CIPHER_SPEC))
    elif kind == _HEADER and not sent:
        # Where a failing call stopped: a record read after the last message means the
        # failure was in that record (bad MAC, bad length), not in the message before.
        log.append(Processed(sent=False, content_type=HEADER, data=data))


# The C slot under ssl.py's ``_msg_callback`` property. The property wraps the callback
# in a function that turns each report's version, content type and message type into
# enum members (three enum lookups a message, ~50 messages a handshake: a twentieth of
# a replay's own time, issue 14); _on_message reads them as ints anyway, so it is set in
# the slot itself, as the property does after wrapping. The property's getter reads
# ``user_function`` from what the slot holds: _on_message names itself there.
_SLOT: Final[Any] = getattr(super(ssl.SSLContext, ssl.SSLContext), "_msg_callback", None)
_on_message.user_function = _on_message  # type: ignore[attr-defined]


def install(context: ssl.SSLContext) -> None:
    """Route ``context``'s message callback here (idempotent).

    OpenSSL copies the callback into each SSL object when it is made
    (``SSL_new``), so this must run before ``wrap_bio``.
    """
    if not AVAILABLE:
        return
    if _SLOT is None or not hasattr(_SLOT, "__set__"):
        if getattr(context, "_msg_callback", None) is not _on_message:
            context._msg_callback = _on_message  # type: ignore[attr-defined]
    elif _SLOT.__get__(context) is not _on_message:
        _SLOT.__set__(context, _on_message)


def watch(obj: ssl.SSLObject) -> None:
    """Start logging ``obj``'s messages (made on a context :func:`install` prepared)."""
    if AVAILABLE:
        _logs[obj] = []


def take(obj: ssl.SSLObject) -> tuple[Processed, ...] | None:
    """The messages ``obj`` read and wrote since the last take; None if not watched."""
    log = _logs.get(obj)
    if log is None:
        return None
    out = tuple(log)
    log.clear()
    return out
