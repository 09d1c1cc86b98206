"""Decryption with key-log secrets: key log, suites, key schedule, records, Finished.

Everything cryptographic goes through the ``cryptography`` package; this package
adds only what the RFCs define on top (labels, nonces, PRF, padding, layouts).
``KeyLogCrypto`` (unprotector.py) is what a :class:`tlsstep.session.Session` takes.
"""
