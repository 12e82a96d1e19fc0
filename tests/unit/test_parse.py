"""A feed file is refused whole when its structure is broken, naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactpoint.errors import FileRefused
from contactpoint.feeds.parse import Column, check_csv, parse_csv, read_rows

COLUMNS = (Column("record_id", True), Column("given_names", True), Column("postcode"))


def parse(data: bytes):  # type: ignore[no-untyped-def]
    return parse_csv(data, file_name="f.csv", columns=COLUMNS)


def refused(data: bytes) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        parse(data)
    return caught.value


def test_a_sound_file_gives_its_rows_with_line_numbers() -> None:
    parsed = parse(b"record_id,given_names,postcode,extra\r\nA1, Amy ,LS6 2AB,x\r\nA2,Bo,,y\r\n")
    assert [(r.line, r.cells["given_names"]) for r in parsed.rows] == [(2, "Amy"), (3, "Bo")]
    assert parsed.ignored_columns == ("extra",)


def test_a_byte_order_mark_is_tolerated() -> None:
    assert (
        parse("\ufeffrecord_id,given_names\nA1,Amy\n".encode()).rows[0].cells["record_id"] == "A1"
    )


def test_a_quoted_cell_may_hold_commas_and_line_breaks() -> None:
    parsed = parse(b'record_id,given_names\nA1,"Amy, Jo"\nA2,"Bo\nB"\nA3,Cy\n')
    assert [r.line for r in parsed.rows] == [2, 3, 5]


def test_a_file_that_is_not_utf8_is_refused_naming_the_line() -> None:
    error = refused("record_id,given_names\nA1,Zoë\n".encode("latin-1"))
    assert "not UTF-8" in error.reason and error.row == 2


def test_an_empty_file_is_refused() -> None:
    assert "empty" in refused(b"").reason


def test_a_header_without_rows_is_refused() -> None:
    assert "no data rows" in refused(b"record_id,given_names\n").reason


def test_a_missing_required_column_is_refused_by_name() -> None:
    error = refused(b"record_id,postcode\nA1,LS6 2AB\n")
    assert "given_names" in error.reason and error.row == 1


def test_a_row_with_too_few_cells_is_refused_as_truncated() -> None:
    error = refused(b"record_id,given_names,postcode\nA1,Amy,LS6 2AB\nA2,Bo\n")
    assert error.row == 3 and "truncated" in error.reason


def test_a_file_cut_off_inside_a_quoted_cell_is_refused() -> None:
    error = refused(b'record_id,given_names\nA1,Amy\nA2,"Bo')
    assert error.row == 3


def test_a_file_cut_off_without_its_last_line_break_is_refused() -> None:
    error = refused(b"record_id,given_names\nA1,Amy\nA2,Bo")
    assert "line break" in error.reason and error.row == 3


def test_a_duplicate_record_id_is_refused_naming_both_lines() -> None:
    error = refused(b"record_id,given_names\nA1,Amy\nA2,Bo\nA1,Cy\n")
    assert error.row == 4 and "line 2" in error.reason


def test_a_nul_byte_is_refused() -> None:
    assert "NUL" in refused(b"record_id,given_names\nA1,A\x00my\n").reason


def test_a_column_named_twice_is_refused() -> None:
    assert "twice" in refused(b"record_id,given_names,given_names\nA1,A,B\n").reason


def test_blank_lines_are_skipped() -> None:
    assert len(parse(b"record_id,given_names\n\nA1,Amy\n\n").rows) == 1


def test_lines_ended_by_a_carriage_return_alone_are_rows_of_their_own() -> None:
    parsed = parse(b"record_id,given_names\rA1,Amy\rA2,Bo\r")
    assert [(r.line, r.cells["record_id"]) for r in parsed.rows] == [(2, "A1"), (3, "A2")]


def test_a_file_is_checked_whole_then_read_again_one_row_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(
        b"record_id,given_names,extra\n" + b"".join(b"A%d,Amy,x\n" % n for n in range(5))
    )
    with path.open("rb") as stream:
        layout = check_csv(stream, file_name="f.csv", columns=COLUMNS)
    assert (layout.rows, layout.ignored_columns) == (5, ("extra",))
    with path.open("rb") as stream:
        rows = read_rows(stream, file_name="f.csv", columns=COLUMNS)
        assert next(rows).cells["record_id"] == "A0"
        assert [r.line for r in rows] == [3, 4, 5, 6]
