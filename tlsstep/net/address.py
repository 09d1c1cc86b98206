"""``HOST[:PORT]`` as typed by a user, and which name the client sends (SNI).

The SNI rule (issue 13): the client sends the host name it connects to, none when
that is an IP address, and ``--server-name`` overrides both. Python checks the
certificate against ``server_hostname`` and, for an IP literal, sends no SNI but
checks the certificate's IP addresses instead (RFC 6066 §3: "Literal IPv4 and IPv6
addresses are not permitted in HostName").
"""

from __future__ import annotations

import ipaddress
from typing import Final

from tlsstep.errors import UsageProblem
from tlsstep.frozen import frozen

DEFAULT_PORT: Final = 443
MAX_HOST: Final = 253  # RFC 1035 §2.3.4: a name is at most 253 characters written out


@frozen
class Target:
    """Where to connect: a host name or IP address, and a TCP port."""

    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def is_ip(self) -> bool:
        return is_ip_address(self.host)


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_port(text: str, what: str = "port") -> int:
    """A TCP port, 1 to 65535.

    Raises:
        UsageProblem: not a number in that range.
    """
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UsageProblem(f"{what} must be a number from 1 to 65535, not {text!r}")
    return int(text)


def parse_target(text: str, default_port: int = DEFAULT_PORT) -> Target:
    """``example.com``, ``example.com:8443``, ``127.0.0.1:4433``, ``[::1]:443`` or ``::1``.

    Raises:
        UsageProblem: an empty host, a bad port, or a character no host name holds.
    """
    host, port = text, default_port
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise UsageProblem(f"{text!r}: an IPv6 address opened with [ needs a closing ]")
        host, rest = text[1:end], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise UsageProblem(f"{text!r}: expected :PORT after ]")
            port = parse_port(rest[1:])
        if not is_ip_address(host) or ":" not in host:
            raise UsageProblem(f"{text!r}: [{host}] is not an IPv6 address")
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = parse_port(port_text)
    elif text.count(":") > 1 and not is_ip_address(text):
        raise UsageProblem(f"{text!r}: write an IPv6 address with a port as [ADDRESS]:PORT")
    if not host:
        raise UsageProblem(f"{text!r}: no host name")
    if len(host) > MAX_HOST or not all(c.isascii() and c.isprintable() and c != " " for c in host):
        shown = host[:MAX_HOST].encode("ascii", "backslashreplace").decode("ascii")
        raise UsageProblem(f"{shown!r} is not a host name (ASCII letters, digits, '-' and '.')")
    return Target(host=host, port=port)


def server_hostname(target: Target, given: str | None) -> str | None:
    """What the client passes as ``server_hostname``: ``given``, else the host.

    An empty ``given`` means no name at all (no SNI, and nothing to check the
    certificate's names against: only useful with ``--no-verify``).
    """
    if given is not None:
        return given or None
    return target.host


def sni_sent(name: str | None) -> str | None:
    """The SNI the client actually sends for ``server_hostname``: none for an IP literal."""
    if name is None or is_ip_address(name):
        return None
    return name
