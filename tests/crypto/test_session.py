"""End to end through Session: every suite really negotiated, every record opened.

TLS 1.3 suites can only be chosen through an OpenSSL config file, so those runs
happen in a subprocess (helpers.run_with_ciphersuites); TLS 1.2 suites through
``SideConfig(ciphers=...)``.
"""

from __future__ import annotations

import os
import ssl
import stat
from pathlib import Path
from typing import Any

import pytest

import tlsstep.config
import tlsstep.session
from tests.crypto.helpers import (
    EXCHANGE,
    decrypted_session,
    records,
    run_with_ciphersuites,
    session_summary,
)
from tlsstep.config import ClientCert, PairConfig, SideConfig
from tlsstep.crypto.keylog import KeyLog
from tlsstep.crypto.unprotector import ConnectionUnprotector, KeyLogCrypto
from tlsstep.decode import Decoder
from tlsstep.events import Side
from tlsstep.plan import handshake_plan
from tlsstep.secrets_dir import private_dir
from tlsstep.session import Session
from tlsstep.steps import parse_line

# OpenSSL's SSL_OP_NO_ENCRYPT_THEN_MAC (ssl.h, bit 19); Python 3.11 has no name for it.
OP_NO_ENCRYPT_THEN_MAC = 0x80000


def assert_everything_opened(summary: dict[str, Any], *, finished: int = 2) -> None:
    """Every protected record opened, both directions, Finished verified, data as read."""
    recs = summary["records"]
    protected = [r for r in recs if r["protected"]]
    assert protected, "no protected record crossed"
    assert all(r["opened"] for r in protected), [r["note"] for r in protected if not r["opened"]]
    assert {r["sender"] for r in protected} == {"client", "server"}
    verified = [v for r in recs for v in r["verified"]]
    assert verified == [True] * finished
    shown = [r["app_data"] for r in recs if r["app_data"] is not None]
    assert shown == summary["read"] == ["hello-from-client", "hello-from-server"]
    # close_notify both ways, decrypted (RFC 8446 §6.1: alerts are protected too)
    assert [r["sender"] for r in recs if r["content_type"] == 21] == ["client", "server"]


TLS13_SUITES = [
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_CCM_SHA256",
    "TLS_AES_128_CCM_8_SHA256",
]


@pytest.mark.parametrize("suite", TLS13_SUITES)
def test_tls13_suite_decrypts_every_record(suite: str) -> None:
    summary = run_with_ciphersuites(suite)
    assert summary["cipher"][0] == suite  # really negotiated, not just offered
    assert_everything_opened(summary)
    epochs = {(r["sender"], r["epoch"]) for r in summary["records"] if r["protected"]}
    assert epochs == {
        ("server", "handshake"),
        ("client", "handshake"),
        ("server", "application"),
        ("client", "application"),
    }


TLS12_SUITES = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-CCM",
    "ECDHE-ECDSA-AES256-CCM8",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-SHA384",
]


def tls12(ciphers: str) -> PairConfig:
    # Both sides: Python's default cipher string leaves out SHA-1 CBC and CCM suites.
    return PairConfig(
        client=SideConfig(ciphers=ciphers, max_version="1.2"), server=SideConfig(ciphers=ciphers)
    )


@pytest.mark.parametrize("ciphers", TLS12_SUITES)
def test_tls12_suite_decrypts_every_record(ciphers: str) -> None:
    session, hooks = decrypted_session(tls12(ciphers))
    with hooks:
        cipher = session.facts(Side.client).cipher
        assert cipher is not None and cipher[0] == ciphers
        assert_everything_opened(session_summary(session))
        unprotector = hooks.unprotectors[1]
        # OpenSSL negotiates encrypt_then_mac (RFC 7366) for CBC by default.
        cbc = not any(aead in ciphers for aead in ("GCM", "CCM", "CHACHA"))
        assert unprotector.encrypt_then_mac is cbc
        assert {r.epoch for r in records(session) if r.protected} == {"epoch 1"}


