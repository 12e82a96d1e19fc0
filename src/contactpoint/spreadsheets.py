"""CSV files the service writes for people, who open them in spreadsheets.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken
by Excel and LibreOffice for a formula: a name sent as ``=HYPERLINK("http://…","x")`` in
a feed would become a live link in a data manager's exception report. Such a cell is
written with a leading apostrophe, as OWASP advises for CSV injection; numbers the
service writes itself (a negative match weight) are left as they are.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")


def safe_cell(value: object) -> str:
    """``value`` as text that no spreadsheet takes for a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return f"'{text}"
    return text


class SafeWriter:
    """``csv.writer`` whose every cell is ``safe_cell``."""

    def __init__(self, handle: TextIO) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: TextIO) -> SafeWriter:
    return SafeWriter(handle)
