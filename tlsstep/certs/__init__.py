"""The certificate layer: chains as sent and as verified, failures explained, problems on demand.

Modules (each imports cryptography itself, so importing this package stays cheap):

* :mod:`tlsstep.certs.info` - one X.509 certificate as a frozen value (:class:`CertInfo`).
* :mod:`tlsstep.certs.chain` - a chain as sent, with each issuer->subject link checked.
* :mod:`tlsstep.certs.verify` - independent path validation beside OpenSSL's verdict.
* :mod:`tlsstep.certs.verify_codes` - OpenSSL verify codes in one plain line.
* :mod:`tlsstep.certs.problems` - certificate problems made on demand (expired, wrong-host...).
* :mod:`tlsstep.certs.files` - the user's own PEM files, with errors that name the file.
* :mod:`tlsstep.certs.messages` - Certificate handshake messages -> DER chains; a session's chains.
* :mod:`tlsstep.certs.chain_report` - everything above for one run, per side.

Like ``pair`` and ``wire``, nothing here imports rich or click or does I/O other than
reading the files the user names.
"""
