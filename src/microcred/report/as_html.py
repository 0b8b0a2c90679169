"""The report as one self-contained HTML page (images and styles inside, no network requests, no
code), from the content the tables, figures and provenance give (`report.content`)."""

from __future__ import annotations

import base64
import html
import json

import pandas as pd
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from microcred.core import files, paths
from microcred.release.policy import Policy
from microcred.report.content import (
    SECTIONS,
    TITLE,
    hidden_counts,
    limitations,
    methods,
    readable,
    statement_table,
    subtitle,
    summary,
)
from microcred.survey.provenance import read_provenance

OPEN_TABLES = {"dispositions", "focus_region_vs_rest", "barrier_findings", "published_vs_reproduced",
               "weighting_diagnostics", "not_sure_sensitivity", "equivalence_tests"}


def figure_html(name: str) -> str:
    png = (paths.FIGURES / f"{name}.png").read_bytes()
    meta = json.loads((paths.FIGURES / f"{name}.json").read_text(encoding="utf-8"))
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure id="fig-{name}"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(meta["title"])}"><figcaption><strong>{html.escape(meta["title"])}.'
            f'</strong> {html.escape(meta["caption"])} <code>figures/{name}.png</code>'
            "</figcaption></figure>")


def table_html(name: str) -> str:
    table = pd.read_csv(paths.TABLES / f"{name}.csv", keep_default_na=False, na_values=[""])
    shown = readable(table)
    body = shown.to_html(index=False, border=0, escape=True, na_rep="")
    opened = " open" if name in OPEN_TABLES else ""
    return (f'<details id="tab-{name}"{opened}><summary>Table <code>tables/{name}.csv</code> '
            f"({len(table):,} rows)</summary><div class=\"table-wrap\">{body}</div></details>")


def _section(figures: list[str], tables: list[str]) -> str:
    return "\n".join([figure_html(f) for f in figures] + [table_html(t) for t in tables])


def render(**context) -> str:
    """The page. Every value is escaped (file names and answers are data, never markup); only
    the sections and tables built here with escaped cells are passed as Markup."""
    env = Environment(loader=FileSystemLoader(paths.TEMPLATES), autoescape=True)
    return env.get_template("report.html").render(**context)


def build(params: dict) -> str:
    provenance = read_provenance()
    figures = sorted(p.stem for p in paths.FIGURES.glob("*.png"))
    tables = sorted(p.stem for p in paths.TABLES.glob("*.csv"))
    placed_f = {f for fs, _ in SECTIONS.values() for f in fs}
    placed_t = {t for _, ts in SECTIONS.values() for t in ts}
    sections = {k: _section([f for f in fs if f in figures], [t for t in ts if t in tables])
                for k, (fs, ts) in SECTIONS.items()}
    sections["other"] = _section([f for f in figures if f not in placed_f],
                                 [t for t in tables if t not in placed_t])
    policy = Policy.from_params(params)
    page = render(
        title=TITLE,
        subtitle=subtitle(provenance, params),
        synthetic=provenance["synthetic"], summary=summary(provenance),
        disclosure_off=policy.off, methods=methods(provenance, params),
        hidden=Markup(hidden_table()), limitations=limitations(),
        transparency=Markup(statement_html(provenance, params)),
        sections={k: Markup(v) for k, v in sections.items()},
        files=[f"figures/{f}.png" for f in figures] + [f"tables/{t}.csv" for t in tables])
    files.write_bytes(paths.REPORT / "report.html", page.encode("utf-8"))
    return page


def statement_html(provenance: dict, params: dict) -> str:
    """The transparency statement (AAPOR Transparency Initiative elements) as an escaped table."""
    table = statement_table(provenance, params)
    return table.to_html(index=False, header=False, border=0, escape=True)


def hidden_table() -> str:
    return hidden_counts().to_html(index=False, border=0, escape=True)
