"""Reading a whole file someone named, with a size limit (issue 17 item 6).

``Path.read_bytes()`` on ``/dev/zero`` grows until memory runs out, and on a FIFO
nobody writes to it waits forever. :func:`read_file` opens without blocking,
looks at what it opened, refuses what is not a regular file (unless the caller
allows pipes, for ``--keylog <(...)``), and never reads more than its limit plus
one byte, so a file that grows while it is read is caught too.
"""

from __future__ import annotations

import os
import stat

from tlsstep.errors import TlsstepError


class FileProblem(TlsstepError):
    """A file that cannot be read whole; ``path`` and ``reason`` say why."""

    def __init__(self, reason: str, *, path: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason
        self.path = path


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def read_file(path: str | os.PathLike[str], *, limit: int, what: str, pipes: bool = False) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes.

    Args:
        what: what the file should hold ("a scenario"), for the message.
        pipes: also read a pipe (up to ``limit``), e.g. a shell's ``<(...)``.

    Raises:
        FileProblem: missing, unreadable, not a regular file, or too big.
    """
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise FileProblem(f"cannot read it: {exc.strerror or exc}", path=name) from None
    try:
        mode = os.fstat(fd).st_mode
        regular = stat.S_ISREG(mode)
        if not regular and not (pipes and stat.S_ISFIFO(mode)):
            raise FileProblem(
                f"is {_kind(mode)}, not a file: {what} is read only from a regular file",
                path=name,
            )
        if regular and os.fstat(fd).st_size > limit:
            raise FileProblem(_too_big(os.fstat(fd).st_size, limit, what), path=name)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            try:
                chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            except OSError as exc:
                raise FileProblem(f"cannot read it: {exc.strerror or exc}", path=name) from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileProblem(_too_big(None, limit, what), path=name)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_big(size: int | None, limit: int, what: str) -> str:
    actual = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
    return f"{actual}; {what} may be at most {limit:,} bytes ({limit // (1 << 20)} MiB)"
