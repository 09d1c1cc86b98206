"""``tlsstep shell``: steps typed one at a time, over one session.

The shell has no step syntax of its own: a line whose first word is a step
(``deliver client records=1``) goes to :func:`tlsstep.steps.parse_line`, the one
parser, and then to :meth:`Session.run`, the one executor. Around the steps it
has a few words of its own: ``show``, ``help``, ``reset``, ``save`` and ``quit``.
It watches its session as the other front ends do, through observers: a
:class:`~tlsstep.state_watch.StateWatch` for the states and a scenario
:class:`~tlsstep.scenario.Recorder` for ``save``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

from rich.text import Text

from tlsstep.checks import CHECKS, Scope
from tlsstep.config import PairConfig
from tlsstep.errors import TlsstepError
from tlsstep.events import Side
from tlsstep.frozen import frozen
from tlsstep.identity import Identity
from tlsstep.limits import MAX_SHELL_LINE, quote
from tlsstep.notes import Note, for_event, for_record
from tlsstep.render.out import Lines, Output, emit
from tlsstep.secrets_dir import write_secret
from tlsstep.session import CryptoHooks, Session, StepOutcome
from tlsstep.spelling import suggest
from tlsstep.state_watch import StepStates
from tlsstep.steps import OPS, Step, StepError, parse_line
from tlsstep.wire.records import record_lengths

if TYPE_CHECKING:
    from rich.console import RenderableType

SHOW: Final = ("records", "messages", "certs", "state", "keys", "queue", "ladder")

COMMANDS: Final[dict[str, str]] = {
    "show": "show records|messages|certs|state|keys|queue|ladder of the current connection",
    "help": "help [command]: the commands, or one command's arguments; help expect: the "
    "checks a saved scenario's steps may carry",
    "reset": "start again: a new pair with the same options; forgets what was done",
    "connect": "connect HOST[:PORT] [ca=FILE]: start again with a real server on the other "
    "side (port 443, SNI from the host, trusting the system trust store or the CA certificates "
    "in FILE); then 'receive server' waits for what it sent; save writes the server and its "
    "trust (remote, remote_ca); reset goes back to tlsstep's own server",
    "save": "save FILE: write the steps done since the last reset as a scenario (TOML)",
    "pcap": "pcap FILE [--discard-secrets]: write what crossed so far as pcapng for Wireshark, "
    "with its TLS secrets (file mode 0600) or without them (0644)",
    "html": "html FILE: write what was done since the last reset as one self-contained HTML "
    "page (ladder, step player, bytes, decryption, keys; file mode 0600: it holds the keys)",
    "keys": "keys FILE: write this session's TLS secrets to FILE in the NSS key log format "
    "(file mode 0600), each once, never wrapped",
    "explain": "explain on|off: add a plain-language note to each message and outcome",
    "quit": "leave the shell (also: exit, end of input)",
}


# -- save -------------------------------------------------------------------------------


def scenario_text(config: PairConfig, steps: Iterable[Step], *, name: str) -> str:
    """A scenario file for ``tlsstep replay`` (``save``); key material is never written."""
    from tlsstep.scenario import dump

    return dump(config, list(steps), name=name, description="Saved from tlsstep shell.")


# -- the shell --------------------------------------------------------------------------


class ShellError(TlsstepError):
    """A shell command that cannot be done; the shell prints it and goes on."""


@dataclass(slots=True)
class Done:
    step: Step
    outcome: StepOutcome


@frozen
class Reply:
    """What one shell command produced: data for ``--json``, and the view of it.

    Either may be made only when asked for: a text shell builds no JSON and a JSON
    shell no view (issue 14: each step's JSON was built and thrown away).
    """

    data: dict[str, Any] | Callable[[], dict[str, Any]]
    view: Callable[[], RenderableType]
    soft_wrap: bool = False  # printed as is, never wrapped (key log lines)


class Shell:
    """One session driven by lines. :meth:`execute` returns False on ``quit``."""

    def __init__(
        self,
        config: PairConfig,
        identity: Identity | None,
        console: Output,
        *,
        explain: bool = False,
        crypto: Callable[[], CryptoHooks] | None = None,
        json_out: TextIO | None = None,
        full_data: bool = False,
    ) -> None:
        self.config = config
        self.json_out = json_out  # one JSON line per command instead of the rich view
        self.full_data = full_data  # application data in full, not a 64-byte preview
        self.identity = identity
        self.console = console
        self.explain = explain
        self.crypto = crypto  # makes the hooks of each new session (a key log is per session)
        self.errors = 0
        self.dialer: Any = None  # after 'connect': the real server's connections
        self.reset()

    @staticmethod
    def _connect_args(args: list[str]) -> tuple[str, str | None]:
        """``connect HOST[:PORT] [ca=FILE]``: the address and the CA file, if given."""
        usage = "connect needs one address and may name a CA file: connect HOST[:PORT] [ca=FILE]"
        if not args or len(args) > 2 or "=" in args[0]:
            raise ShellError(usage)
        if len(args) == 1:
            return args[0], None
        key, _, value = args[1].partition("=")
        if key != "ca" or not value:
            raise ShellError(f"{usage}; not {args[1]!r}")
        return args[0], value

    def reset(self, remote: str | None = None, *, ca: str | None = None) -> None:
        """A new session: tlsstep's own server, or with ``remote`` the real one there
        (trusting the CA file ``ca``, or the system trust store).

        Raises:
            TlsstepError: ``remote`` cannot be reached (the session is then in-memory).
        """
        if getattr(self, "session", None) is not None:
            self.close()
        hooks = self.crypto() if self.crypto is not None else None
        if remote is not None:
            from tlsstep.net.shell_connect import connect_session

            try:
                self.session, self.dialer = connect_session(self.config, remote, hooks, ca=ca)
            except TlsstepError:
                self.session = Session(self.config, self.identity, crypto=hooks)
                raise
            finally:
                self._watchers()
            return
        self.session = Session(self.config, self.identity, crypto=hooks)
        self._watchers()

    def _watchers(self) -> None:
        from tlsstep.scenario import Recorder

        # Both sides after each operation (``show state``, and ``html``'s step player).
        self.watch = self.session.subscribe(StepStates())
        self.recorder = self.session.subscribe(Recorder())
        self.done: list[Done] = []
        self.seen: set[str] = set()  # --explain notes already shown: each once

    def close(self) -> None:
        """Remove the session's key log (the crypto hooks own it); hang up a real server."""
        if self.dialer is not None:
            self.dialer.close()
            self.dialer = None
        close = getattr(self.session.crypto, "close", None)
        if close is not None:
            close()

    # -- one line ---------------------------------------------------------------

    def execute(self, line: str) -> bool:
        """Run one line; an error is printed and counted, never raised.

        Every command makes one :class:`Reply`: its data and its view, from the
        same values. With ``as_json`` the data is written as one JSON line,
        otherwise the view is printed.
        """
        words = line.split()
        if not words or words[0].startswith("#"):
            return True
        try:
            reply = self._execute(words[0], words[1:], line)
        except TlsstepError as exc:
            self.errors += 1
            message = str(exc)  # `exc` is unbound once this block ends
            reply = Reply(
                data={"ok": False, "error": message},
                view=lambda: Text(f"error: {message}", style="tlsstep.error"),
            )
        if reply is None:
            return False
        if self.json_out is not None:
            import json

            from tlsstep.render.json import plain

            data = reply.data() if callable(reply.data) else reply.data
            self.json_out.write(json.dumps({"command": line, "ok": True, **plain(data)}) + "\n")
            self.json_out.flush()
        else:
            if reply.soft_wrap and self.console.is_terminal:
                self.console.print(reply.view(), soft_wrap=True)
            else:
                emit(self.console, reply.view())
        return True

    def _say_error(self, message: str) -> None:
        """An error that belongs to no command (the input itself), in the run's form."""
        if self.json_out is not None:
            import json

            self.json_out.write(json.dumps({"command": None, "ok": False, "error": message}) + "\n")
            self.json_out.flush()
        else:
            emit(self.console, Text(f"error: {message}", style="tlsstep.error"))

    def _execute(self, word: str, args: list[str], line: str) -> Reply | None:
        if word in ("quit", "exit"):
            return None
        if word in OPS:
            return self.run(parse_line(line))
        if word == "show":
            return self.show(args[0] if args else "state")
        if word == "help":
            topic = args[0] if args else None
            text = help_text(topic)  # raises for an unknown topic, before any output
            return Reply(data={"help": help_data(topic)}, view=lambda: text)
        if word == "reset":
            self.reset()
            return Reply(
                data={"reset": True},
                view=lambda: Text("a new pair; nothing done yet", style="tlsstep.dim"),
            )
        if word == "connect":
            target, ca = self._connect_args(args)
            self.reset(target, ca=ca)
            return Reply(
                data={"connect": target, "connections": self._links()},
                view=lambda: Text(
                    f"connected to {target}: the server is real now; "
                    "'handshake' receives from it, or step: handshake client, deliver client, "
                    "receive server, deliver server ...",
                    style="tlsstep.dim",
                ),
            )
        if word == "save":
            if len(args) != 1:
                raise ShellError("save needs one file name: save FILE")
            return self.save(args[0])
        if word == "keys":
            if len(args) != 1:
                raise ShellError("keys needs one file name: keys FILE")
            return self.keys(args[0])
        if word == "pcap":
            discard = "--discard-secrets" in args
            names = [a for a in args if a != "--discard-secrets"]
            if len(names) != 1:
                raise ShellError("pcap needs one file name: pcap FILE [--discard-secrets]")
            return self.pcap(names[0], discard_secrets=discard)
        if word == "html":
            if len(args) != 1:
                raise ShellError("html needs one file name: html FILE")
            return self.html(args[0])
        if word == "explain":
            self.explain = (args or ["on"])[0] != "off"
            return Reply(
                data={"explain": self.explain},
                view=lambda: Text(
                    f"explain {'on' if self.explain else 'off'}", style="tlsstep.dim"
                ),
            )
        known = [*OPS, *COMMANDS, "exit"]
        raise StepError(f"unknown command {quote(word)}{suggest(word, known)}; try help")

    def run(self, step: Step) -> Reply:
        """Run one step; its events, states and (with explain) notes."""
        from tlsstep.render.states_view import moves_summary, notes_view, states_line
        from tlsstep.render.terminal import entry_lines

        outcome = self.session.run(step)
        if self.dialer is not None:
            # A real server's records open once the client has read them: decode again.
            from tlsstep.net.live import refreshed_outcome

            self.session.redecode()
            outcome = refreshed_outcome(self.session, outcome)
        moves, snapshot = self.watch.step_moves, self.watch.now(self.session)
        version = self.watch.version
        # --explain: each record's notes, then the operation's, each key once a session
        notes: dict[int, tuple[list[list[Note]], list[Note]]] = (
            {
                entry.event.index: (
                    [for_record(r, version, self.seen) for r in entry.records],
                    for_event(entry.event, version, self.seen),
                )
                for entry in outcome.entries
            }
            if self.explain
            else {}
        )
        if outcome.problem:
            self.errors += 1
        else:
            self.done.append(Done(step=step, outcome=outcome))

        def view() -> RenderableType:
            parts: list[RenderableType] = []
            for entry in outcome.entries:
                parts.extend(entry_lines(entry, full_data=self.full_data))
                if entry.event.index in notes:
                    of_records, of_event = notes[entry.event.index]
                    parts.append(notes_view([n for ns in of_records for n in ns] + of_event))
            if outcome.problem:
                parts.append(Text(f"error: {outcome.problem}", style="tlsstep.error"))
            for wait in outcome.stalled:
                parts.append(Text(f"stalled: {wait}", style="tlsstep.error"))
            parts.append(moves_summary(moves))
            parts.append(states_line(snapshot))
            return Lines(*parts)

        def data() -> dict[str, Any]:
            # JSON is made only for --json: a text shell does not import its writers
            from tlsstep.render.json import event_dict, notes_dicts, states_dict, wait_dict

            events = [event_dict(e) for e in outcome.entries]
            for shown, entry in zip(events, outcome.entries, strict=True):
                if entry.event.index not in notes:
                    continue
                # where handshake -vv puts them: on the record, and on the operation
                of_records, of_event = notes[entry.event.index]
                for record, record_notes in zip(shown.get("records", ()), of_records, strict=True):
                    if record_notes:
                        record["notes"] = notes_dicts(record_notes)
                if of_event:
                    shown["notes"] = notes_dicts(of_event)
            out: dict[str, Any] = {
                "result": str(outcome.result) if outcome.result else None,
                "events": events,
                "states": states_dict(snapshot),
            }
            if outcome.problem:
                out |= {"ok": False, "error": outcome.problem}
            if outcome.stalled:
                out["stalled"] = [wait_dict(w) for w in outcome.stalled]
            return out

        return Reply(data=data, view=view)

    def _links(self) -> list[dict[str, Any]]:
        if self.dialer is None:
            return []
        from tlsstep.render.net_view import net_dict

        links: list[dict[str, Any]] = net_dict(self.dialer.net_run(False))["connections"]
        return links

    def save(self, path: str) -> Reply:
        name = Path(path).stem
        steps = self.recorder.steps
        text = scenario_text(self.session.config, steps, name=name)  # [server] remote too
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ShellError(f"cannot write {path}: {exc.strerror}") from None
        count = len(self.done)
        return Reply(
            data={"saved": path, "steps": count},
            view=lambda: Text(f"saved {count} steps to {path}", style="tlsstep.dim"),
        )

    def pcap(self, path: str, *, discard_secrets: bool = False) -> Reply:
        """Write what crossed so far as pcapng, with the key log (0600) unless discarded."""
        from tlsstep.pcap.writer import session_keylog, write_session_pcapng

        keylog = b"" if discard_secrets else session_keylog(self.session)
        try:
            packets = write_session_pcapng(path, self.session, keylog)
        except OSError as exc:
            raise ShellError(f"cannot write {path}: {exc.strerror}") from None
        secrets = "with its key log" if keylog else "without secrets"
        return Reply(
            data={"wrote": path, "packets": packets, "secrets": bool(keylog)},
            view=lambda: Text(f"wrote {path}: {packets} packets, {secrets}", style="tlsstep.dim"),
        )

    def keys(self, path: str) -> Reply:
        """Write this session's secrets (its own connections', each once) to ``path``, 0600."""
        lines = self._key_lines()
        try:
            write_secret(path, "".join(line + "\n" for line in lines))
        except OSError as exc:
            raise ShellError(f"cannot write {path}: {exc.strerror}") from None
        count = len(lines)
        return Reply(
            data={"wrote": path, "lines": count},
            view=lambda: Text(
                f"wrote {path}: {count} key log lines (mode 0600)", style="tlsstep.dim"
            ),
        )

    def _key_lines(self) -> list[str]:
        """This session's secrets as NSS key log lines: its own connections', each once."""
        from tlsstep.pcap.writer import session_keylog

        text = session_keylog(self.session) or b""
        return text.decode("ascii").splitlines()

    def html(self, path: str) -> Reply:
        """Write the run so far as the page of ``tlsstep handshake --html``."""
        from tlsstep.render.details import run_document
        from tlsstep.render.page import write_page
        from tlsstep.run_report import build_report

        report = build_report(
            self.session, step_states=self.watch.log, certificates=True, details=True
        )
        document = run_document(report)
        document["title"] = title = "tlsstep shell"
        try:
            size = write_page(path, document, title)
        except OSError as exc:
            raise ShellError(f"cannot write {path}: {exc.strerror}") from None
        steps = len(self.session.outcomes)
        return Reply(
            data={"wrote": path, "bytes": size, "steps": steps},
            view=lambda: Text(f"wrote {path}: {steps} steps, {size} bytes", style="tlsstep.dim"),
        )

    # -- show -------------------------------------------------------------------

    def show(self, what: str) -> Reply:
        shows: dict[str, Callable[[], RenderableType]] = {
            "records": self._show_records,
            "messages": self._show_messages,
            "certs": self._show_certs,
            "state": self._show_state,
            "keys": self._show_keys,
            "queue": self._show_queue,
            "ladder": self._show_ladder,
        }
        if what not in shows:
            raise ShellError(
                f"show what? {quote(what)}{suggest(what, SHOW)}; one of {', '.join(SHOW)}"
            )
        return Reply(
            data={"show": what, what: self._show_data(what)},
            view=shows[what],
            soft_wrap=what == "keys",  # what is copied must be a valid key log
        )

    def _show_data(self, what: str) -> Any:
        """What ``show WHAT`` shows, as JSON-ready data."""
        from tlsstep.render.json import record_dict, states_dict

        session, pair = self.session, self.session.pair
        if what == "records":
            return [record_dict(r) for e in session.current.entries for r in e.records]
        if what == "messages":
            return {str(side): session.sent_messages(side) for side in Side}
        if what == "certs":
            from tlsstep.render.certs_view import reports_dicts
            from tlsstep.run_certs import session_chain_reports

            return reports_dicts(session_chain_reports(session))
        if what == "state":
            return states_dict(self.watch.now(session))
        if what == "keys":
            path = session.crypto.keylog_path if session.crypto is not None else None
            if not path or not os.path.exists(path):
                return None
            return self._key_lines()
        if what == "queue":
            out = {}
            for side in Side:
                queue = pair.queue(side)
                sizes = record_lengths(queue)
                out[str(side)] = {
                    "queued": len(queue),
                    "records": sizes,
                    "partial": len(queue) - sum(sizes),
                    "unread_by_peer": pair.unread(side.peer),
                }
            return out
        from tlsstep.render.ladder import build_ladder

        return build_ladder(self.session.entries)

    def _show_records(self) -> RenderableType:
        from tlsstep.render.terminal import record_line

        lines = [
            record_line(r).append(f"  from {r.sender}", style="tlsstep.dim")
            for e in self.session.current.entries
            for r in e.records
        ]
        return Lines(*lines) if lines else Text("no records have crossed yet", style="tlsstep.dim")

    def _show_messages(self) -> RenderableType:
        snap = self.watch.now(self.session)
        lines = []
        for side in Side:
            sent = self.session.sent_messages(side)
            line = Text(f"{side} sent: ", style=f"tlsstep.{side}")
            line.append(", ".join(sent) or "nothing yet", style="tlsstep.message")
            lines.append(line)
            lines.append(
                Text(
                    f"   its machine saw sent: {', '.join(snap[side].sent) or '-'}; "
                    f"received: {', '.join(snap[side].received) or '-'}",
                    style="tlsstep.dim",
                )
            )
        return Lines(*lines)

    def _show_certs(self) -> RenderableType:
        from tlsstep.render.certs_view import reports_view
        from tlsstep.run_certs import session_chain_reports

        return reports_view(session_chain_reports(self.session), full=False)

    def _show_state(self) -> RenderableType:
        from tlsstep.render.states_view import states_table

        return states_table(self.watch.now(self.session))

    def _show_keys(self) -> RenderableType:
        crypto = self.session.crypto
        path = crypto.keylog_path if crypto is not None else None
        if not path or not os.path.exists(path):
            return Text(
                "no key log: this session was made without the crypto layer's key log "
                "(secrets are only written when asked for)",
                style="tlsstep.dim",
            )
        # Never wrapped or cropped: what is copied from the terminal must be a valid key log.
        return Text("\n".join(self._key_lines()), no_wrap=True, overflow="ignore")

    def _show_queue(self) -> RenderableType:
        pair = self.session.pair
        lines = []
        for side in Side:
            queue = pair.queue(side)
            sizes = record_lengths(queue)
            whole = sum(sizes)
            line = Text(f"{side} → {side.peer}: ", style=f"tlsstep.{side}")
            line.append(f"{len(queue)} bytes queued")
            if queue:
                line.append(f" ({len(sizes)} whole records {sizes}", style="tlsstep.dim")
                partial = len(queue) - whole
                line.append(f", {partial} bytes of a partial one)" if partial else ")")
            lines.append(line)
            lines.append(Text(f"   delivered to {side}, not read yet: {pair.unread(side)} bytes"))
        return Lines(*lines)

    def _show_ladder(self) -> RenderableType:
        from tlsstep.render.ladder import build_ladder, ladder_view

        return ladder_view(build_ladder(self.session.entries))

    # -- the loop ---------------------------------------------------------------

    def loop(self, stdin: TextIO, *, interactive: bool) -> int:
        """Read lines until quit or end of input; the number of failed commands."""
        if interactive:
            _readline_setup()
            self.console.print(
                Text("tlsstep shell: type help, or a step like 'handshake'", style="tlsstep.dim")
            )
        while True:
            try:
                if interactive:
                    line = input("tlsstep> ")
                else:
                    line = stdin.readline(MAX_SHELL_LINE + 1)  # /dev/zero has no newline
                    if not line:
                        break
                    if len(line) > MAX_SHELL_LINE and not line.endswith("\n"):
                        self.errors += 1
                        self._say_error(
                            f"input line longer than {MAX_SHELL_LINE:,} characters "
                            "(the longest a shell line may be); stopping"
                        )
                        break
                    line = line.rstrip("\n")
                    if line.strip() and self.json_out is None:
                        emit(self.console, Text(f"> {line}", style="tlsstep.op"))
            except EOFError:
                break
            except KeyboardInterrupt:
                if not interactive:
                    raise  # piped: Ctrl-C stops the whole run (the caller cleans up)
                self.console.print()
                continue
            try:
                if not self.execute(line):
                    break
            except KeyboardInterrupt:
                if not interactive:
                    raise
                # On a terminal Ctrl-C stops the command, not the shell.
                self.errors += 1
                self.console.print(Text("interrupted", style="tlsstep.error"))
        if interactive:
            _readline_save()
        return self.errors


# ``help expect``: the scenario checks, from their one table.
EXPECT_TOPIC: Final = "expect"


def help_data(command: str | None) -> dict[str, Any]:
    """``help``'s facts as data: every command's summary, or one step's arguments."""
    if command is None:
        return {name: spec.summary for name, spec in OPS.items()} | dict(COMMANDS)
    if command == EXPECT_TOPIC:
        return {
            "checks": [{"name": c.name, "value": c.value, "about": c.scope.value} for c in CHECKS]
        }
    if command in OPS:
        spec = OPS[command]
        return {
            "step": command,
            "summary": spec.summary,
            "positional": list(spec.positional),
            "keys": list(spec.keys),
        }
    return {"command": command, "summary": COMMANDS[command]}


# A value the parser accepts for each positional key, to learn which ones it requires.
_SAMPLE: Final = {"side": "client", "data": "x", "size": "1", "timeout": "1"}


def required_positionals(op: str) -> set[str]:
    """The positional keys ``op`` cannot do without, as the one parser decides it: a key is
    required when a line with every other positional key, and without it, is refused for it."""
    needed: set[str] = set()
    positional = OPS[op].positional
    for key in positional:
        others = [f"{k}={_SAMPLE.get(k, 'x')}" for k in positional if k != key]
        try:
            parse_line(" ".join([op, *others]))
        except StepError as exc:
            if exc.key == key:
                needed.add(key)
    return needed


def help_text(command: str | None) -> RenderableType:
    lines = []
    if command is None:
        lines.append(Text("steps (the same as in scenario files):", style="tlsstep.key"))
        for op, spec in OPS.items():
            lines.append(Text(f"  {op:<30} {spec.summary}"))
        lines.append(Text("shell commands:", style="tlsstep.key"))
        for name, summary in COMMANDS.items():
            lines.append(Text(f"  {name:<30} {summary}"))
        return Lines(*lines)
    if command in OPS:
        spec = OPS[command]
        needed = required_positionals(command)
        usage = " ".join([command, *(p if p in needed else f"[{p}]" for p in spec.positional)])
        keys = [k for k in spec.keys if k not in spec.positional]
        lines.append(Text(usage, style="tlsstep.key"))
        lines.append(Text(f"  {spec.summary}"))
        if keys:
            lines.append(Text(f"  keys: {', '.join(k + '=' for k in keys)}"))
        return Lines(*lines)
    if command in COMMANDS:
        return Text(COMMANDS[command])
    if command == EXPECT_TOPIC:
        return _expect_help()
    topics = [*OPS, *COMMANDS, EXPECT_TOPIC]
    raise ShellError(f"no command {quote(command)}{suggest(command, topics)}")


_ABOUT: Final = {
    Scope.step: " (at the top: the whole step)",
    Scope.side: "",
    Scope.named: " (on any step)",
}


def _expect_help() -> RenderableType:
    lines = [
        Text(
            "checks a step's expect may hold (scenario files; save writes them):",
            style="tlsstep.key",
        ),
        Text(
            "  at the top about the step's side; in expect.client / expect.server about that side"
        ),
    ]
    for check in CHECKS:
        lines.append(Text(f"  {check.name:<16} {check.value}{_ABOUT[check.scope]}"))
    return Lines(*lines)


# -- readline ----------------------------------------------------------------------------

HISTORY: Final = "~/.tlsstep_history"


def completions(text: str, words_before: list[str]) -> list[str]:
    """Tab completion: commands first, then sides, show subjects or key= words."""
    if not words_before:
        choices = [*OPS, *COMMANDS, "exit"]
    elif words_before[0] == "show":
        choices = list(SHOW)
    elif words_before[0] == "help":
        choices = [*OPS, *COMMANDS, EXPECT_TOPIC]
    elif words_before[0] == "explain":
        choices = ["on", "off"]
    elif words_before[0] in OPS:
        spec = OPS[words_before[0]]
        choices = [f"{k}=" for k in spec.keys if k not in ("side",)]
        if "side" in spec.keys and len(words_before) == 1:
            choices = ["client", "server", *(["both"] if words_before[0] == "handshake" else [])]
    else:
        choices = []
    return sorted(c for c in choices if c.startswith(text))


def _readline_setup() -> None:
    try:
        import readline
    except ImportError:  # not on every platform; the shell works without it
        return

    def complete(text: str, state: int) -> str | None:
        before = readline.get_line_buffer()[: readline.get_begidx()].split()
        matches = completions(text, before)
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" ")
    readline.parse_and_bind("tab: complete")
    with contextlib.suppress(OSError):  # no history yet
        readline.read_history_file(os.path.expanduser(HISTORY))


def _readline_save() -> None:
    try:
        import readline

        readline.set_history_length(1000)
        readline.write_history_file(os.path.expanduser(HISTORY))
    except (ImportError, OSError):
        pass
