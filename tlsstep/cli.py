"""The ``tlsstep`` command group. Thin: options -> steps -> session -> render.

Commands are loaded lazily (:class:`LazyGroup`): ``tlsstep handshake`` imports only the
handshake command's module, and ``--version`` imports none, so start-up pays only for
click and what the command uses (issue 14). Each command module imports only click at
module level.
"""

from __future__ import annotations

import atexit
import copy
import errno
import gc
import importlib
import os
import sys
from typing import Any, Final

# Python's cyclic garbage collector runs every 700 new container objects. A start-up
# makes ~25,000 (modules, functions, classes) and none of them is garbage, yet the
# collector walked them again and again, and once more at exit: 8% of a
# ``handshake --json`` (45 of 534 million instructions, callgrind; issue 14).
FIRST_COLLECTION_AFTER: Final = 100_000  # new container objects


def _defer_collection() -> None:
    """No collection until the first ``FIRST_COLLECTION_AFTER`` objects; at that first
    collection, what exists (the imported code, mostly) is frozen out of the collector's
    walks and the usual thresholds come back, so a long run (``shell``, ``serve``, a big
    ``decode``) collects as before. At exit the survivors are frozen too: the
    interpreter's last full collection has nothing to walk (no tlsstep clean-up waits for
    it: secrets are removed by ``finally`` blocks and signal handlers)."""
    thresholds = gc.get_threshold()
    first = [True]

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if first[0] and phase == "start":
            first[0] = False
            gc.freeze()
            gc.set_threshold(*thresholds)

    gc.set_threshold(FIRST_COLLECTION_AFTER, *thresholds[1:])
    gc.callbacks.append(on_collection)
    atexit.register(gc.freeze)


_defer_collection()  # before click is imported: it is a fifth of the start-up's objects

import click  # noqa: E402

from tlsstep import __version__  # noqa: E402

# name -> "module:attribute" of each command, imported when the command is used.
COMMANDS: Final = {
    "handshake": "tlsstep.commands.handshake:handshake_command",
    "connect": "tlsstep.commands.connect:connect_command",
    "serve": "tlsstep.commands.serve:serve_command",
    "decode": "tlsstep.commands.decode:decode_command",
    "replay": "tlsstep.commands.replay:replay_command",
    "shell": "tlsstep.commands.shell:shell_command",
    "cache": "tlsstep.commands.cache:cache_command",
    "schema": "tlsstep.commands.schema:schema_command",
}


# Write failures of standard output: a full disk or quota, a file too big, a closed pipe.
_WRITE_ERRNOS: Final = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EPIPE})


def _quiet_stdout() -> None:
    """Point standard output at /dev/null so the flush at exit does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented pattern)."""

    def __init__(self, *args: Any, lazy_subcommands: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = lazy_subcommands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_subcommands])

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; output that cannot be written is an error, not a traceback."""
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # what is still buffered fails here, not at exit
        except OSError as exc:
            if exc.filename is not None or exc.errno not in _WRITE_ERRNOS:
                raise
            _quiet_stdout()
            if exc.errno == errno.EPIPE:  # the reader went away (| head): nothing to say
                sys.exit(1)
            raise click.ClickException(
                f"could not write to standard output: {exc.strerror}"
            ) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_subcommands:
            module, _, attribute = self.lazy_subcommands[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            return with_color_option(command)
        return super().get_command(ctx, cmd_name)


def with_color_option(command: click.Command) -> click.Command:
    """``command`` with ``--color`` among its options, so that it may follow the command's
    name (`tlsstep handshake --color never` as `tlsstep --color never handshake`). A copy:
    the command's own module keeps its options as written."""
    served = copy.copy(command)
    served.params = [*command.params, color_option()]
    if isinstance(served, click.Group):  # `tlsstep cache list --color never` too
        served.commands = {name: with_color_option(c) for name, c in served.commands.items()}
    return served


COLOR_HELP: Final = (
    "Colour the output. auto: on a terminal, unless the NO_COLOR environment variable is "
    "set (FORCE_COLOR colours a pipe too); always and never overrule both (never: no escape "
    "sequence at all). Piped output is never wrapped or padded, coloured or not."
)


def _set_color(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    from tlsstep.render.color import choose

    if value is not None:  # a command's own --color overrules the group's
        choose(value)


def color_option() -> click.Option:
    """``--color auto|always|never`` (render/color.py decides what each means)."""
    return click.Option(
        ["--color"],
        type=click.Choice(["auto", "always", "never"]),
        default=None,
        metavar="auto|always|never",
        expose_value=False,
        is_eager=True,  # before the other options' callbacks, which may print
        callback=_set_color,
        help=COLOR_HELP,
    )


@click.group(
    cls=LazyGroup,
    lazy_subcommands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="tlsstep")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help=COLOR_HELP,
)
def main(color: str) -> None:
    """tlsstep: an interactive TLS handshake debugger.

    A real OpenSSL client and server run in this process, joined only by memory
    buffers; tlsstep carries every byte between them, so it can stop between any
    two operations, show what crossed, and change it.
    """
    from tlsstep.render.color import choose
    from tlsstep.signals import unwind_on_signals

    choose(color)  # every command's consoles (and a command's own --color may overrule it)

    unwind_on_signals()  # SIGTERM/SIGHUP/SIGQUIT clean up secrets as Ctrl-C does
