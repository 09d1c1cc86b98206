"""The system trust store, as one PEM bundle both verifiers read.

``tlsstep connect`` verifies the server twice - OpenSSL in the handshake and the
independent verifier in :mod:`tlsstep.certs` - and both must trust the same roots,
so the store is read once, as PEM, and handed to both (``PairConfig.trust_pem``).
OpenSSL's own ``load_default_certs()`` cannot be used for that: roots in a hashed
directory load lazily and ``get_ca_certs()`` never lists them.

Where the roots are: ``$SSL_CERT_FILE``, Python's and OpenSSL's default CA file, the
usual bundle of each distribution, then ``$SSL_CERT_DIR`` or the default directory.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path
from typing import Final

from tlsstep.errors import TlsstepError
from tlsstep.frozen import frozen

# The bundles of the common distributions (as Go's crypto/x509 root_linux.go lists them).
KNOWN_BUNDLES: Final = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Gentoo, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL 6
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/pki/tls/cacert.pem",  # OpenELEC
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # CentOS, RHEL 7
    "/etc/ssl/cert.pem",  # Alpine, macOS, BSDs
)
MAX_BUNDLE: Final = 64 << 20  # a trust store is a few hundred KiB; refuse a runaway file
BEGIN: Final = b"-----BEGIN CERTIFICATE-----"
# A scenario's ``[server] remote_ca`` (and the shell's ``connect ... ca=``): this value
# means the system trust store, not a file.
SYSTEM_TRUST: Final = "system"


class TrustStoreMissing(TlsstepError):
    """No system trust store was found; the message lists where tlsstep looked."""


@frozen
class TrustStore:
    pem: bytes
    source: str  # the file or directory it came from
    count: int  # certificates in it


def _read_bundle(path: Path) -> bytes | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_BUNDLE:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if BEGIN in data else None


def _read_directory(path: Path) -> bytes | None:
    """Every PEM certificate file in a directory (hashed links point at the same files)."""
    try:
        if not path.is_dir():
            return None
        seen: set[Path] = set()
        parts: list[bytes] = []
        total = 0
        for entry in sorted(path.iterdir()):
            real = entry.resolve()
            if real in seen or not real.is_file():
                continue
            seen.add(real)
            size = real.stat().st_size
            if total + size > MAX_BUNDLE:
                break
            data = real.read_bytes()
            if BEGIN in data:
                parts.append(data if data.endswith(b"\n") else data + b"\n")
                total += size
    except OSError:
        return None
    return b"".join(parts) or None


def candidates() -> list[tuple[str, bool]]:
    """(path, is a directory) in the order they are tried."""
    paths = ssl.get_default_verify_paths()
    files = [os.environ.get("SSL_CERT_FILE"), paths.cafile, paths.openssl_cafile, *KNOWN_BUNDLES]
    dirs = [os.environ.get("SSL_CERT_DIR"), paths.capath, paths.openssl_capath]
    out: list[tuple[str, bool]] = []
    for name, is_dir in [(f, False) for f in files] + [(d, True) for d in dirs]:
        if name and (name, is_dir) not in out:
            out.append((name, is_dir))
    return out


def system_trust() -> TrustStore:
    """The first trust store found.

    Raises:
        TrustStoreMissing: none of the places holds a certificate.
    """
    tried = candidates()
    for name, is_dir in tried:
        path = Path(name)
        data = _read_directory(path) if is_dir else _read_bundle(path)
        if data:
            return TrustStore(pem=data, source=name, count=data.count(BEGIN))
    raise TrustStoreMissing(
        "no system trust store found (looked in "
        + ", ".join(name for name, _ in tried)
        + "); give one with --ca FILE, or skip verification with --no-verify"
    )


def read_ca_file(path: str | Path, into: ssl.SSLContext | None = None) -> bytes:
    """A CA file the user names (``connect --ca``, a scenario's ``remote_ca``), checked by
    OpenSSL itself: parsing it with cryptography would cost ``connect`` the import of
    its X.509 module on every run (bench/bench_connect.py).

    Args:
        into: the context that will trust it: it is checked by loading it there (else
            into a context of its own), so that ``connect`` loads it once (issue 14).

    Raises:
        TlsstepError: unreadable, not PEM, or a certificate OpenSSL cannot load.
    """
    from tlsstep.bounded_read import read_file
    from tlsstep.limits import MAX_CERT_FILE_BYTES

    data = read_file(path, limit=MAX_CERT_FILE_BYTES, what="a CA file")
    if BEGIN not in data:
        raise TlsstepError(
            f"CA file {path} is not a PEM certificate file (no {BEGIN.decode()} line)"
        )
    try:
        (into or ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)).load_verify_locations(
            cadata=data.decode("ascii", "replace")
        )
    except ssl.SSLError as exc:
        raise TlsstepError(
            f"CA file {path} holds a certificate that does not parse ({exc.reason or exc})"
        ) from None
    return data


def ca_path(scenario_path: str, remote_ca: str) -> Path:
    """A scenario's ``remote_ca`` file: relative to the scenario file's directory."""
    return Path(scenario_path).parent / Path(remote_ca).expanduser()
