"""DESIGN.md's layers, checked on every module's source (AST): imports run downwards only.

One explicit table, :data:`LAYERS`, puts every part of ``tlsstep`` (a top-level module
or package) in a layer. A part may import the parts of lower layers, and the parts of
its own layer that :data:`SAME_LAYER` lists; anything else - an import upwards, a package
cycle - fails with the module and line. A new module must be placed in the table: the
test says so by name, so the layering is decided when the module is written.

Also checked here, on the same parse: ``rich`` and ``click`` only where output is made
(:data:`PRESENTATION`), and file I/O below the commands only in the secrets modules and
the few named in :data:`FILE_IO`, each with the reason it is there.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "tlsstep"

# Lowest first. A part may import any part of a lower layer.
LAYERS: Final[tuple[tuple[str, frozenset[str]], ...]] = (
    # @frozen: how values are defined; patterns compiled when first used (issue 14)
    ("language", frozenset({"cheap_enum", "frozen", "lazy"})),
    (
        "values",
        frozenset({"", "errors", "events", "exit_status", "repeated", "safe_text", "subject"}),
    ),
    (
        "foundations",
        frozenset(
            {"limits", "wire", "secrets_dir", "msg_callback", "signals", "bounded_read", "spelling"}
        ),
    ),
    (
        "decoding",
        frozenset({"faults", "decode", "shell_words", "hostname", "checks"}),
    ),
    ("crypto and certificates", frozenset({"crypto", "certs"})),
    ("credentials", frozenset({"identity", "certcache", "cert_problems", "cert_files"})),
    (
        "configuration and the pair",
        frozenset({"config", "tls13_suites", "endpoint", "pair", "steps"}),
    ),
    ("session", frozenset({"session", "outcome", "plan", "preflight"})),
    (
        "run views",
        frozenset({"states", "state_watch", "notes", "summary", "run_certs", "run_report", "pcap"}),
    ),
    # net: a remote peer behind the endpoint seam, its carrier and its sessions.
    ("front ends", frozenset({"scenario", "net"})),
    ("render", frozenset({"render", "schemas"})),
    ("shell", frozenset({"shell"})),
    ("commands", frozenset({"commands", "cli", "__main__"})),
)

# Imports inside one layer, each a deliberate edge (the test also rejects cycles).
SAME_LAYER: Final[frozenset[tuple[str, str]]] = frozenset(
    {
        ("limits", "safe_text"),
        ("faults", "wire"),
        ("decode", "wire"),
        ("cert_problems", "identity"),
        ("cert_problems", "certcache"),
        ("cert_files", "identity"),
        ("identity", "certcache"),
        ("certcache", "identity"),  # a module-level import one way, a lazy one back
        ("config", "steps"),
        ("config", "tls13_suites"),
        ("pair", "endpoint"),
        ("session", "plan"),
        ("session", "outcome"),  # the values a run makes, which render reads without a session
        ("run_report", "states"),
        ("run_report", "summary"),
        ("run_report", "run_certs"),
        ("plan", "session"),
        ("run_certs", "summary"),
        ("states", "notes"),
        ("scenario", "net"),  # remote scenarios run against a network peer
        ("state_watch", "states"),
        ("cli", "commands"),
        ("commands", "cli"),
        ("__main__", "cli"),
    }
)

# What render may never import, not even for annotations: it formats values (a
# RunReport, a ScenarioResult, a NetRun), never a live session, pair or runner.
RENDER_NEVER: Final = (
    "tlsstep.session",
    "tlsstep.pair",
    "tlsstep.endpoint",
    "tlsstep.plan",
    "tlsstep.state_watch",
    "tlsstep.run_certs",
    "tlsstep.preflight",
    "tlsstep.scenario.run",
    "tlsstep.scenario.expect",
    "tlsstep.scenario.load",
    "tlsstep.net.remote",
    "tlsstep.net.live",
    "tlsstep.net.sessions",
    "tlsstep.net.carrier",
    "tlsstep.net.dial",
)
# ... nor these packages' roots, whose __init__ re-exports the runtime.
RENDER_NEVER_ROOTS: Final = frozenset({"tlsstep.scenario", "tlsstep.net"})

# Where rich and click may be imported: the parts that make output.
PRESENTATION: Final = frozenset({"render", "shell", "commands", "cli", "__main__"})

# File I/O below the commands: the secrets module, and these, each for one reason.
FILE_IO: Final[dict[str, str]] = {
    "tlsstep.secrets_dir": "THE place for secrets: the private 0700 directory, nameless 0600 "
    "files OpenSSL reads and writes by path, and 0600 files the user names (key logs, "
    "pcapng with its key log, the HTML page)",
    "tlsstep.bounded_read": "reads a file the user names, bounded by size and kind (#17)",
    "tlsstep.certcache": "the certificate cache in $XDG_CACHE_HOME/tlsstep (issue 14)",
    "tlsstep.cert_files": "reads the PEM files the user names (errors name the file)",
    "tlsstep.identity": "reads the PEM files the user names (read_pem)",
    "tlsstep.net.trust": "reads the system trust store",
    "tlsstep.net.serve_setup": "reads the response file and writes the CA file the user names",
    "tlsstep.pcap.writer": "writes the pcapng file the user names without secrets "
    "(--discard-secrets: 0644, by umask); with them it goes through secrets_dir",
    "tlsstep.scenario.load": "reads the scenario files the user names (FILE:LINE errors)",
    "tlsstep.render.page": "reads the page's own script and style (page_assets/, package "
    "data); the page itself is written by secrets_dir (0600: it holds the keys)",
    "tlsstep.schemas": "reads its own JSON Schema files, shipped in the package",
    "tlsstep.shell": "the REPL's own commands: save FILE (a scenario, no secrets); keys FILE "
    "goes through secrets_dir",
}

_IO_METHODS: Final = frozenset(
    {"read_text", "read_bytes", "write_text", "write_bytes", "unlink", "mkdir", "iterdir"}
    | {"glob", "rglob", "touch", "rmdir"}
)
_IO_MODULE_CALLS: Final = {
    "os": frozenset({"open", "fdopen", "remove", "unlink", "rename", "replace", "mkdir"})
    | frozenset({"makedirs", "listdir", "scandir", "walk", "chmod", "fchmod", "rmdir"}),
    "shutil": None,  # anything
    "tempfile": None,
}


@dataclass(frozen=True, slots=True)
class Module:
    name: str  # tlsstep.states.tracker
    path: Path
    tree: ast.Module

    @property
    def part(self) -> str:
        """The top-level module or package it belongs to ("" for tlsstep itself)."""
        return self.name.split(".")[1] if "." in self.name else ""


def modules() -> list[Module]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out.append(Module(".".join(parts), path, ast.parse(path.read_text(encoding="utf-8"))))
    return out


MODULES: Final = modules()


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:``: annotations, not dependencies."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def imports(module: Module) -> Iterator[tuple[str, int]]:
    """Every module ``module`` imports at run time (lazy ones in functions too), with
    the line. Imports under ``if TYPE_CHECKING:`` are for annotations and not counted."""
    is_package = module.path.name == "__init__.py"
    skip = _type_checking_only(module.tree)
    for node in ast.walk(module.tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.name.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                yield ".".join([*base, *([node.module] if node.module else [])]), node.lineno
            elif node.module:
                yield node.module, node.lineno


def layer_of(part: str) -> int:
    for index, (_, members) in enumerate(LAYERS):
        if part in members:
            return index
    raise AssertionError(
        f"tlsstep.{part} is in no layer: add it to LAYERS in tests/test_layering.py "
        "(and to docs/architecture.md)"
    )


def part_of(name: str) -> str:
    return name.split(".")[1] if "." in name else ""


def edges() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for module in MODULES:
        for name, _ in imports(module):
            if name.split(".")[0] == "tlsstep" and part_of(name) != module.part:
                out.setdefault(module.part, set()).add(part_of(name))
    return out


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_imports_run_downwards(module: Module) -> None:
    mine = layer_of(module.part)
    for name, line in imports(module):
        if name.split(".")[0] != "tlsstep" or part_of(name) == module.part:
            continue
        other = part_of(name)
        theirs = layer_of(other)
        where = f"{module.path.relative_to(ROOT)}:{line} imports {name}"
        assert theirs < mine or (theirs == mine and (module.part, other) in SAME_LAYER), (
            f"{where}: {LAYERS[theirs][0]!r} is not below {LAYERS[mine][0]!r}"
        )


def all_imports(module: Module) -> Iterator[tuple[str, int]]:
    """Every module ``module`` names in an import, ``if TYPE_CHECKING:`` ones included."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, node.lineno


