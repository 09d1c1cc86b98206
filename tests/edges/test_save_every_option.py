"""Issue 16 item 2: every option of ``handshake`` round-trips through --save, or the saved
file says in a comment why it does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tlsstep.cli import main
from tlsstep.commands.handshake import NOT_SAVED, handshake_command
from tlsstep.commands.options import build_config
from tlsstep.identity import default_identity
from tlsstep.scenario import load

# Option -> arguments that use it. Every option of the command is here or in NOT_SAVED.
SAVED: dict[str, tuple[str, ...]] = {
    "tls_version": ("--tls-version", "1.2"),
    "client_tls_version": ("--client-tls-version", "1.2"),
    "server_tls_version": ("--server-tls-version", "1.2"),
    "ciphers": ("--tls-version", "1.2", "--cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"),
    "tls13_ciphersuites": ("--tls13-ciphersuites", "TLS_AES_128_CCM_SHA256"),
    "group": ("--group", "prime256v1"),
    "server_group": ("--server-group", "prime256v1"),
    "alpn": ("--alpn", "h2,http/1.1"),
    "server_alpn": ("--alpn", "h2,http/1.1", "--server-alpn", "http/1.1"),
    "server_name": ("--server-name", "wrong.test"),
    "no_verify": ("--no-verify",),
    "client_cert": ("--client-cert",),
    "post_handshake_auth": ("--post-handshake-auth",),
    "tickets": ("--tickets", "0"),
    "server_cert_problem": ("--server-cert-problem", "expired"),
    "client_cert_problem": ("--client-cert-problem", "expired"),
    "chain_depth": ("--chain-depth", "2"),
    "key_type": ("--key-type", "rsa"),
    "resume": ("--resume",),
    "data": ("--data", "hello"),
}
OUTPUT_ARGS: dict[str, tuple[str, ...]] = {
    "as_json": ("--json",),
    "verbose": ("-v",),
    "states": ("--states",),
    "explain": ("--explain",),
    "ladder": ("--ladder",),
    "show_certs": ("--certs",),
    "fresh_certs": ("--fresh-certs",),
}


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output


def _options(args: tuple[str, ...]) -> dict[str, object]:
    ctx = handshake_command.make_context("handshake", list(args))
    return dict(ctx.params)


def test_every_option_is_listed() -> None:
    names = {p.name for p in handshake_command.params} - {"save_path", "help"}
    not_saved = {n for _, group in NOT_SAVED for n in group}
    assert names == (set(SAVED) | not_saved) - {"save_path"}
    assert not set(SAVED) & not_saved


@pytest.mark.parametrize("option", sorted(SAVED))
def test_option_round_trips_through_save(tmp_path: Path, option: str) -> None:
    args = SAVED[option]
    saved = tmp_path / "run.toml"
    _invoke("handshake", *args, "--save", str(saved))
    scenario = load(saved)
    opts = _options((*args, "--save", str(saved)))
    config, _ = build_config(opts)
    assert scenario.config == config, saved.read_text()
    code, output = _invoke("replay", "-q", str(saved))
    assert code == 0, output + saved.read_text()


@pytest.mark.parametrize("option", sorted(OUTPUT_ARGS))
def test_view_option_is_commented(
    tmp_path: Path, option: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tlsstep import certcache

    # --fresh-certs is process-wide: monkeypatch puts it back for the tests that follow.
    monkeypatch.setattr(certcache, "_bypassed", certcache._bypassed)
    saved = tmp_path / "run.toml"
    args = OUTPUT_ARGS[option]
    _invoke("handshake", *args, "--save", str(saved))
    comments = [line for line in saved.read_text().splitlines() if line.startswith("# Not saved")]
    assert any(args[0] in c or option.replace("_", "-") in c for c in comments), comments
    assert _invoke("replay", "-q", str(saved))[0] == 0


def test_file_options_are_commented(tmp_path: Path) -> None:
    saved = tmp_path / "run.toml"
    files = {
        "--pcap": tmp_path / "run.pcapng",
        "--keylog": tmp_path / "keys.txt",
        "--svg": tmp_path / "run.svg",
        "--html": tmp_path / "run.html",
    }
    args = [a for option, path in files.items() for a in (option, str(path))]
    args.append("--discard-secrets")
    _invoke("handshake", *args, "--save", str(saved))
    text = saved.read_text()
    assert (
        "# Not saved (files this run wrote): --svg, --html, --pcap, --discard-secrets, --keylog, --save"
        in text
    )


def test_key_material_options_are_commented(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    server = default_identity().server
    key = serialization.load_pem_private_key(server.key_pem, password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    (tmp_path / "chain.pem").write_bytes(server.chain_pem)
    (tmp_path / "key.pem").write_bytes(encrypted)
    (tmp_path / "ca.pem").write_bytes(default_identity().trust_pem)
    saved = tmp_path / "run.toml"
    code, output = _invoke(
        "handshake",
        *("--cert", str(tmp_path / "chain.pem"), "--key", str(tmp_path / "key.pem")),
        *("--key-password", "secret", "--ca", str(tmp_path / "ca.pem")),
        *("--save", str(saved)),
    )
    assert code == 0, output
    assert "--cert, --key, --key-password, --ca" in saved.read_text()
    assert _invoke("replay", "-q", str(saved))[0] == 0
