"""Leaf certificates made with ``cryptography``, signed by trustme CAs (kept as PEM, :class:`CAKey`).

trustme marks subjectAltName critical while also filling the subject, which RFC 5280
§4.2.1.6 allows only with an empty subject; ``cryptography.x509.verification`` rejects
such leaves, so the independent verdict would disagree with OpenSSL on every healthy
run. Leaves are therefore built here, with the extensions a strict RFC 5280 / CA/B
Forum verifier expects (SKI, AKI, non-critical SAN, keyUsage, extendedKeyUsage), so the
only thing wrong with a problem certificate is the problem. The CAs stay trustme's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tlsstep.frozen import frozen


@frozen
class BuiltLeaf:
    cert_pem: bytes
    key_pem: bytes


@frozen
class CAKey:
    """A test CA as PEM: what issuing needs, and what a chain below it sends.

    Plain bytes rather than a ``trustme.CA``, so a CA read from the certificate cache
    (:mod:`tlsstep.certcache`) costs no import of trustme or cryptography.
    """

    cert_pem: bytes
    key_pem: bytes
    # What a leaf issued by this CA sends after itself: this CA and every CA above it,
    # stopping below the root (which the peer holds). Empty for a root.
    sent_pem: bytes = b""


def make_ca(organization_name: str | None = None, *, parent: CAKey | None = None) -> CAKey:
    """A new trustme CA: a root, or an intermediate issued by ``parent``."""
    import trustme  # heavy: only when a CA is really made

    if parent is None:
        ca = trustme.CA(organization_name=organization_name)
        return CAKey(cert_pem=ca.cert_pem.bytes(), key_pem=ca.private_key_pem.bytes())
    child = trustme.CA.from_pem(parent.cert_pem, parent.key_pem).create_child_ca()
    cert = child.cert_pem.bytes()
    return CAKey(
        cert_pem=cert, key_pem=child.private_key_pem.bytes(), sent_pem=cert + parent.sent_pem
    )


def issue_leaf(
    name: str,
    *,
    issuer: CAKey | None,
    purposes: Sequence[str] = ("serverAuth", "clientAuth"),
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    rsa_bits: int | None = None,
    key_type: str = "ecdsa",
    as_ca: bool = False,
) -> BuiltLeaf:
    """A leaf for DNS name ``name`` signed by ``issuer`` (None: self-signed).

    Args:
        purposes: extendedKeyUsage names (RFC 5280 §4.2.1.12): "serverAuth", "clientAuth".
        rsa_bits: an RSA key of this size instead of ECDSA P-256 (trustme's default).
        key_type: "ecdsa" (P-256, the default), "rsa" (2048 bits) or "ed25519".
        as_ca: basicConstraints cA=TRUE and keyCertSign, for the ca-as-leaf problem.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    if rsa_bits or key_type == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits or 2048)
    elif key_type == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    elif key_type == "ecdsa":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        raise ValueError(f"unknown key type {key_type!r}")
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tlsstep"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    oids = {
        "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
        "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    }
    own_ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    if issuer is None:
        issuer_name = subject
        signer = key
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(own_ski)
    else:
        issuer_cert = x509.load_pem_x509_certificate(issuer.cert_pem)
        issuer_name = issuer_cert.subject
        loaded = serialization.load_pem_private_key(issuer.key_pem, None)
        assert isinstance(loaded, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
        signer = loaded
        ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(hours=1))
        .not_valid_after(not_after or now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=as_ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=is_rsa,  # RSA key exchange in TLS 1.2
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=as_ca,
                crl_sign=as_ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([oids[p] for p in purposes]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(own_ski, critical=False)
        .add_extension(aki, critical=False)
        .sign(signer, None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return BuiltLeaf(cert_pem=cert.public_bytes(serialization.Encoding.PEM), key_pem=key_pem)
