"""A private directory for secrets: key files handed to OpenSSL and key logs.

With :mod:`tlsstep.secret_file` (a nameless 0600 file inside it), this is the one place
below the commands that touches the file system (the layering test checks it): the
crypto layer hands it the key log text to export instead of writing files itself.

DESIGN.md, "Habits for safety": the directory is 0700 and its files 0600, and it is
removed on every exit path - normal return, error, Ctrl-C (``atexit`` runs after
KeyboardInterrupt unwinds) - by :func:`cleanup`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import stat
import tempfile
from pathlib import Path

_dir: Path | None = None


def private_dir() -> Path:
    """The process's private directory, made on first use (``mkdtemp`` makes it 0700)."""
    global _dir
    if _dir is None or not _dir.exists():
        _dir = Path(tempfile.mkdtemp(prefix="tlsstep-"))
        atexit.register(cleanup)
    return _dir


def private_file(name: str, data: bytes = b"") -> Path:
    """Create ``name`` in the private directory with mode 0600 and ``data`` in it."""
    path = private_dir() / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def write_secret(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (a key log to export) to the user's ``path``, mode 0600.

    An existing regular file keeps its mode through ``O_CREAT``, so it is set
    explicitly: whatever was there, the secrets are readable by their owner only. A
    device or pipe (``/dev/stdout``, ``<(...)``) is written to as it is. Short writes
    are finished, so a full disk (``/dev/full``) raises instead of losing lines.

    Raises:
        OSError: the file cannot be written.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fchmod(fd, 0o600)
        data = text.encode("ascii")
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)


def cleanup() -> None:
    """Remove the private directory and everything in it."""
    global _dir
    if _dir is not None:
        shutil.rmtree(_dir, ignore_errors=True)
        _dir = None