@pytest.mark.parametrize("module", [m for m in MODULES if m.part == "render"], ids=lambda m: m.name)
def test_render_formats_values_only(module: Module) -> None:
    for name, line in all_imports(module):
        never = name in RENDER_NEVER_ROOTS or any(
            name == n or name.startswith(n + ".") for n in RENDER_NEVER
        )
        assert not never, (
            f"{module.path.relative_to(ROOT)}:{line} imports {name}: render formats values "
            "(RunReport, ScenarioResult), never a live session, pair or runner"
        )


def test_no_package_cycles() -> None:
    graph = edges()
    # Same-layer pairs listed both ways are one part's lazy import; everything else
    # must form no cycle.
    mutual = {(a, b) for a, b in SAME_LAYER if (b, a) in SAME_LAYER}

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if (node, nxt) in mutual:
                continue
            assert nxt not in path, f"package cycle: {' -> '.join([*path, nxt])}"
            visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_rich_and_click_only_where_output_is_made(module: Module) -> None:
    if module.part in PRESENTATION:
        return
    for name, line in imports(module):
        root = name.split(".")[0]
        if root in ("rich", "click") and module.name != "tlsstep.safe_text":
            pytest.fail(f"{module.path.relative_to(ROOT)}:{line} imports {name}")


def file_io(module: Module) -> Iterator[tuple[str, int]]:
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        fn = node.func
        if isinstance(fn, ast.Name) and fn.id == "open":
            yield "open()", node.lineno
        elif isinstance(fn, ast.Attribute):
            base = fn.value.id if isinstance(fn.value, ast.Name) else None
            if base in _IO_MODULE_CALLS:
                allowed = _IO_MODULE_CALLS[base]
                if allowed is None or fn.attr in allowed:
                    yield f"{base}.{fn.attr}()", node.lineno
            elif fn.attr in _IO_METHODS:
                yield f".{fn.attr}()", node.lineno
            elif fn.attr == "open" and _is_path(fn.value):
                yield "Path.open()", node.lineno


