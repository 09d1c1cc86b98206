"""Every secret tlsstep keeps in a file: the one module below the commands that writes them.

Three kinds, one habit (DESIGN.md, "Habits for safety": 0600 files, a 0700
directory, gone at every exit):

- :func:`private_dir`: the process's private directory (0700), removed on every
  exit path - normal return, error, Ctrl-C (``atexit`` runs after KeyboardInterrupt
  unwinds) - by :func:`cleanup`;
- :class:`SecretFile`: a 0600 file with no name on disk (inside that directory only
  where ``O_TMPFILE`` is missing), for
  secrets OpenSSL reads or writes by path (a key log, a private key);
- :func:`open_secret` / :func:`write_secret`: a file the *user* names that will hold
  secrets (``--keylog``, a pcapng with its key log, the HTML page, the shell's
  ``keys``), made 0600 even if it existed with another mode.

The layering test lets no other module below the commands write a secret: the crypto
layer hands :func:`write_secret` the key log text, the pcap writer and the page hand
:func:`open_secret`'s file their bytes.

``SecretFile``'s theory of operation (issue 17 item 10: no key log may outlive the
process, SIGKILL included):

- OpenSSL only takes secrets by path (``SSLContext.keylog_filename``,
  ``load_cert_chain``). On Linux ``/proc/self/fd/N`` is such a path for an open
  descriptor, and opening it opens the same inode even after the file was unlinked.
- So the file is made without a name (``O_TMPFILE``, mode 0600) and OpenSSL is
  handed ``/proc/self/fd/N``; where ``O_TMPFILE`` is missing, it is made in the
  private directory (0700) with ``O_EXCL`` and unlinked at once. The secrets then
  live in an inode without a name, which the kernel frees when the last descriptor
  closes: at :meth:`SecretFile.close` or when the process dies, however it dies. With
  ``O_TMPFILE`` no private directory is made at all, so SIGKILL leaves not even an
  empty one behind.
- Python's ``keylog_filename`` setter opens the path in append mode at once,
  writes a header line if the file is empty, and flushes after each secret
  (CPython ``Modules/_ssl/debughelpers.c``). Every context opens its own
  descriptor, all ``O_APPEND`` on the one inode, so the client's and the server's
  lines never overwrite each other, and a context made later (a new connection,
  a replay's next configuration) appends to the same file, as long as ours is open.
- A path must never be handed out after :meth:`close`: the number ``N`` may then
  name some other file of this process. :attr:`path` raises once closed.
- Where ``/proc/self/fd`` does not work (not Linux), the file keeps its name in
  the private directory until :meth:`close`, ``atexit`` or a signal
  (:mod:`tlsstep.signals`) removes it; only SIGKILL can leave it behind there.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Final

_dir: Path | None = None


def private_dir() -> Path:
    """The process's private directory, made on first use (``mkdtemp`` makes it 0700)."""
    global _dir
    if _dir is None or not _dir.exists():
        _dir = Path(tempfile.mkdtemp(prefix="tlsstep-"))
        atexit.register(cleanup)
    return _dir


def cleanup() -> None:
    """Remove the private directory and everything in it."""
    global _dir
    if _dir is not None:
        shutil.rmtree(_dir, ignore_errors=True)
        _dir = None


# -- files the user names --------------------------------------------------------------


def _create_private(path: str | os.PathLike[str]) -> int:
    """A descriptor on ``path`` truncated for writing, mode 0600.

    An existing regular file keeps its mode through ``O_CREAT``, so it is set
    explicitly: whatever was there, the secrets are readable by their owner only. A
    device or pipe (``/dev/stdout``, ``<(...)``) is written to as it is.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        raise
    return fd


def open_secret(path: str | os.PathLike[str]) -> BinaryIO:
    """The user's ``path`` opened for writing bytes that hold secrets, mode 0600.

    Raises:
        OSError: the file cannot be made.
    """
    return os.fdopen(_create_private(path), "wb")


def write_secret(path: str | os.PathLike[str], text: str | bytes) -> None:
    """Write ``text`` (a key log, a page with the run's keys) to the user's ``path``, 0600.

    Short writes are finished, so a full disk (``/dev/full``) raises instead of
    losing lines.

    Raises:
        OSError: the file cannot be written.
    """
    fd = _create_private(path)
    try:
        data = text.encode("ascii") if isinstance(text, str) else text
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)


# -- files OpenSSL reads and writes by path --------------------------------------------

PROC_FD: Final = "/proc/self/fd"


def _unnamed_file() -> int | None:
    """A file that never has a name (Linux ``O_TMPFILE``), mode 0600; None where unsupported.

    Nothing can be left on disk, not even by SIGKILL: no directory is made either.
    """
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir(PROC_FD):
        return None
    try:
        fd = os.open(tempfile.gettempdir(), flag | os.O_RDWR, 0o600)
    except OSError:  # a file system without O_TMPFILE support
        return None
    if _reachable(fd):
        return fd
    os.close(fd)
    return None


def _reachable(fd: int) -> bool:
    """Whether ``/proc/self/fd/N`` opens this very file (so OpenSSL can take it by path)."""
    try:
        return os.stat(f"{PROC_FD}/{fd}").st_ino == os.fstat(fd).st_ino
    except OSError:
        return False


class SecretFile:
    """A private file read and written by descriptor; :attr:`path` is for OpenSSL."""

    __slots__ = ("_fd", "_named", "_path")

    def __init__(self, prefix: str, data: bytes = b"") -> None:
        fd = _unnamed_file()
        self._named: str | None = None
        if fd is None:  # no O_TMPFILE: a name in the private directory, dropped at once
            name = str(private_dir() / f"{prefix}-{os.urandom(8).hex()}")
            fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            if _reachable(fd):
                os.unlink(name)
            else:
                self._named = name  # no /proc: keep the name until close()
        self._fd: int | None = fd
        self._path = self._named or f"{PROC_FD}/{fd}"
        if data:
            os.write(self._fd, data)

    @property
    def path(self) -> str:
        """A path that opens this file, for OpenSSL; only while it is open."""
        if self._fd is None:
            raise ValueError("the secret file is closed")
        return self._path

    @property
    def has_name(self) -> bool:
        """Whether the file still has a name on disk (only where /proc is missing)."""
        return self._named is not None

    def size(self) -> int:
        return os.fstat(self._fd).st_size if self._fd is not None else 0

    def read(self, offset: int = 0) -> bytes:
        """Everything from ``offset`` to the current end; b"" once closed."""
        if self._fd is None:
            return b""
        chunks: list[bytes] = []
        while True:
            chunk = os.pread(self._fd, 1 << 16, offset)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            offset += len(chunk)

    def close(self) -> None:
        """Forget the file: its name (if any) goes now, its bytes with the last descriptor."""
        if self._named is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._named)
            self._named = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
