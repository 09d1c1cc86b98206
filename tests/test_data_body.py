"""A record line's data (render/record_text._data_body): ASCII text is told and cut
without decoding the whole record (issue 14); the line is what the general rule gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tlsstep.render.record_text import _data_body, data_text


def _general(data: bytes, width: int = 60) -> str:
    """The rule the line follows: the whole data as text (data_text's definition), cut to
    ``width``; else its hex, cut."""
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and not all(c.isprintable() or c in "\r\n\t" for c in text):
        text = None
    if text is None:
        hexed = data.hex()
        return hexed if len(hexed) <= width else hexed[: width - 3] + "..."
    return text if len(text) <= width else text[: width - 3] + "..."


_BYTES = st.sampled_from([b"a", b" ", b"~", b"\t", b"\n", b"\r", b"\x00", b"\x7f", b"\x1b"])
_TAIL = st.sampled_from([b"", b"\x7f", b"\x00", "é".encode(), b"\xff", b"z"])


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        # long ASCII text with one odd byte at its end: the whole decides, not the start
        st.tuples(st.lists(_BYTES, max_size=90), st.integers(0, 20_000), _TAIL).map(
            lambda t: b"".join(t[0]) + b"x" * t[1] + t[2]
        ),
    )
)
def test_a_record_line_shows_what_the_general_rule_gives(data: bytes) -> None:
    assert _data_body(data) == _general(data)
    assert _data_body(memoryview(data)) == _general(data)
    assert data_text(memoryview(data)) == data_text(data)


def test_a_16k_record_of_text_is_cut_at_its_start() -> None:
    data = b"0123456789" * 1638 + b"0123"
    assert _data_body(data) == "0123456789" * 5 + "0123456..."
    assert _data_body(data + b"\x7f").startswith("3031323334")  # one DEL: hex, as a whole
    assert data_text(data) == data.decode()
