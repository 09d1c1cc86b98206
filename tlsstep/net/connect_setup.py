"""``tlsstep connect``'s options as one value: where, which name, which trust, which client.

The client is configured through the same :class:`~tlsstep.config.PairConfig` as
``tlsstep handshake``'s, so that every layer reading the config (certificate reports,
scenario recording) reads it the same way. The server half of the config is unused:
the server is remote. The identity holds the trust anchors both verifiers use (the
system trust store or ``--ca``) and the client's own certificate, if one was given.
"""

from __future__ import annotations

import ssl
from dataclasses import field
from typing import TYPE_CHECKING

from tlsstep.config import PairConfig, SideConfig, build_client_context
from tlsstep.errors import TlsstepError
from tlsstep.frozen import frozen
from tlsstep.identity import Credential, Identity
from tlsstep.net.address import Target, parse_target, server_hostname, sni_sent

if TYPE_CHECKING:
    from tlsstep.net.starttls import StartTls

# The remote server's own chain is not ours to configure: an empty "configured" chain.
REMOTE_CREDENTIAL = Credential(chain_pem=b"", key_pem=b"", source="the remote peer")


@frozen
class ConnectSetup:
    target: Target
    server_hostname: str | None  # what the client checks the certificate against
    sni: str | None  # what it sends as SNI (none for an IP literal)
    timeout: float
    starttls: StartTls | None
    config: PairConfig
    identity: Identity
    trust_source: str  # "system trust store (PATH, N certificates)", "--ca FILE", ...
    # The client's context with --ca's file loaded into it when the file was checked
    # (verifying runs only): client_context() goes on with it instead of loading it again.
    trusting: ssl.SSLContext | None = field(default=None, compare=False, repr=False)


def connect_setup(
    *,
    target: str,
    server_name: str | None,
    ca: str | None,
    no_verify: bool,
    client_cert: str | None,
    client_key: str | None,
    key_password: str | None,
    tls_version: str | None,
    ciphers: str | None,
    group: str | None,
    alpn: tuple[str, ...],
    timeout: float,
    tls13_ciphersuites: tuple[str, ...] = (),
    starttls: str | None,
) -> ConnectSetup:
    """Check every option and read every file, before any connection is made.

    Raises:
        TlsstepError: a bad target, file or value (a usage error, exit 2).
    """
    where = parse_target(target)
    hostname = server_hostname(where, server_name)
    if hostname is None and not no_verify:
        raise TlsstepError("--server-name '' checks no name: it needs --no-verify")
    trusting = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if ca and not no_verify else None
    trust, source = _trust(ca, no_verify, trusting)
    credential = None
    if client_cert:
        from tlsstep.cert_files import load_credential

        credential = load_credential(client_cert, client_key, key_password)
    elif client_key:
        raise TlsstepError("--client-key needs --client-cert")
    client = SideConfig(
        ciphers=ciphers,
        group=group,
        alpn=alpn,
        verify=not no_verify,
        send_certificate=credential is not None,
        credential=credential,
        min_version=tls_version,
        max_version=tls_version,
        tls13_ciphersuites=tls13_ciphersuites,
    )
    config = PairConfig(client=client, server_name=hostname, trust_pem=trust)
    identity = Identity(
        trust_pem=trust,
        server=REMOTE_CREDENTIAL,
        client=credential,
        make_client=lambda: REMOTE_CREDENTIAL,
    )
    return ConnectSetup(
        target=where,
        server_hostname=hostname,
        sni=sni_sent(hostname),
        timeout=timeout,
        starttls=_starttls(starttls),
        config=config,
        identity=identity,
        trust_source=source,
        trusting=trusting,
    )


def _starttls(name: str | None) -> StartTls | None:
    if not name:
        return None
    from tlsstep.net.starttls import StartTls  # only a run with a preamble loads it

    return StartTls(name)


def _trust(ca: str | None, no_verify: bool, into: ssl.SSLContext | None) -> tuple[bytes, str]:
    """The PEM both verifiers trust, and where it came from (``--ca``'s loaded ``into``
    the client's context when one is given)."""
    from tlsstep.net.trust import TrustStoreMissing, read_ca_file, system_trust

    if ca:
        return read_ca_file(ca, into), f"--ca {ca}"

    try:
        store = system_trust()
    except TrustStoreMissing:
        if no_verify:
            return b"", "none (--no-verify; no system trust store found)"
        raise
    note = " (not checked: --no-verify)" if no_verify else ""
    return store.pem, f"system trust store ({store.source}, {store.count} certificates){note}"


def client_context(setup: ConnectSetup, keylog_path: str | None) -> ssl.SSLContext:
    """The client's SSLContext; one per run, so that a second connection can resume.

    Raises:
        TlsstepError: a setting OpenSSL refuses (a cipher string it matches nothing with).
    """
    return build_client_context(
        setup.config,
        trust_pem=setup.config.trust_pem or b"",
        credential=setup.config.client.credential,
        keylog_path=keylog_path,
        trusting=setup.trusting,
    )
