"""tlsstep.lazy.pattern acts as the compiled pattern, compiled at its first use."""

from __future__ import annotations

import re

from tlsstep.lazy import pattern


def test_a_lazy_pattern_matches_as_the_compiled_one() -> None:
    source, flags = r"(?P<word>[a-z]+) | (?P<digits>\d+)", re.VERBOSE
    lazy, compiled = pattern(source, flags), re.compile(source, flags)
    assert not vars(lazy).keys() - {"_source", "_flags"}  # nothing compiled yet
    text = "abc 123 Déf"
    assert [m.groupdict() for m in lazy.finditer(text)] == [
        m.groupdict() for m in compiled.finditer(text)
    ]
    assert lazy.sub("-", text) == compiled.sub("-", text)
    assert lazy.fullmatch("42") is not None and lazy.search("!!") is None
    assert (lazy.pattern, lazy.flags) == (compiled.pattern, compiled.flags)
    assert vars(lazy)["search"].__self__ is vars(lazy)["sub"].__self__  # compiled once
