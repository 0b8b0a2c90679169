"""The report as a PDF (report/report.pdf) for circulating: the same summary, methods, limitations,
every figure and every table as report/report.html, typeset by Typst (a package-index install,
no system libraries) from templates/report.typ.

The content goes to the template as JSON data, never as markup, so no answer, path or label can
change the document. The PDF is byte-stable: Typst's embedded fonts only (no system fonts), no
creation date, and identifiers derived from the content."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from microcred.core import files, paths
from microcred.release.policy import Policy
from microcred.report import content as report
from microcred.survey.provenance import read_provenance

TEMPLATE = paths.TEMPLATES / "report.typ"
PDF = paths.REPORT / "report.pdf"


def figure(name: str) -> dict:
    meta = json.loads((paths.FIGURES / f"{name}.json").read_text(encoding="utf-8"))
    image = (paths.FIGURES / f"{name}.png").relative_to(paths.OUTPUT_ROOT).as_posix()
    return {"name": name, "image": f"/{image}",  # Typst reads it under the run's output root
            "title": meta["title"], "caption": meta["caption"]}


def text_table(frame: pd.DataFrame) -> dict:
    cells = frame.astype(object).where(frame.notna(), "").astype(str)
    return {"columns": [str(c) for c in frame.columns], "rows": cells.to_numpy().tolist()}


def table(name: str) -> dict:
    """A table as the HTML report shows it (intervals in one cell, p-values readable), as text."""
    frame = report.readable(pd.read_csv(paths.TABLES / f"{name}.csv", keep_default_na=False,
                                        na_values=[""]))
    return {"name": name, "file": f"tables/{name}.csv", **text_table(frame)}


HEADINGS = {"cleaning": "Cleaning", "regional": "Regional comparison", "barriers": "Barrier analysis",
            "inference": "Survey inference and transparency",
            "published": "Published against reproduced", "other": "Other figures"}


def sections(figures: list[str], statement: dict) -> list[dict]:
    """The figures under the HTML report's section headings, in its order, then any other; the
    transparency statement opens the inference section, as in the HTML report."""
    placed = {k: [f for f in fs if f in figures] for k, (fs, _) in report.SECTIONS.items()}
    placed["other"] = [f for f in figures if not any(f in fs for fs in placed.values())]
    return [{"heading": HEADINGS.get(k, k.capitalize()), "figures": [figure(f) for f in fs],
             "statement": statement if k == "inference" else None}
            for k, fs in placed.items() if fs or k == "inference"]


def table_order(tables: list[str]) -> list[str]:
    placed = [t for _, ts in report.SECTIONS.values() for t in ts if t in tables]
    return placed + [t for t in tables if t not in placed]


def content(params: dict) -> dict:
    provenance = read_provenance()
    figures = sorted(p.stem for p in paths.FIGURES.glob("*.png"))
    tables = sorted(p.stem for p in paths.TABLES.glob("*.csv"))
    return {
        "title": report.TITLE,
        "subtitle": report.subtitle(provenance, params),
        "synthetic": bool(provenance["synthetic"]),
        "disclosure_off": Policy.from_params(params).off,
        "summary": report.summary(provenance),
        "methods": report.methods(provenance, params),
        "hidden": text_table(report.hidden_counts()),
        "limitations": report.limitations(),
        "sections": sections(figures, text_table(report.statement_table(provenance, params))),
        "tables": [table(t) for t in table_order(tables)],
    }


def typeset(data: dict) -> dict:
    """The arguments every Typst call gets: the template, the run's output root (the figures are
    read from it, staged or in place) and the content as data; embedded fonts only, so every
    machine sets the same PDF."""
    return {"input": TEMPLATE.read_bytes(), "root": str(paths.OUTPUT_ROOT), "ignore_system_fonts": True,
            "sys_inputs": {"report": json.dumps(data)}}


def render(data: dict) -> bytes:
    import typst  # imported here: only this step needs the typesetter

    return typst.compile(**typeset(data), format="pdf")


def build(params: dict) -> Path:
    """Write report/report.pdf (atomically; unchanged bytes are not rewritten)."""
    return files.write_bytes(PDF, render(content(params)))
