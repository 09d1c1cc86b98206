"""TLS 1.3 cipher suites on one SSLContext, which Python's ``ssl`` has no API for.

``SSLContext.set_ciphers`` sets the TLS 1.2-and-below list only; OpenSSL keeps the
TLS 1.3 suites apart (``SSL_CTX_set_ciphersuites``). Setting them through
``OPENSSL_CONF`` works only before the process's first SSLContext, so a replay or a
shell could not change them per scenario. Instead this calls
``SSL_CTX_set_ciphersuites`` on the context's own ``SSL_CTX*`` through ctypes:

* the ``SSL_CTX*`` is the first field after ``PyObject_HEAD`` in CPython's
  ``PySSLContext`` (Modules/_ssl.c, unchanged from 3.7 to 3.13);
* the symbol is looked up through the ``_ssl`` extension's handle, so it is the
  libssl that Python itself linked;
* before anything is written, the pointer must answer ``SSL_CTX_get_options`` with the
  context's options, and follow a change to them;
* the result is checked against ``get_ciphers()``: if the suites OpenSSL reports are
  not the ones asked for, the context is refused instead of trusted.
"""

from __future__ import annotations

import ctypes
import functools
import ssl
import sys
from collections.abc import Callable
from typing import Any

from tlsstep.errors import TlsstepError


@functools.cache
def _libssl() -> tuple[Callable[[int, bytes], int], Callable[[int], int]] | None:
    """``SSL_CTX_set_ciphersuites`` and ``SSL_CTX_get_options`` from Python's own libssl."""
    if sys.implementation.name != "cpython":
        return None
    try:
        lib = ctypes.CDLL(ssl._ssl.__file__)  # type: ignore[attr-defined]
        setter: Any = lib.SSL_CTX_set_ciphersuites
        options: Any = lib.SSL_CTX_get_options
    except (OSError, AttributeError):
        return None
    setter.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    setter.restype = ctypes.c_int
    options.argtypes = [ctypes.c_void_p]
    options.restype = ctypes.c_uint64
    return setter, options


def _ssl_ctx(ctx: ssl.SSLContext, get_options: Callable[[int], int]) -> int | None:
    """The context's ``SSL_CTX*``, or None when what sits where it should does not answer
    like it (a CPython whose ``PySSLContext`` layout changed): its options must be the
    context's, and changed options must show through, before anything is written to it."""
    pointer = ctypes.c_void_p.from_address(id(ctx) + object.__basicsize__).value
    if not pointer or get_options(pointer) != int(ctx.options):
        return None
    before = ctx.options
    ctx.options = before ^ ssl.OP_NO_TICKET
    moved = get_options(pointer) == int(ctx.options)
    ctx.options = before
    return pointer if moved and get_options(pointer) == int(before) else None


def tls13_suites(ctx: ssl.SSLContext) -> list[str]:
    """The TLS 1.3 suites ``ctx`` offers, in order."""
    return [c["name"] for c in ctx.get_ciphers() if c.get("protocol") == "TLSv1.3"]


def set_tls13_suites(ctx: ssl.SSLContext, names: tuple[str, ...], what: str) -> None:
    """Offer only ``names`` (IANA/OpenSSL names, e.g. TLS_AES_128_CCM_SHA256) in TLS 1.3.

    Raises:
        TlsstepError: an unknown name, or this Python cannot set them (named by ``what``).
    """
    from tlsstep.crypto.suites import TLS13_SUITE_NAMES

    unknown = [n for n in names if n not in TLS13_SUITE_NAMES]
    if not names or unknown:
        raise TlsstepError(
            f"{what}: {', '.join(unknown) or 'no suite given'}: use one or more of "
            + ":".join(TLS13_SUITE_NAMES)
        )
    libssl = _libssl()
    pointer = None if libssl is None else _ssl_ctx(ctx, libssl[1])
    if libssl is None or pointer is None:
        raise TlsstepError(f"{what}: this Python's ssl module cannot set TLS 1.3 suites")
    if libssl[0](pointer, ":".join(names).encode("ascii")) != 1:
        raise TlsstepError(f"{what}: OpenSSL refused {':'.join(names)!r}")
    if tls13_suites(ctx) != list(names):
        raise TlsstepError(f"{what}: OpenSSL offers {tls13_suites(ctx)}, not {list(names)}")
