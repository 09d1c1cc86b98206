"""tlsstep: an interactive TLS handshake debugger.

Kept import-free on purpose: ``tlsstep --version`` and ``--help`` must not pay for
ssl, rich or cryptography (DESIGN.md, "Habits for speed").
"""

__version__ = "0.1.0"
