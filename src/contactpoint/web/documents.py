"""The subject access report as a PDF a data manager can give to a family (fpdf2).

DejaVu Sans (Debian's fonts-dejavu-core, installed with Chromium by ``make install``)
covers the names of every language in the index; without it the report falls back to a
built-in font and replaces the characters it cannot show.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fpdf import FPDF

from contactpoint.records.subject_access import SubjectAccessReport, as_json
from contactpoint.web.plain import label, text

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


class _Document(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.unicode = FONT.exists() and BOLD.exists()
        if self.unicode:
            self.add_font("Body", "", str(FONT))
            self.add_font("Body", "B", str(BOLD))
        self.family_name = "Body" if self.unicode else "Helvetica"
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()

    def text_of(self, value: Any) -> str:
        words = "" if value is None else str(value)
        return words if self.unicode else words.encode("latin-1", "replace").decode("latin-1")

    def heading(self, words: str, size: int = 14) -> None:
        self.set_font(self.family_name, "B", size)
        self.multi_cell(0, 8, self.text_of(words), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def line_of(self, label: str, value: Any) -> None:
        self.set_font(self.family_name, "B", 10)
        self.cell(55, 6, self.text_of(label))
        self.set_font(self.family_name, "", 10)
        self.multi_cell(0, 6, self.text_of(value), new_x="LMARGIN", new_y="NEXT")

    def rows(self, title: str, items: Iterable[dict[str, Any]]) -> None:
        self.heading(title, 12)
        shown = False
        for item in items:
            shown = True
            for key, value in item.items():
                if value not in (None, "", {}, []):
                    self.line_of(label(key), text(value, key))
            self.ln(2)
        if not shown:
            self.set_font(self.family_name, "", 10)
            self.multi_cell(0, 6, "None held.", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)


def _full_name(name: dict[str, Any]) -> str:
    return " ".join(part for part in (name.get("given_names"), name.get("family_name")) if part)


def subject_access_pdf(report: SubjectAccessReport) -> bytes:
    """The report as PDF bytes: the record, the source records, involvements, flags and
    every access."""
    data = as_json(report)
    document = _Document()
    record = data["record"]
    document.heading("ContactPoint: the information held about a child", 16)
    document.line_of("ContactPoint ID", record["cp_id"])
    document.line_of("Prepared", f"{text(data['generated_at'])} by {data['generated_by']}")
    document.ln(3)
    document.heading("The record")
    for key in ("name", "date_of_birth", "gender", "date_of_death", "status"):
        value = record[key]
        if isinstance(value, dict):
            shown = value["value"] if "value" in value else _full_name(value)
            source = f" ({text(value['provenance'])})" if value.get("provenance") else ""
            document.line_of(label(key), f"{text(shown, key)}{source}")
        else:
            document.line_of(label(key), text(value, key))
    document.rows("Former names", record["former_names"])
    document.rows("Identifiers", record["identifiers"])
    document.rows("Addresses", record["address_history"])
    document.rows("Parents and carers", record["carers"])
    document.rows("Schools and GP practices", [*record["schools"], *record["gps"]])
    document.rows("Services involved", data["involvements"])
    document.rows("Vulnerability flags", data["flags"])
    document.rows("Records received from each source", data["source_records"])
    document.rows("Every access to the record", data["accesses"])
    return bytes(document.output())
