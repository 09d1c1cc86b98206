"""Issue 12's shape of the core, checked on the source (AST), like the layering test.

- No function in the pair, the session, the plan, the steps or the states is longer
  than :data:`MAX_LINES` lines: the driver and its parts stay readable one screen at
  a time.
- Events are typed: no operation is compared with a string (``event.op == "deliver"``);
  :class:`tlsstep.events.Op` members are compared instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "tlsstep"
MAX_LINES: Final = 60

# The core of issue 12: the endpoint seam and the pair, the session and its plan, the
# step vocabulary and its checks, and the states.
CORE: Final = (
    "endpoint.py",
    "pair.py",
    "session.py",
    "plan.py",
    "steps.py",
    "checks.py",
    "outcome.py",
    "states",
)


def core_files() -> list[Path]:
    out: list[Path] = []
    for name in CORE:
        path = PACKAGE / name
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


def long_functions(tree: ast.AST, limit: int = MAX_LINES) -> Iterator[tuple[str, int, int]]:
    """(name, first line, length) of every function longer than ``limit`` lines."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - start + 1
            if length > limit:
                yield node.name, start, length


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_long_function_in_the_core(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [
        f"{path.relative_to(ROOT)}:{line} {name}() is {n} lines"
        for name, line, n in long_functions(tree)
    ]
    assert not found, f"over {MAX_LINES} lines: {found}"


def string_op_compares(tree: ast.AST) -> Iterator[int]:
    """Lines comparing something's ``.op`` with a string constant (either side, ==, !=, in)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        has_op = any(isinstance(s, ast.Attribute) and s.attr == "op" for s in sides)
        has_text = any(_is_text(s) for s in sides)
        if has_op and has_text:
            yield node.lineno


def _is_text(node: ast.expr) -> bool:
    """A string constant, or a tuple/list/set holding one (``op in ("read", "write")``)."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_text(e) for e in node.elts)
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_operations_are_compared_as_op_members(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = list(string_op_compares(tree))
    assert not lines, f"{path.relative_to(ROOT)}: lines {lines} compare .op with a string"


def test_the_checks_can_fail() -> None:
    long_body = "def f():\n" + "    x = 1\n" * MAX_LINES
    assert [n for n, _, _ in long_functions(ast.parse(long_body))] == ["f"]
    assert not list(long_functions(ast.parse("def g():\n    return 1\n")))
    bad = 'if e.op == "deliver": pass\nif e.op in ("read", "write"): pass\nif "x" != a.op: pass\n'
    assert list(string_op_compares(ast.parse(bad))) == [1, 2, 3]
    assert not list(string_op_compares(ast.parse("if e.op is Op.deliver: pass\n")))
