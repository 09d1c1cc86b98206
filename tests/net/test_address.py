"""HOST[:PORT] parsing and the SNI rule."""

from __future__ import annotations

import pytest

from tlsstep.errors import UsageProblem
from tlsstep.net.address import Target, parse_target, server_hostname, sni_sent


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("example.com", "example.com", 443),
        ("example.com:8443", "example.com", 8443),
        ("127.0.0.1:4433", "127.0.0.1", 4433),
        ("[::1]:4433", "::1", 4433),
        ("[::1]", "::1", 443),
        ("::1", "::1", 443),
    ],
)
def test_targets(text: str, host: str, port: int) -> None:
    assert parse_target(text) == Target(host=host, port=port)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("example.com:0", "1 to 65535"),
        ("example.com:65536", "1 to 65535"),
        ("example.com:https", "1 to 65535"),
        (":443", "no host"),
        ("[::1", "closing ]"),
        ("[example.com]:1", "not an IPv6"),
        ("fe80::1:x:y", "[ADDRESS]:PORT"),
        ("bad\x1bhost", "not a host name"),
        ("a" * 300, "not a host name"),
    ],
)
def test_bad_targets_say_why(text: str, words: str) -> None:
    with pytest.raises(UsageProblem, match=words.replace("[", r"\[").replace("]", r"\]")):
        parse_target(text)


def test_escape_in_message() -> None:
    with pytest.raises(UsageProblem) as info:
        parse_target("bad\x1bhost")
    assert "\x1b" not in str(info.value)


def test_sni_rule() -> None:
    name = parse_target("example.com")
    ip = parse_target("127.0.0.1:1")
    assert sni_sent(server_hostname(name, None)) == "example.com"
    # an IP literal: Python checks the certificate's IP addresses and sends no SNI
    assert server_hostname(ip, None) == "127.0.0.1"
    assert sni_sent(server_hostname(ip, None)) is None
    assert sni_sent(server_hostname(ip, "example.test")) == "example.test"
    assert server_hostname(name, "") is None
    assert str(parse_target("[::1]:5")) == "[::1]:5"
