"""``did you mean ...?`` for a misspelt name a user typed (a step, a key, a check)."""

from __future__ import annotations

from collections.abc import Iterable


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'deliver'?)`` or nothing."""
    if len(word) > 100:  # no name is that long; and difflib's work grows with it
        return ""
    import difflib  # only for a typo: not on every run's import path

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
