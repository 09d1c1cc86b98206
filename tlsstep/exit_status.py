"""The exit statuses every command uses (README, "Exit statuses")."""

from __future__ import annotations

from enum import IntEnum

from tlsstep.cheap_enum import CheapEnumType


class ExitStatus(IntEnum, metaclass=CheapEnumType):
    """What a ``tlsstep`` process came to. click already uses 0, 1 and 2 this way."""

    success = 0
    tls_failure = 1  # a handshake or verification failed, an alert, an expectation missed
    usage = 2  # a bad option, file or value
    network = 3  # name not found, refused, timeout, the peer went away or does not speak TLS
