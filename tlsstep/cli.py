"""Command line (placeholder until the handshake command lands)."""

import click

from tlsstep import __version__


@click.group()
@click.version_option(__version__, prog_name="tlsstep")
def main() -> None:
    """tlsstep: an interactive TLS handshake debugger."""
