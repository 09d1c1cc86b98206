"""``tlsstep serve``'s options as one value, and how a client can trust the server.

The server side is configured through the same :class:`~tlsstep.config.PairConfig`
as ``tlsstep handshake``'s server (certificates, problems on demand, client
certificates, ALPN, versions, tickets); the client half is unused: clients are remote.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

from tlsstep.errors import TlsstepError
from tlsstep.frozen import frozen
from tlsstep.net.address import is_ip_address

MAX_RESPONSE: Final = 1 << 20  # --respond FILE: a canned answer, not a file server

DEFAULT_RESPONSE_NOTE: Final = "echo"


def read_response(path: str) -> bytes:
    """The bytes of ``--respond FILE``, bounded by :data:`MAX_RESPONSE`.

    Raises:
        TlsstepError: not a regular file, unreadable, or too large.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise TlsstepError(f"{path} is not a regular file")
        if info.st_size > MAX_RESPONSE:
            raise TlsstepError(f"{path} has {info.st_size} bytes; at most {MAX_RESPONSE} are sent")
        with open(path, "rb") as fh:
            return fh.read(MAX_RESPONSE + 1)[:MAX_RESPONSE]
    except OSError as exc:
        raise TlsstepError(f"cannot read {path}: {exc.strerror}") from None


@frozen
class TrustHint:
    """How a client reaches and trusts the server: ready-to-paste commands."""

    ca_file: str | None  # the CA certificate written for clients (None: --cert, user's CA)
    name: str  # the name in the server's certificate
    host: str  # where it listens
    port: int

    def commands(self) -> tuple[str, ...]:
        host = f"[{self.host}]" if ":" in self.host else self.host
        ca = self.ca_file or "YOUR-CA.pem"
        if is_ip_address(self.name):
            url = f"https://{host}:{self.port}/"
            curl = f"curl --cacert {ca} {url}"
        else:
            url = f"https://{self.name}:{self.port}/"
            curl = f"curl --cacert {ca} --resolve {self.name}:{self.port}:{self.host} {url}"
        return (
            curl,
            f"openssl s_client -connect {host}:{self.port} -servername {self.name} -CAfile {ca}",
        )


def write_ca_file(pem: bytes, path: str | None, port: int) -> Path:
    """Write the CA certificate clients should trust (public: mode 0644).

    Args:
        path: where the user asked for it; None: a file in the temporary directory.

    Raises:
        TlsstepError: the file cannot be written.
    """
    import tempfile

    target = Path(path) if path else Path(tempfile.gettempdir()) / f"tlsstep-serve-{port}-ca.pem"
    try:
        target.write_bytes(pem)
        target.chmod(0o644)
    except OSError as exc:
        raise TlsstepError(f"cannot write {target}: {exc.strerror}") from None
    return target
