"""Turn a feed file's bytes into rows, or refuse the file whole.

Pure: no database, no file system. Anything structurally wrong raises ``FileRefused``
naming the file and the line; values inside cells are checked later, row by row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from contactpoint.errors import FileRefused


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a source's file format."""

    name: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class RawRow:
    """A data row: the physical line it starts on and its cells by column name."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class ParsedFile:
    rows: list[RawRow]
    ignored_columns: tuple[str, ...]


def parse_csv(data: bytes, *, file_name: str, columns: tuple[Column, ...]) -> ParsedFile:
    """Decode and split a CSV file, checking its structure; cells are stripped of spaces."""
    text = _decode(data, file_name)
    if not text.strip():
        raise FileRefused(file_name, "the file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as error:
        raise FileRefused(file_name, f"the header is not valid CSV ({error})", row=1) from None
    known = {column.name for column in columns}
    missing = [c.name for c in columns if c.required and c.name not in header]
    if missing:
        raise FileRefused(file_name, f"required column(s) missing: {', '.join(missing)}", row=1)
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise FileRefused(file_name, f"column(s) named twice: {', '.join(duplicated)}", row=1)

    rows: list[RawRow] = []
    first_line_of: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise FileRefused(file_name, f"malformed CSV ({error})", row=line) from None
        if not cells:
            continue
        if len(cells) != len(header):
            raise FileRefused(
                file_name,
                f"has {len(cells)} cells where the header has {len(header)}"
                " (a truncated or malformed row)",
                row=line,
            )
        row = RawRow(line, {name: cell.strip() for name, cell in zip(header, cells, strict=True)})
        record_id = row.cells.get("record_id", "")
        if record_id:
            if record_id in first_line_of:
                raise FileRefused(
                    file_name,
                    f"record_id is also on line {first_line_of[record_id]}:"
                    " record ids must be unique in a file",
                    row=line,
                )
            first_line_of[record_id] = line
        rows.append(row)
    if not rows:
        raise FileRefused(file_name, "the file has a header but no data rows")
    if not text.endswith(("\n", "\r")):
        # A delivery always ends with a line break; a missing one means the transfer was cut.
        raise FileRefused(
            file_name, "the file does not end with a line break (truncated?)", row=rows[-1].line
        )
    ignored = tuple(name for name in header if name not in known)
    return ParsedFile(rows, ignored)


def _decode(data: bytes, file_name: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRefused(
            file_name, f"is not UTF-8 (byte 0x{data[error.start]:02x})", row=line
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FileRefused(file_name, "contains a NUL byte (not a text file)", row=line)
    return text
