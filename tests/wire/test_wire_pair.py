"""Decode what a real OpenSSL pair sends and check it against the configuration.

TLS 1.3 encrypts everything after ServerHello, so for 1.3 these tests check the
hellos (and the HelloRetryRequest); the whole TLS 1.2 handshake is plaintext up to
ChangeCipherSpec and is checked message by message.
"""

from __future__ import annotations

import functools

from tlsstep.config import ClientCert, PairConfig, SideConfig
from tlsstep.events import Side
from tlsstep.identity import Identity, default_identity
from tlsstep.plan import handshake_plan
from tlsstep.session import Session
from tlsstep.wire.messages import DecodedMessage
from tlsstep.wire.names import cipher_suite_by_openssl_name


def run(config: PairConfig, identity: Identity | None = None, *, resume: bool = False) -> Session:
    session = Session(config, identity)
    for step in handshake_plan(resume=resume):
        session.run(step)
    assert session.handshake_ok()
    return session


def sent(session: Session, connection: int = 1) -> list[tuple[Side, DecodedMessage]]:
    """Every plaintext handshake message of one connection, decoded, in order."""
    out = []
    for entry in session.connections[connection - 1].entries:
        for record in entry.records:
            for view in record.messages:
                assert isinstance(view.decoded, DecodedMessage)
                out.append((record.sender, view.decoded))
    for _, d in out:
        assert d.problems == (), (d.name, [str(p) for p in d.problems])
        assert d.encode() == d.raw
    return out


def by_name(messages: list[tuple[Side, DecodedMessage]], name: str) -> list[DecodedMessage]:
    return [d for _, d in messages if d.name == name]


def texts(d: DecodedMessage | object, name: str) -> list[str | None]:
    return [f.text for f in d.find_all(name) if f.is_leaf]  # type: ignore[attr-defined]


def offered_suites(session: Session, *, tls13: bool = True) -> list[int]:
    """What the client context offers, in SSLContext.get_ciphers() order."""
    return [
        c["id"] & 0xFFFF
        for c in session.contexts[0].get_ciphers()
        if tls13 or c["protocol"] != "TLSv1.3"
    ]


def test_tls13_hellos_match_the_configuration() -> None:
    config = PairConfig(client=SideConfig(alpn=("h2", "http/1.1")), server=SideConfig(alpn=("h2",)))
    session = run(config)
    msgs = sent(session)
    assert [(str(s), d.name) for s, d in msgs] == [
        ("client", "ClientHello"),
        ("server", "ServerHello"),
    ]
    (ch,) = by_name(msgs, "ClientHello")
    suites = [f.value for f in ch.find("cipher_suites").children if f.name == "cipher_suite"]
    # OpenSSL appends the renegotiation SCSV (RFC 5746 §3.3) after the configured suites.
    assert suites == [*offered_suites(session), 0x00FF]
    assert ch.leaf("host_name").text == config.server_name
    assert texts(ch.extension("application_layer_protocol_negotiation"), "protocol_name") == [
        "h2",
        "http/1.1",
    ]
    assert texts(ch, "version") == ["TLS 1.3", "TLS 1.2"]
    assert texts(ch.extension("key_share"), "group") == ["x25519"]
    (sh,) = by_name(msgs, "ServerHello")
    facts = session.facts(Side.client)
    assert sh.value("cipher_suite") == cipher_suite_by_openssl_name(facts.cipher[0])
    assert sh.leaf("selected_version").text == "TLS 1.3"
    assert sh.leaf("legacy_session_id_echo").value == ch.leaf("legacy_session_id").value


def test_hello_retry_request() -> None:
    session = run(PairConfig(server=SideConfig(group="prime256v1")))
    msgs = sent(session)
    assert [d.name for _, d in msgs] == [
        "ClientHello",
        "HelloRetryRequest",
        "ClientHello",
        "ServerHello",
    ]
    ch1, hrr, ch2, sh = (d for _, d in msgs)
    assert hrr.leaf("random").text == "HelloRetryRequest"
    assert hrr.extension("key_share").find("selected_group").text == "secp256r1"
    assert texts(ch1.extension("key_share"), "group") == ["x25519"]
    assert texts(ch2.extension("key_share"), "group") == ["secp256r1"]
    assert sh.extension("key_share").find("server_share").find("group").text == "secp256r1"
    # RFC 8446 §4.1.2: the second ClientHello keeps the same suites.
    assert texts(ch1, "cipher_suite") == texts(ch2, "cipher_suite")


