"""Where the chain as sent comes from: the Certificate handshake messages of a run.

The wire layer frames messages (and, once built, decodes their fields); this module
needs only the certificate list, so it reads it with a small bounded parser rather than
wait for the full decoder. TLS 1.2's Certificate travels in plaintext; TLS 1.3's is
encrypted (RFC 8446 §4.4.2), so it appears in the transcript only once the crypto layer
has opened the record - until then :func:`certificate_messages` simply finds none for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tlsstep.errors import DecodeError
from tlsstep.events import Side
from tlsstep.wire.enums import HandshakeType

if TYPE_CHECKING:
    from tlsstep.session import Session

TLS13: int = 0x0304


def _vector(body: bytes, pos: int, width: int, what: str) -> tuple[bytes, int]:
    """A length-prefixed vector at ``pos``: its bytes and the position after it."""
    if pos + width > len(body):
        raise DecodeError(f"{what}: length runs past the message", offset=pos)
    length = int.from_bytes(body[pos : pos + width], "big")
    start = pos + width
    if start + length > len(body):
        raise DecodeError(
            f"{what}: {length} bytes declared, {len(body) - start} present", offset=pos
        )
    return body[start : start + length], start + length


def chain_from_certificate_message(body: bytes, tls13: bool) -> tuple[bytes, ...]:
    """The DER certificates (leaf first) in a Certificate message body.

    TLS 1.2 (RFC 5246 §7.4.2): ``ASN.1Cert certificate_list<0..2^24-1>``, each
    ``opaque ASN.1Cert<1..2^24-1>``. TLS 1.3 (RFC 8446 §4.4.2): a
    ``certificate_request_context<0..2^8-1>`` first, and each entry is ``cert_data``
    followed by ``Extension extensions<0..2^16-1>`` (skipped here).

    Raises:
        DecodeError: a length that runs past the body, or bytes after the list.
    """
    pos = 0
    if tls13:
        _, pos = _vector(body, pos, 1, "certificate_request_context")
    certificate_list, end = _vector(body, pos, 3, "certificate_list")
    if end != len(body):
        raise DecodeError(f"{len(body) - end} bytes after certificate_list", offset=end)
    base = pos + 3
    out: list[bytes] = []
    pos = 0
    while pos < len(certificate_list):
        try:
            cert, pos = _vector(certificate_list, pos, 3, "certificate")
            if tls13:
                _, pos = _vector(certificate_list, pos, 2, "CertificateEntry extensions")
        except DecodeError as exc:
            raise DecodeError(exc.message, offset=base + exc.offset) from None
        out.append(cert)
    return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateMessage:
    """One Certificate message seen in a session's transcript."""

    connection: int
    sender: Side
    tls13: bool
    certificates: tuple[bytes, ...]  # DER, leaf first, exactly as sent
    problem: str | None = None  # the body did not parse (DecodeError text)


def certificate_messages(session: Session) -> tuple[CertificateMessage, ...]:
    """Every Certificate message in ``session``'s transcripts, in order, per connection.

    Only messages the transcript could read appear: all of TLS 1.2's, and TLS 1.3's
    once the crypto layer decrypts them.
    """
    out: list[CertificateMessage] = []
    for conn in session.connections:
        tls13 = conn.decoder.version == TLS13
        for entry in conn.entries:
            for view in entry.records:
                for message in view.messages:
                    if message.message.msg_type != HandshakeType.certificate:
                        continue
                    try:
                        certs = chain_from_certificate_message(message.message.body, tls13)
                        problem = None
                    except DecodeError as exc:
                        certs, problem = (), str(exc)
                    out.append(
                        CertificateMessage(
                            connection=conn.number,
                            sender=view.sender,
                            tls13=tls13,
                            certificates=certs,
                            problem=problem,
                        )
                    )
    return tuple(out)
