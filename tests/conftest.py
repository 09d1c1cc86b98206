"""Hermetic test runs: the certificate cache (tlsstep.certcache) lives in a directory of
this pytest session's own, never the user's ~/.cache, and never another session's (other
test runs may go on at the same time on this machine). Subprocesses inherit it.

Tests that need a cache of their own (tests/test_certcache.py) point XDG_CACHE_HOME at
their tmp_path.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_made: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    # Set before any test module is imported: some make certificates at import time.
    directory = tempfile.mkdtemp(prefix="tlsstep-test-cache-")
    _made.append(directory)
    os.environ["XDG_CACHE_HOME"] = directory


def pytest_unconfigure(config: pytest.Config) -> None:
    for directory in _made:
        shutil.rmtree(directory, ignore_errors=True)