def _is_path(value: ast.expr) -> bool:
    """``Path(...)`` or a name ending in ``path`` (record openers have an open() too)."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value.func.id == "Path"
    name = value.id if isinstance(value, ast.Name) else getattr(value, "attr", "")
    return isinstance(name, str) and name.endswith("path")


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_no_file_io_below_the_commands(module: Module) -> None:
    if module.part in ("commands", "cli", "__main__") or module.name in FILE_IO:
        return
    found = list(file_io(module))
    assert not found, (
        f"{module.path.relative_to(ROOT)}: file I/O {found} below the commands; "
        "hand the data up (or down) as values, or name the module in FILE_IO with why"
    )


# Modules that make private files (mode 0600 or 0700) besides secrets_dir, each with why.
PRIVATE_FILES: Final[dict[str, str]] = {
    "tlsstep.secrets_dir": "the one place for secrets",
    "tlsstep.certcache": "the certificate cache (the test CA's keys) outlives the process in "
    "$XDG_CACHE_HOME: replaced atomically, under a lock, never through a symlink",
}
_PRIVATE_MODES: Final = frozenset({0o600, 0o700})


def private_modes(module: Module) -> Iterator[int]:
    """Lines that use a private file mode (0o600, 0o700) in a call."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call):
            values = [*node.args, *(k.value for k in node.keywords)]
            if any(isinstance(v, ast.Constant) and v.value in _PRIVATE_MODES for v in values):
                yield node.lineno


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_secret_files_are_made_in_one_place(module: Module) -> None:
    if module.name in PRIVATE_FILES:
        return
    lines = list(private_modes(module))
    assert not lines, (
        f"{module.path.relative_to(ROOT)}:{lines}: a private file made outside "
        "tlsstep.secrets_dir; use its open_secret/write_secret/SecretFile"
    )


def test_the_tables_name_real_modules() -> None:
    names = {m.name for m in MODULES}
    assert set(FILE_IO) <= names
    assert set(PRIVATE_FILES) <= names
    parts = {m.part for m in MODULES}
    listed = {p for _, members in LAYERS for p in members}
    assert parts <= listed
    assert {a for a, _ in SAME_LAYER} | {b for _, b in SAME_LAYER} <= listed


def test_the_architecture_page_lists_the_layers() -> None:
    """docs/architecture.md's table of layers is this test's LAYERS, row by row."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([a-z ]+) \| ((?:`[\w/]+`(?:, )?)+) \|", page, re.M)
    documented = [
        (name, frozenset(p.strip("`/") for p in parts.split(", "))) for name, parts in rows
    ]
    assert documented == [(name, members - {""}) for name, members in LAYERS]


def test_the_checks_can_fail() -> None:
    """The checker sees an upward import, a cycle and file I/O in made-up modules."""
    bad = Module(
        "tlsstep.wire.bad",
        PACKAGE / "wire" / "bad.py",
        ast.parse(
            "from tlsstep.session import Session\nopen('x')\nimport rich\n"
            "os.open('k', os.O_CREAT, 0o600)\n"
        ),
    )
    with pytest.raises(AssertionError, match="render formats values"):
        test_render_formats_values_only(
            Module(
                "tlsstep.render.bad",
                PACKAGE / "render" / "bad.py",
                ast.parse("if TYPE_CHECKING:\n    from tlsstep.session import Session\n"),
            )
        )
    with pytest.raises(AssertionError, match="a private file made outside"):
        test_secret_files_are_made_in_one_place(bad)
    with pytest.raises(AssertionError, match="is not below"):
        test_imports_run_downwards(bad)
    with pytest.raises(AssertionError, match="file I/O"):
        test_no_file_io_below_the_commands(bad)
    with pytest.raises(pytest.fail.Exception):
        test_rich_and_click_only_where_output_is_made(bad)


def _loaded_after(modules: list[str]) -> set[str]:
    """The modules a fresh interpreter has loaded after importing ``modules``."""
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print(' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(out.stdout.split())


def test_below_presentation_loads_neither_rich_nor_click() -> None:
    """The import-time view of the same rule: nothing below render pulls them in."""
    below = [m.name for m in MODULES if m.part not in PRESENTATION and m.name != "tlsstep"]
    below = [n for n in below if not n.endswith("__main__")]
    loaded = _loaded_after(below)
    assert not {m for m in loaded if m == "rich" or m.startswith(("rich.", "click"))}


def test_help_and_version_stay_light() -> None:
    code = (
        "import sys; from tlsstep.cli import main\n"
        "heavy = [m for m in ('rich', 'cryptography', 'trustme', 'ssl') if m in sys.modules]\n"
        "print(' '.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
