"""The ``tlsstep`` command group. Thin: options -> steps -> session -> render.

Only click and the command modules (which import only click) load here, so
``tlsstep --help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import click

from tlsstep import __version__
from tlsstep.commands.decode import decode_command
from tlsstep.commands.handshake import handshake_command
from tlsstep.commands.replay import replay_command
from tlsstep.commands.shell import shell_command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="tlsstep")
def main() -> None:
    """tlsstep: an interactive TLS handshake debugger.

    A real OpenSSL client and server run in this process, joined only by memory
    buffers; tlsstep carries every byte between them, so it can stop between any
    two operations, show what crossed, and change it.
    """
    from tlsstep.signals import unwind_on_signals

    unwind_on_signals()  # SIGTERM/SIGHUP/SIGQUIT clean up secrets as Ctrl-C does


main.add_command(handshake_command)
main.add_command(decode_command)
main.add_command(replay_command)
main.add_command(shell_command)
