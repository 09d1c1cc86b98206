"""What a peer's first bytes look like, when they are not the TLS the client expected.

A TLS server's first record is a handshake (22) or an alert (21) with a legacy
version 3.x (RFC 8446 §5.1). Anything else is named as well as the bytes allow, so
that "connected to the wrong port" reads as such: an HTTP server, an SSH server, a
mail server's banner (with the ``--starttls`` that would have worked) …
"""

from __future__ import annotations

import re
from typing import Final

SHOWN: Final = 64  # bytes of the peer's data quoted in a message

_TLS_CONTENT_TYPES: Final = frozenset({20, 21, 22, 23, 24})


def shown(data: bytes, limit: int = SHOWN) -> str:
    """``data`` as ASCII with control and non-ASCII bytes escaped (safe for a terminal)."""
    out = []
    for byte in data[:limit]:
        if byte == 0x0A:
            out.append("\\n")
        elif byte == 0x0D:
            out.append("\\r")
        elif byte == 0x5C:
            out.append("\\\\")
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    return "".join(out) + ("…" if len(data) > limit else "")


def looks_like_tls(data: bytes) -> bool:
    """Could ``data`` start a TLS record stream? (Needs 2 bytes to say no for sure.)"""
    if not data:
        return True
    if data[0] not in _TLS_CONTENT_TYPES:
        return False
    return len(data) < 2 or data[1] == 3


def _first_line(data: bytes) -> str:
    return shown(data.split(b"\n", 1)[0].rstrip(b"\r"), 80)


# Compiled on first use (re's cache): a peer that speaks TLS never needs them.
_BANNERS: Final[tuple[tuple[bytes, int, str], ...]] = (
    (rb"^HTTP/\d", 0, "an HTTP server's response"),
    (rb"^SSH-\d", 0, "an SSH server's banner"),
    (
        rb"^220[ -][^\n]*(SMTP|MAIL|Postfix|Exim)",
        re.I,
        "an SMTP server's banner (try --starttls smtp)",
    ),
    (rb"^220[ -][^\n]*FTP", re.I, "an FTP server's banner (try --starttls ftp)"),
    (rb"^220[ -]", 0, "an SMTP or FTP banner (try --starttls smtp or ftp)"),
    (rb"^\* (OK|PREAUTH)", re.I, "an IMAP server's greeting (try --starttls imap)"),
    (rb"^\+OK", 0, "a POP3 server's greeting (try --starttls pop3)"),
    (rb"^-ERR", 0, "a POP3 or Redis error"),
    (rb"^\s*<(!doctype|html)", re.I, "an HTML page"),
)


def describe(data: bytes) -> str:
    """A phrase naming what ``data`` (a peer's first bytes, not TLS) looks like."""
    for pattern, flags, name in _BANNERS:
        if re.match(pattern, data, flags):
            return f"{name}: {_first_line(data)}"
    if data[:1] == b"\x80" or (len(data) > 2 and data[0] & 0x80 and data[2] in (1, 4)):
        return "an SSLv2-format record (an ancient or unusual peer)"
    if data and data[0] in _TLS_CONTENT_TYPES:
        return f"a TLS content type ({data[0]}) with version byte 0x{data[1]:02x}, not 3: not TLS"
    text = data[:SHOWN]
    if text and all(32 <= b < 127 or b in (9, 10, 13) for b in text):
        return f"plain text: {_first_line(data)}"
    return f"binary data, not a TLS record (first byte 0x{data[0]:02x})" if data else "nothing"
