"""Decryption with key-log secrets: key log, suites, key schedule, records, Finished.

Ciphers are the ``cryptography`` package's, hashes and HMAC the standard library's
(OpenSSL's, in C); this package adds only what the RFCs define on top (HKDF's two
lines, labels, nonces, PRF, padding, layouts).
``KeyLogCrypto`` (unprotector.py) is what a :class:`tlsstep.session.Session` takes.
"""
