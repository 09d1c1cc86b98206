"""Setting TLS 1.3 suites through ctypes writes only to a pointer that answers like the
context's own SSL_CTX (tlsstep/tls13_suites.py)."""

from __future__ import annotations

import ssl

import pytest

from tlsstep.errors import TlsstepError
from tlsstep.tls13_suites import _libssl, _ssl_ctx, set_tls13_suites, tls13_suites


def test_suites_are_set_on_the_context_itself() -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    other = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    options = ctx.options
    set_tls13_suites(ctx, ("TLS_AES_128_CCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"), "suites")
    assert tls13_suites(ctx) == ["TLS_AES_128_CCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"]
    assert ctx.options == options, "the layout probe puts the options back"
    assert "TLS_AES_128_CCM_SHA256" not in tls13_suites(other)


def test_a_pointer_that_does_not_answer_like_the_context_is_not_written() -> None:
    libssl = _libssl()
    assert libssl is not None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    assert _ssl_ctx(ctx, libssl[1]) is not None
    assert _ssl_ctx(ctx, lambda pointer: 0) is None  # other options: not this SSL_CTX
    frozen_options = int(ctx.options)
    assert _ssl_ctx(ctx, lambda pointer: frozen_options) is None  # does not follow a change
    assert ctx.options == frozen_options


def test_unknown_names_are_refused_by_name() -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with pytest.raises(TlsstepError, match="suites: TLS_NOPE"):
        set_tls13_suites(ctx, ("TLS_NOPE",), "suites")
