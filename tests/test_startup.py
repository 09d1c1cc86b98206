"""Start-up imports only what a command uses (issue 14): commands load lazily, and a run
whose certificates are cached imports neither trustme nor cryptography's X.509 verifier."""

from __future__ import annotations

from tests.helpers import modules_loaded


def loaded_by(*args: str) -> set[str]:
    """The modules a run of ``tlsstep ARGS`` has imported when it ends."""
    return modules_loaded(*args)[0]


def test_version_loads_no_command() -> None:
    loaded = loaded_by("--version")
    assert not {m for m in loaded if m.startswith("tlsstep.commands.")}
    assert not {"rich", "ssl", "cryptography", "trustme"} & loaded


def test_a_command_loads_only_itself() -> None:
    loaded = loaded_by("handshake", "--help")
    commands = {m for m in loaded if m.startswith("tlsstep.commands.")}
    assert commands == {"tlsstep.commands.handshake", "tlsstep.commands.options"}
    assert not {"rich", "ssl", "cryptography", "trustme"} & loaded


def test_warm_run_makes_no_certificate_and_loads_no_verifier() -> None:
    loaded_by("handshake", "--json")  # fills this session's cache, if nothing did yet
    loaded = loaded_by("handshake", "--json")
    assert "tlsstep.certs.build" in loaded  # the CA value, not the machinery
    assert "trustme" not in loaded
    assert "cryptography.x509.verification" not in loaded


def test_piped_text_loads_no_rich_console_or_table() -> None:
    """Its lines and summary are written as plain text (render/out.py, plain_table.py);
    with -v the facts table still goes through rich."""
    loaded = loaded_by("--color", "never", "handshake")
    assert "rich.text" in loaded
    assert not {"rich.console", "rich.table"} & loaded
    assert {"rich.console", "rich.table"} <= loaded_by("--color", "never", "handshake", "-v")
