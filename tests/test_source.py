"""Spans are character offsets; lines and columns are computed from them."""

from hypothesis import given
from hypothesis import strategies as st

from infrac.base.source import Position, SourceFile, Span


def test_first_character_is_line_1_column_1():
    assert SourceFile("a", "abc").position(0) == Position(1, 1)


def test_offset_after_a_newline_starts_the_next_line():
    source = SourceFile("a", "ab\ncd\n")
    assert source.position(2) == Position(1, 3)  # the newline itself ends line 1
    assert source.position(3) == Position(2, 1)
    assert source.position(6) == Position(3, 1)


def test_columns_count_characters_not_bytes():
    source = SourceFile("a", 'name = "é€😀" x')
    assert source.position(len('name = "é€😀" ')) == Position(1, 14)


def test_offsets_outside_the_text_are_clamped():
    source = SourceFile("a", "ab")
    assert source.position(-5) == Position(1, 1)
    assert source.position(99) == Position(1, 3)


def test_line_text_has_no_line_break():
    source = SourceFile("a", "one\r\ntwo\nthree")
    assert source.line_text(1) == "one"
    assert source.line_text(2) == "two"
    assert source.line_text(3) == "three"
    assert source.line_count == 3


def test_span_to_joins_two_spans():
    assert Span("a", 2, 4).to(Span("a", 7, 9)) == Span("a", 2, 9)
    assert Span("a", 2, 9).length == 7


@given(st.text(alphabet="ab\n é", max_size=60), st.data())
def test_offset_and_position_are_inverse(text, data):
    source = SourceFile("a", text)
    offset = data.draw(st.integers(0, len(text)))
    position = source.position(offset)
    assert source.offset(position.line, position.column) == offset
    line_start = source.offset(position.line, 1)
    assert "\n" not in text[line_start:offset]