@pytest.mark.parametrize(
    "ciphers", ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA384"]
)
def test_tls12_cbc_mac_then_encrypt(ciphers: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tlsstep.config.build_contexts

    def without_etm(*args: Any) -> tuple[ssl.SSLContext, ssl.SSLContext]:
        client, server = real(*args)
        client.options |= OP_NO_ENCRYPT_THEN_MAC
        return client, server

    monkeypatch.setattr(tlsstep.session, "build_contexts", without_etm)
    session, hooks = decrypted_session(tls12(ciphers))
    with hooks:
        assert_everything_opened(session_summary(session))  # what crossed, decoded
        assert hooks.unprotectors[1].encrypt_then_mac is False


def test_hello_retry_request_finished_verified() -> None:
    config = PairConfig(server=SideConfig(group="prime256v1"))
    session, hooks = decrypted_session(config)
    with hooks:
        names = [m.name for r in records(session) for m in r.messages]
        assert "HelloRetryRequest" in names
        assert names.count("ClientHello") == 2
        assert_everything_opened(session_summary(session))


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_resumption_finished_verified(version: str) -> None:
    config = PairConfig(client=SideConfig(max_version=version))
    session, hooks = decrypted_session(config, ("handshake", "read client", "resume", "handshake"))
    with hooks:
        assert session.facts(Side.client).session_reused
        second = [r for e in session.connections[1].entries for r in e.records]
        names = [m.name for r in second for m in r.messages]
        assert "Certificate" not in names  # really abbreviated / PSK
        assert [m.verified for r in second for m in r.messages if m.name == "Finished"] == [
            True,
            True,
        ]
        assert all(r.plaintext is not None for r in second if r.protected)


def test_post_handshake_authentication_finished_verified() -> None:
    config = PairConfig(
        client=SideConfig(post_handshake_auth=True), server=SideConfig(post_handshake_auth=True)
    )
    session, hooks = decrypted_session(config, list(handshake_plan(post_handshake_auth=True)))
    with hooks:
        views = records(session)
        names = [m.name for r in views for m in r.messages]
        assert names.count("CertificateRequest") == 1
        assert [m.verified for r in views for m in r.messages if m.name == "Finished"] == [
            True,
            True,
            True,
        ]


def test_client_certificate_finished_verified() -> None:
    session, hooks = decrypted_session(PairConfig(client_cert=ClientCert.required))
    with hooks:
        client_names = [
            m.name for r in records(session) if r.sender is Side.client for m in r.messages
        ]
        assert "CertificateVerify" in client_names
        assert_everything_opened(session_summary(session))


@pytest.mark.parametrize(
    ("config", "lines"),
    [
        # TLS 1.3: flip a byte inside the second encrypted handshake record (Certificate).
        (
            PairConfig(),
            (
                "handshake client",
                "deliver client",
                "handshake server",
                "tamper server flip=200",
                "deliver server",
            ),
        ),
        # TLS 1.3 application data
        (
            PairConfig(),
            (
                "handshake",
                "write client hello",
                "tamper client flip=10",
                "deliver client",
                "read server",
            ),
        ),
        # TLS 1.2 GCM and CBC (encrypt_then_mac) application data
        (
            tls12("ECDHE-ECDSA-AES128-GCM-SHA256"),
            (
                "handshake",
                "write client hello",
                "tamper client flip=20",
                "deliver client",
                "read server",
            ),
        ),
        (
            tls12("ECDHE-ECDSA-AES128-SHA"),
            (
                "handshake",
                "write client hello",
                "tamper client flip=20",
                "deliver client",
                "read server",
            ),
        ),
    ],
    ids=["tls13-handshake", "tls13-data", "tls12-gcm", "tls12-cbc"],
)
def test_tampered_record_shows_failed_tag(config: PairConfig, lines: tuple[str, ...]) -> None:
    session, hooks = decrypted_session(config, lines)
    with hooks:
        views = records(session)
        broken = [r for r in views if r.protected and r.plaintext is None]
        assert len(broken) == 1
        assert broken[0].note is not None and "bad_record_mac" in broken[0].note
        assert broken[0].epoch is not None
        # the records after it still open: sequence numbers kept counting
        after = views[views.index(broken[0]) + 1 :]
        assert all(r.plaintext is not None for r in after if r.protected)
        # a Finished after a record that could not be read cannot be checked
        assert all(m.verified is not True for r in after for m in r.messages)


def test_no_secret_is_a_reason_not_a_crash() -> None:
    session, hooks = decrypted_session(PairConfig(), EXCHANGE[:1])
    hooks.close()
    transcript = Decoder(ConnectionUnprotector(KeyLog()))
    views = [v for e in session.entries for v in transcript.feed(e.event.side, e.event.delivered)]
    protected = [v for v in views if v.protected]
    assert protected and all(v.plaintext is None for v in protected)
    assert all(v.note == "encrypted: no key log" for v in protected)
    # A key log with another connection's secrets: the reason names this connection.
    other = KeyLog.from_text(f"CLIENT_RANDOM {'11' * 32} {'22' * 48}\n")
    transcript = Decoder(ConnectionUnprotector(other))
    views = [v for e in session.entries for v in transcript.feed(e.event.side, e.event.delivered)]
    protected = [v for v in views if v.protected]
    assert protected and all(v.note and "no secret" in v.note for v in protected)
    assert not any("failed handshake" in (v.note or "") for v in protected)


def test_key_log_text_from_elsewhere_decrypts_the_same() -> None:
    session, hooks = decrypted_session()
    with hooks:
        text = Path(hooks.keylog_path or "").read_text()
    transcript = Decoder(ConnectionUnprotector(KeyLog.from_text(text)))
    again = [v for e in session.entries for v in transcript.feed(e.event.side, e.event.delivered)]
    assert [v.plaintext for v in again] == [v.plaintext for v in records(session)]
    assert [m.verified for v in again for m in v.messages] == [
        m.verified for v in records(session) for m in v.messages
    ]


def test_key_log_file_is_private_and_removed(tmp_path: Path) -> None:
    export = tmp_path / "keys.txt"
    hooks = KeyLogCrypto(export=export)
    path = Path(hooks.keylog_path or "")
    session = Session(PairConfig(), crypto=hooks)
    session.run(parse_line("handshake"))
    assert "TRAFFIC_SECRET" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_nlink == 0  # no name on disk: it dies with the process (SIGKILL too)
    assert stat.S_IMODE(private_dir().stat().st_mode) == 0o700
    assert not any("TRAFFIC_SECRET" in p.read_text() for p in private_dir().iterdir())
    hooks.close()
    assert hooks.keylog_path is None
    assert hooks.keylog_bytes() == b""
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    exported = KeyLog.from_text(export.read_text())
    assert not exported.problems
    session.catch_up()  # what crossed is decoded when first read
    client_random = hooks.unprotectors[1].client_random
    assert client_random is not None
    assert set(exported.secrets(client_random)) == {
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
        "EXPORTER_SECRET",
    }


def test_key_log_removed_when_an_error_unwinds() -> None:
    with pytest.raises(KeyboardInterrupt), KeyLogCrypto() as hooks:
        path = Path(hooks.keylog_path or "")
        Session(PairConfig(), crypto=hooks).run(parse_line("handshake"))
        assert path.stat().st_size > 0
        raise KeyboardInterrupt
    assert not path.exists()
    assert os.path.isdir(path.parent)  # only the file: the private dir is the process's


def test_suite_without_decryption_gives_its_name_as_reason() -> None:
    session, hooks = decrypted_session(tls12("ECDHE-ECDSA-ARIA128-GCM-SHA256"), ("handshake",))
    with hooks:
        protected = [r for r in records(session) if r.protected]
        assert protected and all(r.plaintext is None for r in protected)
        reason = "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256: tlsstep does not decrypt this suite"
        assert all(r.note == f"encrypted: {reason}" for r in protected)
