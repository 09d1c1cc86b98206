"""The chain as sent: read from the Certificate message, byte for byte what was
configured, linked issuer to subject, and rendered leaf -> intermediate -> root."""

from __future__ import annotations

import io
import json

import pytest

from tlsstep.cert_problems import CertProblem, chain_credential, problem_credential
from tlsstep.certs.chain import chain_as_sent
from tlsstep.certs.chain_report import pem_to_ders
from tlsstep.certs.messages import certificate_messages
from tlsstep.config import ClientCert, PairConfig, SideConfig, resolve_identity
from tlsstep.errors import DecodeError, TlsstepError
from tlsstep.events import Side
from tlsstep.identity import default_identity
from tlsstep.render.certs_view import reports_dicts, reports_view
from tlsstep.render.terminal import make_console
from tlsstep.run_certs import run_certs, session_chain_reports
from tlsstep.session import Session
from tlsstep.steps import parse_line


def tls12(**config: object) -> Session:
    session = Session(PairConfig(client=SideConfig(max_version="1.2"), **config))  # type: ignore[arg-type]
    session.run(parse_line("handshake"))
    return session


def test_default_server_chain_is_sent_byte_for_byte() -> None:
    session = tls12()
    [conn] = run_certs(session).connections
    [message] = certificate_messages(conn.number, conn.version, conn.records)
    assert message.sender is Side.server and not message.tls13
    configured = pem_to_ders(default_identity().server.chain_pem)
    assert message.certificates == configured
    [report] = session_chain_reports(session)
    assert report.sent.ders == configured and report.from_wire
    assert report.openssl.ok and report.independent.ok and report.disagreement is None


@pytest.mark.parametrize("depth", [2, 3])
def test_intermediate_chain_both_sides(depth: int) -> None:
    session = tls12(chain_depth=depth, client_cert=ClientCert.required)
    assert session.handshake_ok()
    identity = resolve_identity(session.config, session.identity)
    reports = {r.sender: r for r in session_chain_reports(session)}
    for side, credential in ((Side.server, identity.server), (Side.client, identity.client)):
        report = reports[side]
        assert report.sent.ders == pem_to_ders(credential.chain_pem)  # byte for byte
        assert len(report.sent.certificates) == depth
        assert all(link.ok for link in report.sent.links)
        assert report.sent.anchor is not None and report.sent.anchor_link is not None
        assert report.sent.anchor_link.ok and not report.sent.anchor_sent
        assert report.openssl.ok and report.independent.ok
        assert len(report.independent.chain) == depth + 1  # the path ends at the anchor


def test_chain_renders_leaf_then_intermediate_then_root() -> None:
    session = tls12(chain_depth=2)
    [report] = session_chain_reports(session)
    out = io.StringIO()
    make_console(width=200, color=False, file=out).print(reports_view([report]))
    text = out.getvalue()
    leaf = report.sent.certificates[0]
    middle = report.sent.certificates[1]
    anchor = report.sent.anchor
    assert anchor is not None
    positions = [
        text.index(f"[0] leaf  {leaf.subject}"),  # type: ignore[union-attr]
        text.index(f"[1] intermediate  {middle.subject}"),  # type: ignore[union-attr]
        text.index(f"trust anchor  {anchor.subject}"),
    ]
    assert positions == sorted(positions)
    assert text.count("✓ issued by") == 2
    assert "OpenSSL (client): ✓ accepted" in text
    assert "cryptography (server policy, name example.test): ✓ accepted, path of 3" in text


