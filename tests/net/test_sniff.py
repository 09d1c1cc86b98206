"""Naming what a peer's first bytes look like when they are not TLS."""

from __future__ import annotations

import pytest

from tlsstep.net.sniff import describe, looks_like_tls, shown


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            b"HTTP/1.1 400 Bad Request\r\n\r\n",
            "an HTTP server's response: HTTP/1.1 400 Bad Request",
        ),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "an SSH server's banner: SSH-2.0-OpenSSH_9.6"),
        (b"220 mail.example ESMTP Postfix\r\n", "--starttls smtp"),
        (b"220 ProFTPD Server\r\n", "--starttls ftp"),
        (b"220 hello\r\n", "SMTP or FTP"),
        (b"* OK [CAPABILITY IMAP4rev1] ready\r\n", "--starttls imap"),
        (b"+OK POP3 ready\r\n", "--starttls pop3"),
        (b"<!DOCTYPE html><html>", "an HTML page"),
        (b"hello there\n", "plain text: hello there"),
        (b"\x00\x01\x02", "binary data, not a TLS record (first byte 0x00)"),
        (b"\x16\x05\x00", "version byte 0x05"),
    ],
)
def test_describe(data: bytes, words: str) -> None:
    assert words in describe(data)


def test_tls_is_tls() -> None:
    assert looks_like_tls(b"\x16\x03\x03\x00\x10")
    assert looks_like_tls(b"\x15\x03\x01")
    assert not looks_like_tls(b"HTTP/1.1")
    assert not looks_like_tls(b"\x16\x05")


def test_shown_escapes_control_characters() -> None:
    assert shown(b"a\x1b[31mb\r\n\xff\\") == "a\\x1b[31mb\\r\\n\\xff\\\\"
    assert shown(b"x" * 100, 4) == "xxxx…"
