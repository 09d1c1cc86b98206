"""The certificate layer: X.509 values, chains as sent and as verified, failures explained.

Modules (each imports cryptography itself, so importing this package stays cheap):

* :mod:`tlsstep.certs.build` - leaves and CAs built with cryptography (test identities).
* :mod:`tlsstep.certs.info` - one X.509 certificate as a frozen value (:class:`CertInfo`).
* :mod:`tlsstep.certs.chain` - a chain as sent, with each issuer->subject link checked.
* :mod:`tlsstep.certs.verify` - independent path validation beside OpenSSL's verdict.
* :mod:`tlsstep.certs.verify_codes` - OpenSSL verify codes in one plain line.
* :mod:`tlsstep.certs.messages` - the DER chains in a connection's decoded Certificate messages.
* :mod:`tlsstep.certs.chain_report` - everything above for one run, per side, from values.

Credentials are one layer up, because they are what a run is configured with:
:mod:`tlsstep.identity`, :mod:`tlsstep.cert_problems` (problems made on demand) and
:mod:`tlsstep.cert_files` (the user's own PEM files). Like ``pair`` and ``wire``, nothing
here imports rich or click, the session or the configuration, or touches files.
"""
