"""The report as one self-contained HTML page (figures as vector images inside, styles inside, no
network requests, no scripts), laid out from the report's structure (`report.document`).

Tables are set by great_tables from the formatted text (`report.formatting`): labels, alignment,
a footnote mark on every hidden cell and the source note linking the complete CSV. On a narrow
screen each row of a table reads as a card of "label: value" lines, so no column hides behind a
scroll; a figure opens full size when tapped or clicked (a CSS :target view, no script)."""

from __future__ import annotations

import base64
import re

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from microcred.core import files, paths
from microcred.report import document
from microcred.report.document import Document, Figure
from microcred.report.formatting import ReaderTable


def figure_html(fig: Figure) -> Markup:
    """The figure as an SVG image that opens full size, its number, title and caption once."""
    svg = (paths.FIGURES / f"{fig.name}.svg").read_bytes()
    data = base64.b64encode(svg).decode("ascii")
    width, height = _svg_size(svg)
    zoom = f"zoom-{fig.anchor}"
    return Markup(
        f'<figure id="{fig.anchor}">'
        f'<div class="zoom" id="{zoom}">'
        f'<a class="zoom-close" href="#{fig.anchor}">Close the full-size view of {fig.label}</a>'
        f'<a class="zoom-open" href="#{zoom}" title="Open {fig.label} full size">'
        f'<img src="data:image/svg+xml;base64,{data}" width="{width}" height="{height}" '
        f'alt="{escape(fig.alt)}"></a>'
        "</div>"
        f'<figcaption><span class="number">{fig.label}.</span> '
        f'<strong>{escape(fig.title)}.</strong> '
        f'{escape(fig.caption)} <a href="../figures/{fig.name}.svg">figures/{fig.name}.svg</a>'
        "</figcaption></figure>")


def _svg_size(svg: bytes) -> tuple[int, int]:
    """The drawing's size in CSS pixels (matplotlib writes it in points)."""
    found = re.search(rb'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    return (round(float(found[1]) * 4 / 3), round(float(found[2]) * 4 / 3)) if found else (768, 432)


def table_html(table: ReaderTable) -> Markup:
    """The table set by great_tables: the formatted text escaped once, each cell carrying its
    column's label for the narrow layout, a footnote mark on every hidden cell."""
    import pandas as pd
    from great_tables import GT, html, loc

    keys = [f"c{j}" for j in range(len(table.columns))]
    frame = pd.DataFrame(list(table.rows), columns=keys)
    labels = {k: html(str(escape(c)).replace("\n", "<br>")) for k, c in zip(keys, table.columns)}
    gt = GT(frame, id=f"{table.anchor}-body").cols_label(**labels)
    for key, label in zip(keys, table.columns):
        gt = gt.fmt(_labelled(label.replace("\n", " ")), columns=key)
    numeric = [k for k, is_number in zip(keys, table.numeric) if is_number]
    gt = gt.cols_align("left")
    if numeric:
        gt = gt.cols_align("right", columns=numeric)
    for i, j in table.hidden:
        gt = gt.tab_footnote(table.hidden_note, locations=loc.body(columns=keys[j], rows=[i]))
    for note in table.notes:
        gt = gt.tab_source_note(note)
    if table.source_note:
        source = escape(table.source_note)
        if table.source.endswith(".csv"):
            source = Markup(str(source).replace(
                str(escape(table.source)),
                f'<a href="../{escape(table.source)}">{escape(table.source)}</a>', 1))
        gt = gt.tab_source_note(html(str(source)))
    body = gt.tab_options(table_width="100%", table_font_size="14px",
                          container_overflow_x="visible").as_raw_html()
    return Markup(f'<figure class="table" id="{table.anchor}">'
                  f'<figcaption><span class="number">{table.label}.</span> '
                  f"{escape(table.title)}</figcaption>{body}</figure>")


def _labelled(label: str):
    """A cell's text escaped, after its column's label (shown only in the narrow layout)."""
    prefix = f'<span class="cell-label" aria-hidden="true">{escape(label)}</span>'
    return lambda value: prefix + str(escape(value))


def render(doc: Document) -> str:
    """The page. Every text is escaped (file names and answers are data, never markup); only
    the figures and tables built here from escaped text are passed as Markup."""
    env = Environment(loader=FileSystemLoader(paths.TEMPLATES), autoescape=True)
    return env.get_template("report.html").render(
        doc=doc, figure_html=figure_html, table_html=table_html,
        synthetic_banner=document.SYNTHETIC_BANNER,
        disclosure_banner=document.DISCLOSURE_OFF_BANNER)


def build(params: dict) -> str:
    """Write report/report.html from the outputs and parameters; returns the page."""
    page = render(document.build(params))
    files.write_bytes(paths.REPORT_HTML, page.encode("utf-8"))
    return page
