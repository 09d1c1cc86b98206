"""Regular expressions compiled when first used (issue 14, start-up).

Compiling a pattern is paid at import by every run that imports its module, used or
not: the escaping patterns of tlsstep.safe_text (character classes over the whole
Basic Multilingual Plane) cost 9 million instructions, shell quoting 6 million, of a
``handshake --json`` that never uses them. :func:`pattern` stands for the compiled
pattern and compiles it at its first use; each method, once read, is the compiled
pattern's own (no indirection per call after that).
"""

from __future__ import annotations

import re
from typing import Any, cast


class _LazyPattern:
    def __init__(self, source: str, flags: int) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:  # only for what is not read yet
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = self._compiled = re.compile(self._source, self._flags)
        value = getattr(compiled, name)
        setattr(self, name, value)
        return value


def pattern(source: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(source, flags)``, compiled when one of its methods is first read."""
    return cast("re.Pattern[str]", _LazyPattern(source, flags))
