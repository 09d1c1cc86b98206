"""Host names as the client sends them (SNI) and checks them: what Python's ssl accepts.

``SSLContext.wrap_bio(server_hostname=...)`` raises for a name it cannot use - an
empty one (ValueError), one with an empty or over-long label (UnicodeError from the
``idna`` codec, RFC 5890/3490: labels of 1 to 63 characters), one with a NUL
(TypeError). Every front end checks names here first, so the user gets a usage error
naming the option or the file's line instead of a traceback (issue 16 item 5, issue
17 item 14). IP addresses pass: the client then checks the certificate's IP names.
Only the standard library is imported here.
"""

from __future__ import annotations

from typing import Final

# RFC 1035 §2.3.4: 255 octets on the wire, 253 characters written with dots.
MAX_HOST_NAME: Final = 253
MAX_LABEL: Final = 63


def host_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a TLS server name, or None."""
    from tlsstep.limits import quote

    shown = quote(name)
    if not name:
        return "a host name cannot be empty"
    if "\0" in name:
        return f"{shown} is not a host name: it contains a NUL character"
    body = name[:-1] if name.endswith(".") else name  # one trailing dot: a rooted name
    if len(body) > MAX_HOST_NAME:
        return f"{shown} is not a host name: {len(body):,} characters, at most {MAX_HOST_NAME}"
    for label in body.split("."):
        if not label:
            return (
                f"{shown} is not a host name: it has an empty label "
                "(a leading dot, or two dots in a row)"
            )
        try:
            encoded = label.encode("idna")
        except UnicodeError:
            encoded = b""
        if not encoded or len(encoded) > MAX_LABEL:
            return (
                f"{shown} is not a host name: the label {quote(label)} is not 1 to "
                f"{MAX_LABEL} characters in IDNA (RFC 5890)"
            )
    return None
