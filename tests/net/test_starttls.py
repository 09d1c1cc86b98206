"""The STARTTLS preambles, sans-IO: whole replies, byte by byte, and refusals."""

from __future__ import annotations

import pytest

from tlsstep.net.starttls import MAX_REPLY, SSL_REQUEST, Direction, Preamble, StartTls

SMTP = [
    b"220-mail.example ESMTP\r\n220 mail.example ready\r\n",
    b"250-mail.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
    b"220 2.0.0 go ahead\r\n",
]
SERVERS = {
    StartTls.smtp: (SMTP, [b"EHLO tlsstep.invalid\r\n", b"STARTTLS\r\n"]),
    StartTls.imap: (
        [b"* OK IMAP4rev1 ready\r\n", b"* BYE-not-really\r\na1 OK Begin TLS\r\n"],
        [b"a1 STARTTLS\r\n"],
    ),
    StartTls.pop3: ([b"+OK ready\r\n", b"+OK begin TLS\r\n"], [b"STLS\r\n"]),
    StartTls.ftp: ([b"220 FTP ready\r\n", b"234 AUTH TLS ok\r\n"], [b"AUTH TLS\r\n"]),
    StartTls.postgres: ([b"S"], [SSL_REQUEST]),
}


def run(protocol: StartTls, replies: list[bytes], *, byte_by_byte: bool = False) -> Preamble:
    preamble = Preamble(protocol)
    sent = [preamble.to_send()]
    for reply in replies:
        chunks = [reply[i : i + 1] for i in range(len(reply))] if byte_by_byte else [reply]
        for chunk in chunks:
            preamble.feed(chunk)
        sent.append(preamble.to_send())
    preamble.sent_log = [s for s in sent if s]  # type: ignore[attr-defined]
    return preamble


@pytest.mark.parametrize("protocol", list(StartTls))
@pytest.mark.parametrize("byte_by_byte", [False, True])
def test_dialogs(protocol: StartTls, byte_by_byte: bool) -> None:
    replies, commands = SERVERS[protocol]
    preamble = run(protocol, replies, byte_by_byte=byte_by_byte)
    assert preamble.done and preamble.failed is None
    assert preamble.sent_log == commands  # type: ignore[attr-defined]
    received = [e.data for e in preamble.exchanges if e.direction is Direction.received]
    assert received == replies
    # the exchanges interleave in the order they happened
    assert preamble.exchanges[0].direction is (
        Direction.sent if protocol is StartTls.postgres else Direction.received
    )


def test_smtp_without_starttls_fails() -> None:
    preamble = run(StartTls.smtp, [SMTP[0], b"250-x\r\n250 HELP\r\n"])
    assert preamble.failed == "the server does not offer STARTTLS in its EHLO reply"
    assert not preamble.done and not preamble.needs_data


def test_refusals_are_named() -> None:
    assert "got 454 TLS not available" in str(
        run(StartTls.smtp, [SMTP[0], SMTP[1], b"454 TLS not available\r\n"]).failed
    )
    assert "answered N" in str(run(StartTls.postgres, [b"N"]).failed)
    assert "expected the +OK greeting, got -ERR" in str(run(StartTls.pop3, [b"-ERR no\r\n"]).failed)
    assert "a1 OK" in str(run(StartTls.imap, [b"* OK hi\r\n", b"a1 NO nope\r\n"]).failed)
    assert "expected the 220 banner" in str(run(StartTls.smtp, [b"hello\r\n"]).failed)


def test_runaway_reply_is_bounded() -> None:
    preamble = Preamble(StartTls.smtp)
    for _ in range(MAX_REPLY // 4096 + 2):
        preamble.feed(b"220-" + b"x" * 4092)
    assert preamble.failed is not None and "longer than" in preamble.failed


def test_bytes_after_the_last_reply_are_leftover() -> None:
    preamble = Preamble(StartTls.postgres)
    preamble.feed(b"S\x16\x03")
    assert preamble.done and preamble.leftover == b"\x16\x03"
