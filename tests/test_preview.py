"""Application data in text views: a 64-byte preview and how much more; all of it with
-vv or --full-data; JSON always keeps all of it (issue 14)."""

from __future__ import annotations

import json

from tests.helpers import tlsstep
from tlsstep.events import Event, Result, Side
from tlsstep.render.preview import call_text, data_preview

DATA = "x" * 136 + "END"  # 139 bytes: 64 shown, 75 more


def test_preview_and_full() -> None:
    assert data_preview(b"short") == "b'short'"
    assert data_preview(bytes(64)) == repr(bytes(64))
    assert data_preview(b"a" * 65) == f"{b'a' * 64!r}… 1 bytes more"
    assert data_preview(b"a" * 65, full=True) == repr(b"a" * 65)
    event = Event(
        index=0,
        connection=1,
        side=Side.client,
        op="write",
        args=(("data", b"b" * 100),),
        result=Result.done,
    )
    assert call_text(event) == f"client.write(data={b'b' * 64!r}… 36 bytes more)"
    assert call_text(event, full=True) == event.call


def test_handshake_text_shows_a_preview() -> None:
    out = tlsstep("handshake", "--data", DATA)
    assert out.returncode == 0, out.stderr
    assert f"client.write(data={DATA[:64].encode()!r}… 75 bytes more)" in out.stdout
    assert f"read 139 bytes: {DATA[:64].encode()!r}… 75 bytes more" in out.stdout
    assert "END" not in out.stdout


def test_full_data_and_vv_show_everything() -> None:
    for flags in (["--full-data"], ["-vv"]):
        out = tlsstep("handshake", "--data", DATA, *flags)
        assert out.returncode == 0, out.stderr
        assert f"client.write(data={DATA.encode()!r})" in out.stdout, flags
        assert f"read 139 bytes: {DATA.encode()!r}" in out.stdout, flags


def test_states_view_previews_unless_full_data_or_vv() -> None:
    # --states (and --step) print each operation as it runs: the same rule applies.
    full = f"read 139 bytes: {DATA.encode()!r}"
    preview = f"read 139 bytes: {DATA[:64].encode()!r}… 75 bytes more"
    for flags, whole in (([], False), (["--full-data"], True), (["-vv"], True)):
        out = tlsstep("handshake", "--states", "--data", DATA, *flags)
        assert out.returncode == 0, out.stderr
        assert (full in out.stdout, preview in out.stdout) == (whole, not whole), flags


def test_step_pauses_show_full_data_when_asked() -> None:
    import io

    from tlsstep.commands.stepper import Stepper
    from tlsstep.config import PairConfig
    from tlsstep.plan import handshake_plan
    from tlsstep.render.terminal import make_console
    from tlsstep.session import Session

    for full_data in (False, True):
        shown = io.StringIO()
        session = Session(PairConfig())
        stepper = Stepper(
            make_console(width=400, file=shown), pause=True, full_data=full_data, ask=lambda _: ""
        )
        session.subscribe(stepper)
        session.drive(handshake_plan(data=DATA.encode()))  # paused (Enter) at every step
        text = shown.getvalue()
        assert (f"client.write(data={DATA.encode()!r})" in text) == full_data
        assert (f"{DATA[:64].encode()!r}… 75 bytes more" in text) == (not full_data)


def test_json_keeps_all_of_it() -> None:
    doc = json.loads(tlsstep("handshake", "--json", "--data", DATA).stdout)
    reads = [e for e in doc["events"] if e["op"] == "read" and e.get("data")]
    assert reads and all(e["data"] == {"length": 139, "text": DATA} for e in reads)


def test_shell_previews_unless_full_data() -> None:
    script = f'handshake\nwrite client data="{DATA}"\ndeliver client\nread server\n'
    for flags, whole in (([], False), (["--full-data"], True)):
        out = tlsstep("shell", *flags, input=script)
        assert out.returncode == 0, out.stdout + out.stderr
        full = f"read 139 bytes: {DATA.encode()!r}"
        preview = f"read 139 bytes: {DATA[:64].encode()!r}… 75 bytes more"
        assert (full in out.stdout, preview in out.stdout) == (whole, not whole), flags


def test_json_call_is_a_bounded_label_and_args_keep_all_of_it() -> None:
    # A 10 MB write spelled out in "call" too was the whole data twice over (repr and hex).
    big = "y" * 5000 + "TAIL"
    doc = json.loads(tlsstep("handshake", "--json", "--data", big).stdout)
    (write, *_) = [e for e in doc["events"] if e["op"] == "write"]
    assert write["call"] == f"client.write(data={big[:1024].encode()!r}… 3980 bytes more)"
    assert bytes.fromhex(write["args"]["data"]) == big.encode()
    small = json.loads(tlsstep("handshake", "--json", "--data", DATA).stdout)
    calls = [e["call"] for e in small["events"] if e["op"] == "write"]
    assert calls[0] == f"client.write(data={DATA.encode()!r})"  # short data: all of it
