"""connect/serve options as values: the SNI rule, trust sources, files checked up front."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trustme

from tlsstep.errors import TlsstepError
from tlsstep.net.connect_setup import client_context, connect_setup
from tlsstep.net.serve_setup import MAX_RESPONSE, TrustHint, read_response, write_ca_file
from tlsstep.net.starttls import StartTls


def setup(target: str = "example.com", **kwargs: Any) -> Any:
    values: dict[str, Any] = dict(
        server_name=None,
        ca=None,
        no_verify=False,
        client_cert=None,
        client_key=None,
        key_password=None,
        tls_version=None,
        ciphers=None,
        group=None,
        alpn=(),
        timeout=10.0,
        starttls=None,
    )
    values.update(kwargs)
    return connect_setup(target=target, **values)


def test_defaults_use_the_system_trust_store() -> None:
    done = setup()
    assert done.target.port == 443 and done.sni == "example.com"
    assert done.trust_source.startswith("system trust store (")
    assert done.config.trust_pem and done.config.client.verify
    ctx = client_context(done, None)
    assert ctx.check_hostname and len(ctx.get_ca_certs()) > 10


def test_ip_address_sends_no_sni_unless_given() -> None:
    assert setup("127.0.0.1:8443").sni is None
    assert setup("127.0.0.1:8443").server_hostname == "127.0.0.1"
    assert setup("127.0.0.1:8443", server_name="example.test").sni == "example.test"


def test_ca_file_and_client_certificate(tmp_path: Path) -> None:
    ca = trustme.CA()
    ca_file, client = tmp_path / "ca.pem", tmp_path / "client.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    ca.issue_cert("me@example.test").private_key_and_cert_chain_pem.write_to_path(str(client))
    done = setup(ca=str(ca_file), client_cert=str(client), starttls="smtp", tls_version="1.2")
    assert done.trust_source == f"--ca {ca_file}"
    assert done.config.client.send_certificate and done.config.client.credential is not None
    assert done.starttls is StartTls.smtp and done.config.client.max_version == "1.2"
    assert len(client_context(done, None).get_ca_certs()) == 1


def test_ca_file_is_loaded_once_into_the_clients_context(tmp_path: Path) -> None:
    # Issue 14: the file is checked by loading it where it is used, not on a context of
    # its own first; with --no-verify it is still checked, and the client trusts nothing.
    ca_file = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(ca_file))
    done = setup(ca=str(ca_file), tls_version="1.2")
    ctx = client_context(done, None)
    assert ctx is done.trusting and len(ctx.get_ca_certs()) == 1
    assert ctx.maximum_version.name == "TLSv1_2"  # configured on top of the loaded file
    unverified = setup(ca=str(ca_file), no_verify=True)
    assert unverified.trusting is None
    assert client_context(unverified, None).get_ca_certs() == []
    damaged = tmp_path / "damaged.pem"
    damaged.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    for no_verify in (False, True):
        with pytest.raises(TlsstepError, match=r"CA file .*damaged\.pem holds a certificate"):
            setup(ca=str(damaged), no_verify=no_verify)


def test_bad_inputs_are_named(tmp_path: Path) -> None:
    with pytest.raises(TlsstepError, match="needs --no-verify"):
        setup(server_name="")
    with pytest.raises(TlsstepError, match="--client-key needs --client-cert"):
        setup(client_key="k.pem")
    with pytest.raises(TlsstepError, match=r"nothing\.pem"):
        setup(ca=str(tmp_path / "nothing.pem"))
    with pytest.raises(TlsstepError, match="ciphers"):
        client_context(setup(ciphers="NO-SUCH-CIPHER"), None)


def test_no_verify_skips_checks() -> None:
    done = setup(no_verify=True, server_name="")
    assert done.server_hostname is None and done.sni is None
    assert "not checked" in done.trust_source


def test_respond_file_is_bounded(tmp_path: Path) -> None:
    small = tmp_path / "a.http"
    small.write_bytes(b"HTTP/1.0 200 OK\r\n\r\n")
    assert read_response(str(small)).startswith(b"HTTP/1.0")
    big = tmp_path / "big"
    big.write_bytes(b"x" * (MAX_RESPONSE + 1))
    with pytest.raises(TlsstepError, match="at most"):
        read_response(str(big))
    with pytest.raises(TlsstepError, match="not a regular file"):
        read_response(str(tmp_path))
    with pytest.raises(TlsstepError, match="cannot read"):
        read_response(str(tmp_path / "missing"))


def test_trust_hint_commands(tmp_path: Path) -> None:
    path = write_ca_file(b"PEM", str(tmp_path / "ca.pem"), 4433)
    assert path.read_bytes() == b"PEM" and oct(path.stat().st_mode)[-3:] == "644"
    curl, s_client = TrustHint(
        ca_file=str(path), name="example.test", host="127.0.0.1", port=4433
    ).commands()
    assert curl == (
        f"curl --cacert {path} --resolve example.test:4433:127.0.0.1 https://example.test:4433/"
    )
    assert "-servername example.test" in s_client
    with pytest.raises(TlsstepError, match="cannot write"):
        write_ca_file(b"PEM", str(tmp_path / "no" / "dir.pem"), 1)


def test_default_ca_file_is_new_and_never_a_planted_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Someone plants a symlink where a predictable name would be: it must not be written through.
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    (tmp_path / "tlsstep-serve-4433-ca.pem").symlink_to(victim)
    first = write_ca_file(b"PEM", None, 4433)
    second = write_ca_file(b"PEM", None, 4433)
    assert victim.read_bytes() == b"keep"
    assert first != second and first.parent == tmp_path
    assert first.name.startswith("tlsstep-serve-4433-") and first.name.endswith("-ca.pem")
    assert first.read_bytes() == b"PEM" and oct(first.stat().st_mode)[-3:] == "644"
    assert not first.is_symlink()
