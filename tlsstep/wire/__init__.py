"""Pure decoding: bytes -> records -> handshake messages. No ssl, rich or click here."""
