"""Where the chain as sent comes from: the Certificate handshake messages of a run.

The wire layer decodes every message once; this module reads the certificate list from
those decoded fields (:func:`tlsstep.wire.hello.certificate_list`). TLS 1.2's Certificate
travels in plaintext; TLS 1.3's is encrypted (RFC 8446 §4.4.2), so it is among the
decoded messages only once the crypto layer has opened the record - until then
:func:`certificate_messages` simply finds none for it.
"""

from __future__ import annotations

from collections.abc import Iterable

from tlsstep.decode import RecordView
from tlsstep.errors import DecodeError
from tlsstep.events import Side
from tlsstep.frozen import frozen
from tlsstep.wire.enums import HandshakeType, ProtocolVersion
from tlsstep.wire.hello import certificate_list


@frozen
class CertificateMessage:
    """One Certificate message seen in a connection's decoded records."""

    connection: int
    sender: Side
    tls13: bool
    certificates: tuple[bytes, ...]  # DER, leaf first, exactly as sent
    problem: str | None = None  # the body did not decode (the decoder's problem, with offset)


def certificate_messages(
    connection: int, version: ProtocolVersion | int | None, records: Iterable[RecordView]
) -> tuple[CertificateMessage, ...]:
    """Every Certificate message in one connection's decoded ``records``, in order."""
    out: list[CertificateMessage] = []
    tls13 = version == ProtocolVersion.tls13
    for view in records:
        for message in view.messages:
            if message.message.msg_type != HandshakeType.certificate or message.decoded is None:
                continue
            try:
                certs, problem = certificate_list(message.decoded), None
            except DecodeError as exc:
                certs, problem = (), str(exc)
            out.append(
                CertificateMessage(
                    connection=connection,
                    sender=view.sender,
                    tls13=tls13,
                    certificates=certs,
                    problem=problem,
                )
            )
    return tuple(out)
