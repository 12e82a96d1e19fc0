"""Turn a feed file's bytes into rows, or refuse the file whole.

Pure: no database, no file system (a file's lines of bytes in, rows out). Anything
structurally wrong raises ``FileRefused`` naming the file and the line; values inside
cells are checked later, row by row.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
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


@dataclass(frozen=True, slots=True)
class Layout:
    """What a whole pass over a sound file found: its data rows and unknown columns."""

    rows: int
    ignored_columns: tuple[str, ...]


def check_csv(stream: Iterable[bytes], *, file_name: str, columns: tuple[Column, ...]) -> Layout:
    """Read a whole file once, checking its structure, keeping no row: refuses the file
    for anything ``parse_csv`` refuses. A load checks the file this way before it
    writes anything, then reads the rows again a chunk at a time (``read_rows``), so
    memory is bounded by a chunk and not by the file."""
    reader = _Reader(stream, file_name, columns)
    first_line_of: dict[str, int] = {}
    count = 0
    last = 0
    for row in reader.rows():
        record_id = row.cells.get("record_id", "")
        if record_id:
            if record_id in first_line_of:
                raise FileRefused(
                    file_name,
                    f"record_id is also on line {first_line_of[record_id]}:"
                    " record ids must be unique in a file",
                    row=row.line,
                )
            first_line_of[record_id] = row.line
        count += 1
        last = row.line
    if not count:
        raise FileRefused(file_name, "the file has a header but no data rows")
    if not reader.ended_with_line_break:
        # A delivery always ends with a line break; a missing one means the transfer was cut.
        raise FileRefused(
            file_name, "the file does not end with a line break (truncated?)", row=last
        )
    return Layout(count, reader.ignored_columns)


def read_rows(
    stream: Iterable[bytes], *, file_name: str, columns: tuple[Column, ...]
) -> Iterator[RawRow]:
    """The data rows of a file ``check_csv`` has passed, one at a time."""
    return _Reader(stream, file_name, columns).rows()


def parse_csv(data: bytes, *, file_name: str, columns: tuple[Column, ...]) -> ParsedFile:
    """Decode and split a CSV file held in memory, checking its structure; cells are
    stripped of spaces."""
    layout = check_csv(io.BytesIO(data), file_name=file_name, columns=columns)
    rows = list(read_rows(io.BytesIO(data), file_name=file_name, columns=columns))
    return ParsedFile(rows, layout.ignored_columns)


class _Reader:
    """A file's lines decoded one at a time (naming the line of a byte that is not
    UTF-8, or of a NUL), its header checked, then its rows."""

    def __init__(
        self, stream: Iterable[bytes], file_name: str, columns: tuple[Column, ...]
    ) -> None:
        self.file_name = file_name
        self.ended_with_line_break = True
        self._stream = stream
        self._reader = csv.reader(self._lines(), strict=True)
        self.header = self._header(columns)
        known = {column.name for column in columns}
        self.ignored_columns = tuple(name for name in self.header if name not in known)

    def _lines(self) -> Iterator[str]:
        for number, raw in enumerate(self._stream, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise FileRefused(
                    self.file_name, f"is not UTF-8 (byte 0x{raw[error.start]:02x})", row=number
                ) from None
            if "\x00" in text:
                raise FileRefused(
                    self.file_name, "contains a NUL byte (not a text file)", row=number
                )
            self.ended_with_line_break = text.endswith(("\n", "\r"))
            # Lines ended by a carriage return alone are split as the csv module expects.
            yield from io.StringIO(text, newline="")

    def _header(self, columns: tuple[Column, ...]) -> list[str]:
        header: list[str] = []
        try:
            while not any(name.strip() for name in header):
                header = next(self._reader)
        except StopIteration:
            raise FileRefused(self.file_name, "the file is empty") from None
        except csv.Error as error:
            raise FileRefused(
                self.file_name, f"the header is not valid CSV ({error})", row=1
            ) from None
        header = [name.strip() for name in header]
        missing = [c.name for c in columns if c.required and c.name not in header]
        if missing:
            raise FileRefused(
                self.file_name, f"required column(s) missing: {', '.join(missing)}", row=1
            )
        duplicated = sorted({name for name in header if header.count(name) > 1})
        if duplicated:
            raise FileRefused(
                self.file_name, f"column(s) named twice: {', '.join(duplicated)}", row=1
            )
        return header

    def rows(self) -> Iterator[RawRow]:
        header = self.header
        while True:
            line = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise FileRefused(self.file_name, f"malformed CSV ({error})", row=line) from None
            if not cells:
                continue
            if len(cells) != len(header):
                raise FileRefused(
                    self.file_name,
                    f"has {len(cells)} cells where the header has {len(header)}"
                    " (a truncated or malformed row)",
                    row=line,
                )
            yield RawRow(
                line, {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
            )
