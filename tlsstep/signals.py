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

# The signal module's C half (no stub: typed below). ``signal`` itself builds enums of
# every signal, handler and mask at import, 3 M instructions of each run (issue 14), for
# three handlers set here by number.
import _signal  # type: ignore[import-not-found]
from collections.abc import Callable
from types import FrameType
from typing import Any, Final

_set: Callable[[int, Any], Any] = _signal.signal
_get: Callable[[int], Any] = _signal.getsignal
SIG_DFL: Final[int] = _signal.SIG_DFL
SIG_IGN: Final[int] = _signal.SIG_IGN

UNWOUND: Final[tuple[int, ...]] = tuple(
    getattr(_signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(_signal, name)
)


class Terminated(SystemExit):
    """The process was asked to stop by a signal; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def _unwind(signum: int, _frame: FrameType | None) -> None:
    # Once is enough: a second signal during cleanup must not cut the cleanup short.
    for sig in UNWOUND:
        _set(sig, SIG_IGN)
    raise Terminated(signum)


def unwind_on_signals() -> None:
    """Make SIGTERM, SIGHUP and SIGQUIT unwind the run; signals someone ignored stay ignored."""
    for sig in UNWOUND:
        if _get(sig) == SIG_DFL:  # an int here (signal.getsignal makes it an enum)
            _set(sig, _unwind)
