"""Signals that end a run unwind it, so every cleanup runs (issue 17 item 10).

Python turns SIGINT into KeyboardInterrupt, which unwinds ``finally`` blocks and
then runs ``atexit``; SIGTERM, SIGHUP and SIGQUIT would kill the process on the
spot and leave the private directory behind. :func:`unwind_on_signals` makes
those three raise :class:`Terminated` (a ``SystemExit`` with status 128 + the
signal's number, as a shell reports a killed child), so they clean up the same
way. SIGKILL cannot be caught: for it, secrets live in files without a name
(:class:`tlsstep.secrets_dir.SecretFile`), which the kernel frees with the process.
"""

from __future__ import annotations

import signal
from types import FrameType
from typing import Final

UNWOUND: Final = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name)
)


class Terminated(SystemExit):
    """The process was asked to stop by a signal; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def _unwind(signum: int, _frame: FrameType | None) -> None:
    # Once is enough: a second signal during cleanup must not cut the cleanup short.
    for sig in UNWOUND:
        signal.signal(sig, signal.SIG_IGN)
    raise Terminated(signum)


def unwind_on_signals() -> None:
    """Make SIGTERM, SIGHUP and SIGQUIT unwind the run; signals someone ignored stay ignored."""
    for sig in UNWOUND:
        if signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, _unwind)