def test_tls13_resumption_pre_shared_key() -> None:
    session = run(PairConfig(), resume=True)
    assert session.facts(Side.client).session_reused
    msgs = sent(session, connection=2)
    ch = by_name(msgs, "ClientHello")[0]
    psk = ch.extension("pre_shared_key")
    assert ch.extensions[-1] is psk  # RFC 8446 §4.2.11: last in the ClientHello
    assert len(psk.find_all("PskIdentity")) == 1
    binder = next(b for b in psk.find_all("PskBinderEntry") if b.is_leaf)
    assert len(binder.value) in (32, 48)  # the suite's hash length
    assert texts(ch, "ke_mode") == ["psk_dhe_ke"]
    sh = by_name(msgs, "ServerHello")[0]
    assert sh.extension("pre_shared_key").find("selected_identity").value == 0


def test_tls12_mutual_tls_every_message() -> None:
    config = PairConfig(client=SideConfig(max_version="1.2"), client_cert=ClientCert.required)
    session = run(config)
    msgs = sent(session)
    assert [(str(s), d.name) for s, d in msgs] == [
        ("client", "ClientHello"),
        ("server", "ServerHello"),
        ("server", "Certificate"),
        ("server", "ServerKeyExchange"),
        ("server", "CertificateRequest"),
        ("server", "ServerHelloDone"),
        ("client", "Certificate"),
        ("client", "ClientKeyExchange"),
        ("client", "CertificateVerify"),
        ("server", "NewSessionTicket"),
    ]
    ch = msgs[0][1]
    assert [f.value for f in ch.find_all("cipher_suite")] == [
        *offered_suites(session, tls13=False),
        0x00FF,
    ]
    assert "supported_versions" not in [e.name for e in ch.extensions]
    sh = msgs[1][1]
    chosen = session.facts(Side.client).cipher[0]
    assert sh.value("cipher_suite") == cipher_suite_by_openssl_name(chosen)
    assert chosen in sh.find("cipher_suite").text  # the label carries OpenSSL's name
    server_cert, ske, cr = (d for _, d in msgs[2:5])
    assert server_cert.form == "TLS 1.2"
    chain = [f.value for f in server_cert.find_all("ASN.1Cert") if f.is_leaf]
    assert chain[0] == session.facts(Side.client).peer_certificate_der
    assert ske.form == "ECDHE"
    assert ske.find("namedcurve").text == "x25519"
    assert len(ske.leaf("point").value) == 32
    assert ske.find("signed_params").find("algorithm").text is not None
    assert cr.form == "TLS 1.2"
    assert "ecdsa_sign" in texts(cr, "ClientCertificateType")
    client_cert = msgs[6][1]
    client_chain = [f.value for f in client_cert.find_all("ASN.1Cert") if f.is_leaf]
    assert client_chain[0] == session.facts(Side.server).peer_certificate_der
    cke = msgs[7][1]
    assert cke.form == "ECDHE" and len(cke.leaf("ecdh_Yc").value) == 32
    nst = msgs[9][1]
    assert nst.form == "TLS 1.2" and nst.value("ticket_lifetime_hint") == 7200


@functools.cache
def rsa_identity() -> Identity:
    import trustme

    from tlsstep.identity import _credential

    ca = trustme.CA(key_type=trustme.KeyType.RSA)
    base = default_identity()
    return Identity(
        trust_pem=ca.cert_pem.bytes(),
        server=_credential(ca.issue_cert("example.test", key_type=trustme.KeyType.RSA)),
        client=base.client,
    )


def test_tls12_rsa_key_exchange() -> None:
    # (DHE needs DH parameters, which Python's server context does not set up; the
    # openssl s_server cross-check covers DHE.)
    cipher = "AES128-GCM-SHA256"
    # Python's default server cipher list has no plain-RSA key exchange: set both sides.
    config = PairConfig(
        client=SideConfig(max_version="1.2", ciphers=cipher), server=SideConfig(ciphers=cipher)
    )
    msgs = sent(run(config, rsa_identity()))
    assert by_name(msgs, "ServerKeyExchange") == []
    (sh,) = by_name(msgs, "ServerHello")
    assert sh.find("cipher_suite").text == "TLS_RSA_WITH_AES_128_GCM_SHA256 (AES128-GCM-SHA256)"
    (cke,) = by_name(msgs, "ClientKeyExchange")
    assert cke.form == "RSA"
    assert len(cke.leaf("encrypted_pre_master_secret").value) == 256  # RSA-2048
