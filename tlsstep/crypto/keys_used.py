"""What one connection's decryption used, as a value: what the page and ``--json -vv`` show.

The views that teach decryption (record by record: key, IV, nonce, tag; each
Finished recomputed; the key schedule) read a :class:`KeysUsed`, never a live
unprotector or session: :func:`keys_used` takes it from a
:class:`~tlsstep.crypto.unprotector.ConnectionUnprotector` once, after the run
(``tlsstep.run_report``) or as a capture is decoded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tlsstep.crypto.finished import FinishedCheck
from tlsstep.crypto.suites import CipherSuite
from tlsstep.frozen import frozen
from tlsstep.wire.enums import ProtocolVersion

if TYPE_CHECKING:
    from tlsstep.crypto.unprotector import ConnectionUnprotector


@frozen
class KeysUsed:
    """One connection's cipher suite, Finished recomputations and key log secrets."""

    suite: CipherSuite | None
    version: ProtocolVersion | int | None
    encrypt_then_mac: bool
    finished_checks: tuple[FinishedCheck, ...] = ()
    client_random: bytes | None = None
    secrets: tuple[tuple[str, bytes], ...] = ()  # (label, secret), in the key log's order

    @property
    def version_label(self) -> str | None:
        """ "TLS 1.3" or "TLS 1.2" once the ServerHello chose it, else None."""
        if self.version in (ProtocolVersion.tls13, ProtocolVersion.tls12):
            return ProtocolVersion(self.version).label
        return None


def keys_used(unprotector: ConnectionUnprotector, *, secrets: bool = True) -> KeysUsed:
    """What ``unprotector`` has used so far (``secrets``: with the key log's secrets for
    its client random; without them it is cheap enough to take per record)."""
    random = unprotector.client_random
    logged = unprotector.keylog.secrets(random) if secrets and random is not None else {}
    return KeysUsed(
        suite=unprotector.suite,
        version=unprotector.version,
        encrypt_then_mac=bool(unprotector.encrypt_then_mac),
        finished_checks=tuple(unprotector.finished_checks),
        client_random=random,
        secrets=tuple(logged.items()),
    )
