"""Decryption throughput: tlsstep's TLS 1.3 record layer against bare AESGCM.

    python bench/bench_decrypt.py [--records N] [--rounds R]

Full-size TLS 1.3 records (2^14 bytes of data, RFC 8446 §5.1) sealed with
TLS_AES_256_GCM_SHA384 keys are opened three ways, in the same run, on the same
ciphertexts:

* ``AESGCM.decrypt`` directly, with nonces and AAD precomputed (the ceiling);
* ``Tls13Opener.open`` (nonce from IV and sequence number, header as AAD,
  padding stripped, inner content type read);
* ``ConnectionUnprotector.unprotect`` (the above plus epoch and sequence tracking).

Rounds are interleaved so machine noise hits every side alike; the best round of
each is compared. Target: the record layer at >= 0.7x the direct throughput.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tlsstep.crypto.keylog import KeyLog
from tlsstep.crypto.records import Tls13Opener
from tlsstep.crypto.schedule import traffic_keys
from tlsstep.crypto.suites import SUITES
from tlsstep.crypto.unprotector import ConnectionUnprotector
from tlsstep.decode import Decoder
from tlsstep.events import Side
from tlsstep.wire.handshake import HandshakeMessage, encode_handshake
from tlsstep.wire.records import Record, RecordSplitter, encode_record

SUITE = SUITES[0x1302]  # TLS_AES_256_GCM_SHA384
DATA = 2**14


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=256, help="records per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    secret = os.urandom(48)
    client_random = os.urandom(32)
    keys = traffic_keys(SUITE, secret)
    aead = AESGCM(keys.key)
    iv = int.from_bytes(keys.iv, "big")
    nonces, aads, ciphertexts = [], [], []
    stream = bytearray()
    for seq in range(args.records):
        inner = os.urandom(DATA) + b"\x17"  # application_data, no padding
        header = b"\x17\x03\x03" + (len(inner) + 16).to_bytes(2, "big")
        nonce = (iv ^ seq).to_bytes(12, "big")
        ciphertext = aead.encrypt(nonce, inner, header)
        nonces.append(nonce)
        aads.append(header)
        ciphertexts.append(ciphertext)
        stream += header + ciphertext
    records: list[Record] = RecordSplitter().feed(bytes(stream))

    def direct() -> None:
        for nonce, ciphertext, aad in zip(nonces, ciphertexts, aads, strict=True):
            aead.decrypt(nonce, ciphertext, aad)

    def record_layer() -> None:
        opener = Tls13Opener(SUITE, keys)
        for seq, record in enumerate(records):
            assert opener.open(record, seq).ok

    def unprotector() -> None:
        # A connection whose server is in its first application epoch.
        log = KeyLog.from_text(f"SERVER_TRAFFIC_SECRET_0 {client_random.hex()} {secret.hex()}\n")
        u = ConnectionUnprotector(log)
        t = Decoder(u)
        hello = b"\x03\x03" + client_random + b"\x00\x00\x02\x13\x02\x01\x00\x00\x00"
        t.feed(Side.client, encode_record(22, 0x0301, encode_handshake(1, hello)))
        sh = b"\x03\x03" + bytes(32) + b"\x00\x13\x02\x00\x00\x06\x00\x2b\x00\x02\x03\x04"
        u.observe(Side.server, _message(2, sh))
        u.observe(Side.server, _message(20, bytes(48)))  # server Finished: application keys
        for record in records:
            assert u.unprotect(Side.server, record).ok

    sides: dict[str, Callable[[], None]] = {
        "AESGCM.decrypt (direct)": direct,
        "Tls13Opener.open": record_layer,
        "ConnectionUnprotector.unprotect": unprotector,
    }
    best = {name: float("inf") for name in sides}
    for _ in range(args.rounds):
        for name, fn in sides.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    megabytes = args.records * DATA / 1e6
    base = megabytes / best["AESGCM.decrypt (direct)"]
    print(f"{args.records} records of {DATA} bytes, AES-256-GCM, best of {args.rounds} rounds")
    for name, seconds in best.items():
        rate = megabytes / seconds
        print(f"  {name:34} {rate:9.1f} MB/s  {rate / base:5.2f}x")
    ratio = (megabytes / best["Tls13Opener.open"]) / base
    print(f"record layer / direct: {ratio:.2f}x (target >= 0.70x)")


def _message(msg_type: int, body: bytes) -> HandshakeMessage:
    return HandshakeMessage(msg_type=msg_type, body=body)


if __name__ == "__main__":
    main()
