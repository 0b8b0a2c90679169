"""The report as a PDF (report/report.pdf) for circulating: the same structure as the HTML page
(`report.document`: numbered figures and tables, key findings linked to them, the complete tables
as CSV files listed in the appendix), typeset by Typst (a package-index install, no system
libraries) from templates/report.typ, with the figures as vector graphics (their SVG files) and
the sections as the PDF's bookmarks.

The content goes to the template as JSON data, never as markup, so no answer, path or label can
change the document. The PDF is byte-stable: Typst's embedded fonts only (no system fonts), no
creation date, and identifiers derived from the content."""

from __future__ import annotations

import json
from pathlib import Path

from microcred.core import files, paths
from microcred.report import document

TEMPLATE = paths.TEMPLATES / "report.typ"
PDF = paths.REPORT / "report.pdf"


def content(params: dict) -> dict:
    """The report as data, with each figure's SVG named under the run's output root."""
    data = document.build(params).as_data()
    figures = paths.FIGURES.relative_to(paths.OUTPUT_ROOT).as_posix()
    for section in data["sections"]:
        for block in section["blocks"]:
            if block["kind"] == "figure":  # Typst reads it under the run's output root
                block["image"] = f"/{figures}/{block['name']}.svg"
    return data


def typeset(data: dict) -> dict:
    """The arguments every Typst call gets: the template, the run's output root (the figures are
    read from it, staged or in place) and the content as data; embedded fonts only, so every
    machine sets the same PDF."""
    return {"input": TEMPLATE.read_bytes(), "root": str(paths.OUTPUT_ROOT),
            "ignore_system_fonts": True,
            "sys_inputs": {"report": json.dumps(data)}}


def render(data: dict) -> bytes:
    """The report as PDF bytes, typeset by Typst from the same content as the HTML page."""
    import typst  # imported here: only this step needs the typesetter

    return typst.compile(**typeset(data), format="pdf")


def build(params: dict) -> Path:
    """Write report/report.pdf (atomically; unchanged bytes are not rewritten)."""
    return files.write_bytes(PDF, render(content(params)))
