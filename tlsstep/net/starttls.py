"""The plaintext preambles that come before TLS on a mail, file or database port. Sans-IO.

Theory of operation
-------------------
Each protocol's dialog is a generator that yields what it wants next - ``Send(bytes)``
or ``Expect(parser)`` - and receives each parsed reply back, like h11's state machine
without the I/O. :class:`Preamble` runs it: :meth:`Preamble.to_send` hands out bytes to
send, :meth:`Preamble.feed` takes what the server sent. Every line that crossed is kept
in :attr:`Preamble.exchanges` (what was sent, what the server answered), so that the
preamble shows as steps before the TLS ones.

The dialogs (client side, the least each protocol needs):

* smtp (RFC 3207): banner 220, ``EHLO``, 250 listing STARTTLS, ``STARTTLS``, 220.
* imap (RFC 9051 §6.2.1): greeting ``* OK``, ``a1 STARTTLS``, ``a1 OK``.
* pop3 (RFC 2595 §4): greeting ``+OK``, ``STLS``, ``+OK``.
* ftp (RFC 4217 §4): banner 220, ``AUTH TLS``, 234.
* postgres (PostgreSQL protocol, "SSLRequest"): the client speaks first with the
  8-byte SSLRequest; the server answers one byte, ``S`` (go on with TLS) or ``N``.

A reply is bounded (:data:`MAX_REPLY`); one that grows past it fails the preamble.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.frozen import frozen
from tlsstep.net.sniff import shown

if TYPE_CHECKING:
    from tlsstep.net.carrier import Carrier
    from tlsstep.net.problems import NetProblem

MAX_REPLY: Final = 65536
# PostgreSQL's SSLRequest: length 8, then the request code 1234 << 16 | 5679.
SSL_REQUEST: Final = (8).to_bytes(4, "big") + (80877103).to_bytes(4, "big")


class StartTls(StrEnum, metaclass=CheapEnumType):
    smtp = "smtp"
    imap = "imap"
    pop3 = "pop3"
    ftp = "ftp"
    postgres = "postgres"


class Direction(StrEnum, metaclass=CheapEnumType):
    sent = "sent"
    received = "received"


@frozen
class Exchange:
    """One piece of the preamble: bytes the client sent or a reply the server sent."""

    direction: Direction
    data: bytes

    @property
    def text(self) -> str:
        return shown(self.data, MAX_REPLY)


@frozen
class Reply:
    """A parsed reply: its status (``220``, ``+OK``, ``a1 OK``, ``S``) and all its lines."""

    status: str
    lines: tuple[str, ...]


@frozen(kw_only=False)
class Send:
    data: bytes


Parser = Callable[[bytes], tuple[Reply, int] | None]  # the reply and its length, or need more


@frozen(kw_only=False)
class Expect:
    parser: Parser
    what: str


class PreambleFailed(Exception):
    """The server's reply was not the one the protocol needs (raised inside a dialog)."""


Dialog = Generator[Send | Expect, Reply | None, None]

_NUMERIC = re.compile(rb"^(\d{3})([ -]?)")


def _lines(buffer: bytes) -> list[bytes]:
    """Complete lines (ended by LF; CR before it dropped)."""
    parts = buffer.split(b"\n")
    return [p.rstrip(b"\r") for p in parts[:-1]]


def numeric_reply(buffer: bytes) -> tuple[Reply, int] | None:
    """An SMTP/FTP reply: ``ddd-`` lines continue, ``ddd `` (same code) ends it (RFC 5321 §4.2.1)."""
    code: bytes | None = None
    consumed = 0
    lines: list[str] = []
    for raw in _lines(buffer):
        consumed = buffer.index(b"\n", consumed) + 1
        lines.append(raw.decode("latin-1"))
        match = _NUMERIC.match(raw)
        if code is None:
            if not match:
                return Reply(status="?", lines=tuple(lines)), consumed
            code = match.group(1)
        if match and match.group(1) == code and match.group(2) != b"-":
            return Reply(status=code.decode(), lines=tuple(lines)), consumed
    return None


def line_reply(buffer: bytes) -> tuple[Reply, int] | None:
    """A one-line reply (POP3, an IMAP greeting): its first word is the status."""
    end = buffer.find(b"\n")
    if end < 0:
        return None
    line = buffer[:end].rstrip(b"\r").decode("latin-1")
    return Reply(status=line.split(" ", 1)[0], lines=(line,)), end + 1


def tagged_reply(tag: str) -> Parser:
    """IMAP: untagged ``*`` lines, then ``TAG OK|NO|BAD`` ends the reply (RFC 9051 §2.2.2)."""

    def parse(buffer: bytes) -> tuple[Reply, int] | None:
        consumed = 0
        lines: list[str] = []
        for raw in _lines(buffer):
            consumed = buffer.index(b"\n", consumed) + 1
            line = raw.decode("latin-1")
            lines.append(line)
            if line.startswith(tag + " "):
                return Reply(status=line.split(" ")[1].upper(), lines=tuple(lines)), consumed
        return None

    return parse


def byte_reply(buffer: bytes) -> tuple[Reply, int] | None:
    """PostgreSQL's answer to SSLRequest: one byte."""
    if not buffer:
        return None
    return Reply(status=chr(buffer[0]), lines=(shown(buffer[:1]),)), 1


def _expect(reply: Reply | None, ok: set[str], what: str) -> Reply:
    assert reply is not None  # Preamble always sends a reply after an Expect
    if reply.status not in ok:
        raise PreambleFailed(f"expected {what}, got {shown(reply.lines[-1].encode('latin-1'))}")
    return reply