def test_json_carries_pem_and_fields() -> None:
    session = tls12(chain_depth=2)
    [doc] = json.loads(json.dumps(reports_dicts(session_chain_reports(session))))
    assert doc["sender"] == "server" and doc["from_wire"] is True
    leaf = doc["certificates"][0]
    assert leaf["pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert leaf["subject_alt_names"] == ["DNS:example.test"]
    assert leaf["key_type"] == "EC" and leaf["key_curve"] == "secp256r1"
    assert leaf["extended_key_usage"] == ["serverAuth", "clientAuth"]
    assert leaf["basic_constraints"] == {"ca": False, "path_length": None}
    assert doc["links"][0]["ok"] is True
    assert doc["openssl"]["ok"] is True and doc["independent"]["ok"] is True
    ders = [c.der for c in session_chain_reports(session)[0].sent.certificates]
    assert pem_to_ders("".join(c["pem"] for c in doc["certificates"]).encode()) == tuple(ders)


def test_openssl_completes_a_lone_leaf_from_its_trust_store() -> None:
    # The client also trusts the CA (it verifies the server), so OpenSSL's auto chain
    # building appends the root to the client's configured lone leaf.
    session = tls12(client_cert=ClientCert.required)
    report = next(r for r in session_chain_reports(session) if r.sender is Side.client)
    configured = pem_to_ders(resolve_identity(session.config, session.identity).client.chain_pem)
    assert report.sent.ders[: len(configured)] == configured
    assert len(report.added_by_openssl) == 1 and report.sent.anchor_sent


def test_broken_link_is_marked() -> None:
    stranger = problem_credential(CertProblem.untrusted_root, Side.server, "example.test")
    leaf = pem_to_ders(stranger.chain_pem)[0]
    root = pem_to_ders(default_identity().trust_pem)[0]
    chain = chain_as_sent([leaf, root], source="test")
    [link] = chain.links
    assert link.name_matches is False and not link.ok
    assert link.key_id_matches is False
    assert "issuer name differs" in link.text


def test_depth_out_of_range() -> None:
    with pytest.raises(TlsstepError, match="chain depth 9"):
        chain_credential(9, Side.server)


# -- Certificate message bodies (RFC 5246 §7.4.2, RFC 8446 §4.4.2) -----------------


def u24(data: bytes) -> bytes:
    return len(data).to_bytes(3, "big") + data


def tls12_body(certs: list[bytes]) -> bytes:
    return u24(b"".join(u24(c) for c in certs))


def tls13_body(certs: list[bytes], context: bytes = b"") -> bytes:
    entries = b"".join(u24(c) + b"\x00\x00" for c in certs)
    return bytes([len(context)]) + context + u24(entries)


CERTS = [b"\x30\x03abc", b"\x30\x01z"]


def chain_from_certificate_message(body: bytes, tls13: bool) -> tuple[bytes, ...]:
    """The certificate list as the certificate layer reads it: through the one decoder."""
    from tlsstep.wire.enums import ProtocolVersion
    from tlsstep.wire.handshake import HandshakeMessage
    from tlsstep.wire.hello import certificate_list
    from tlsstep.wire.messages import decode_handshake

    version = ProtocolVersion.tls13 if tls13 else ProtocolVersion.tls12
    return certificate_list(
        decode_handshake(HandshakeMessage(msg_type=11, body=body), version=version)
    )


def test_message_bodies_both_versions() -> None:
    assert chain_from_certificate_message(tls12_body(CERTS), tls13=False) == tuple(CERTS)
    assert chain_from_certificate_message(tls13_body(CERTS, b"\x07"), tls13=True) == tuple(CERTS)
    assert chain_from_certificate_message(tls13_body([]), tls13=True) == ()


@pytest.mark.parametrize("tls13", [False, True])
def test_message_truncated_or_trailing(tls13: bool) -> None:
    body = tls13_body(CERTS) if tls13 else tls12_body(CERTS)
    for cut in range(len(body)):
        with pytest.raises(DecodeError):
            chain_from_certificate_message(body[:cut], tls13=tls13)
    with pytest.raises(DecodeError, match="after Certificate"):
        chain_from_certificate_message(body + b"\x00", tls13=tls13)


def test_inner_length_error_has_its_offset_in_the_message() -> None:
    body = u24(u24(b"abc")[:-1])  # the entry says 3 bytes; 2 are present
    with pytest.raises(DecodeError) as info:
        chain_from_certificate_message(body, tls13=False)
    # The decoder's offsets count from the header: 4 + the list's and entry's lengths.
    assert info.value.offset == 4 + 3 + 3
    assert "expected 3 byte(s) of ASN.1Cert" in str(info.value)


# -- TLS 1.3: the Certificate message arrives through the transcript's unprotector ----


class _CleartextUnprotector:
    """Stands in for the crypto layer: its "protected" records carry TLSInnerPlaintext
    (content, then the real content type, RFC 8446 §5.2) without encryption, so the
    collector's TLS 1.3 path runs through the real Decoder before decryption lands."""

    def observe(self, sender: Side, view: object) -> None:
        pass

    def change_cipher_spec(self, sender: Side) -> None:
        pass

    def unprotect(self, sender: Side, record: object) -> object:
        from tlsstep.decode import Unprotected

        fragment = record.fragment  # type: ignore[attr-defined]
        return Unprotected(
            ok=True, epoch="handshake", content_type=fragment[-1], plaintext=fragment[:-1]
        )

    def check_finished(self, sender: Side, message: object) -> bool | None:
        return None


def _record(content_type: int, fragment: bytes) -> bytes:
    return bytes([content_type, 3, 3]) + len(fragment).to_bytes(2, "big") + fragment


def test_tls13_certificate_message_once_decrypted() -> None:
    from types import SimpleNamespace

    from tlsstep.decode import Decoder
    from tlsstep.wire.handshake import encode_handshake

    server_hello = (
        b"\x03\x03"
        + bytes(32)
        + b"\x00"
        + b"\x13\x01"
        + b"\x00"
        + b"\x00\x06"
        + b"\x00\x2b\x00\x02\x03\x04"  # supported_versions: TLS 1.3
    )
    ders = pem_to_ders(chain_credential(2, Side.server).chain_pem)
    certificate = encode_handshake(11, tls13_body(list(ders)))
    transcript = Decoder(_CleartextUnprotector())  # type: ignore[arg-type]
    views = transcript.feed(Side.server, _record(22, encode_handshake(2, server_hello)))
    views += transcript.feed(Side.server, _record(23, certificate + b"\x16"))
    entry = SimpleNamespace(records=tuple(views))
    assert transcript.version == 0x0304
    [message] = certificate_messages(1, transcript.version, entry.records)
    assert message.tls13 and message.sender is Side.server
    assert message.certificates == ders