def _smtp(client_name: str) -> Dialog:
    _expect((yield Expect(numeric_reply, "the 220 banner")), {"220"}, "the 220 banner")
    yield Send(f"EHLO {client_name}\r\n".encode())
    ehlo = _expect((yield Expect(numeric_reply, "250")), {"250"}, "250 to EHLO")
    if not any(line[4:].upper().startswith("STARTTLS") for line in ehlo.lines):
        raise PreambleFailed("the server does not offer STARTTLS in its EHLO reply")
    yield Send(b"STARTTLS\r\n")
    _expect((yield Expect(numeric_reply, "220")), {"220"}, "220 to STARTTLS")


def _imap(_client_name: str) -> Dialog:
    _expect((yield Expect(line_reply, "* OK")), {"*"}, "the * OK greeting")
    yield Send(b"a1 STARTTLS\r\n")
    _expect((yield Expect(tagged_reply("a1"), "a1 OK")), {"OK"}, "a1 OK to STARTTLS")


def _pop3(_client_name: str) -> Dialog:
    _expect((yield Expect(line_reply, "+OK")), {"+OK"}, "the +OK greeting")
    yield Send(b"STLS\r\n")
    _expect((yield Expect(line_reply, "+OK")), {"+OK"}, "+OK to STLS")


def _ftp(_client_name: str) -> Dialog:
    _expect((yield Expect(numeric_reply, "220")), {"220"}, "the 220 banner")
    yield Send(b"AUTH TLS\r\n")
    _expect((yield Expect(numeric_reply, "234")), {"234"}, "234 to AUTH TLS")


def _postgres(_client_name: str) -> Dialog:
    yield Send(SSL_REQUEST)
    reply = yield Expect(byte_reply, "S")
    if reply is not None and reply.status == "N":
        raise PreambleFailed("the server answered N: it does not accept TLS (ssl = off)")
    _expect(reply, {"S"}, "S (go on with TLS)")


DIALOGS: Final[dict[StartTls, Callable[[str], Dialog]]] = {
    StartTls.smtp: _smtp,
    StartTls.imap: _imap,
    StartTls.pop3: _pop3,
    StartTls.ftp: _ftp,
    StartTls.postgres: _postgres,
}


class Preamble:
    """One protocol's plaintext dialog, run by whoever moves the bytes."""

    def __init__(self, protocol: StartTls, client_name: str = "tlsstep.invalid") -> None:
        self.protocol = protocol
        self.exchanges: list[Exchange] = []
        self.failed: str | None = None
        self.done = False
        self.waiting_for: str | None = None
        self._buffer = b""
        self._outgoing = b""
        self._parser: Parser | None = None
        self._started = False
        self._dialog = DIALOGS[protocol](client_name)
        self._advance(None)

    def _advance(self, reply: Reply | None) -> None:
        try:
            want = self._dialog.send(reply) if self._started else next(self._dialog)
            self._started = True
            while isinstance(want, Send):
                self._outgoing += want.data
                self.exchanges.append(Exchange(direction=Direction.sent, data=want.data))
                want = next(self._dialog)
        except StopIteration:
            self.done, self._parser, self.waiting_for = True, None, None
            return
        except PreambleFailed as exc:
            self.failed, self._parser, self.waiting_for = str(exc), None, None
            return
        self._parser, self.waiting_for = want.parser, want.what

    def to_send(self) -> bytes:
        """Bytes the client must send now (each returned once)."""
        data, self._outgoing = self._outgoing, b""
        return data

    @property
    def needs_data(self) -> bool:
        return self._parser is not None

    @property
    def leftover(self) -> bytes:
        """Bytes the server sent after its last reply (they belong to TLS)."""
        return self._buffer if self.done else b""

    @property
    def unparsed(self) -> bytes:
        """Bytes received that complete no reply yet."""
        return self._buffer

    def feed(self, data: bytes) -> None:
        """Take the server's bytes; parse every reply they complete."""
        self._buffer += data
        while self._parser is not None:
            parsed = self._parser(self._buffer)
            if parsed is None:
                if len(self._buffer) > MAX_REPLY:
                    self.failed = f"a reply longer than {MAX_REPLY} bytes"
                    self._parser = None
                return
            reply, size = parsed
            raw, self._buffer = self._buffer[:size], self._buffer[size:]
            self.exchanges.append(Exchange(direction=Direction.received, data=raw))
            self._advance(reply)


def run_preamble(carrier: Carrier, preamble: Preamble, timeout: float) -> NetProblem | None:
    """Move the preamble's bytes over ``carrier`` until it is done or fails."""
    from tlsstep.net.problems import NetProblem, NetProblemKind

    during = f"the {preamble.protocol} preamble"
    while True:
        problem = carrier.send(preamble.to_send())
        if problem is not None:
            return problem
        if preamble.failed:
            return NetProblem(
                kind=NetProblemKind.starttls,
                during=during,
                where=carrier.where,
                detail=preamble.failed,
            )
        if preamble.done:
            return None
        got = carrier.receive(timeout)
        preamble.feed(got.data)
        if preamble.done or preamble.failed:
            continue
        if got.problem is not None:
            return got.problem
        if got.timed_out or got.eof:
            kind = NetProblemKind.timeout if got.timed_out else NetProblemKind.closed
            waited = f"waiting {timeout:g} s for " if got.timed_out else "before "
            return NetProblem(
                kind=kind,
                during=during,
                where=carrier.where,
                detail=f"{waited}{preamble.waiting_for}",
                received=preamble.unparsed,
            )
