"""The report as a Word document (report/report.docx), for readers who circulate and comment in
Word: the same structure as the HTML page and the PDF (`report.document`), with headings Word's
navigation pane lists, a contents list and key findings that link to their numbered figures and
tables (bookmarks), figures with their alt text, and the synthetic-data label in every page's
header and every caption.

Byte-stable: fixed document properties and identifiers, and every file of the package dated
1980-01-01 (python-docx dates them with the clock)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from docx import Document as new_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from microcred.core import files, paths
from microcred.report import document
from microcred.report.document import Document, Figure
from microcred.report.formatting import SYNTHETIC_NOTE, ReaderTable

DOCX = paths.REPORT / "report.docx"
FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ACCENT = RGBColor(0x0B, 0x5C, 0xAD)
MUTED = RGBColor(0x57, 0x60, 0x6A)
WARN = RGBColor(0xB3, 0x47, 0x00)
WIDTH = Cm(16.5)  # A4 less the margins


class Writer:
    """One Word document being written: bookmarks get ids in the order they are made."""

    def __init__(self, doc: Document):
        self.docx = new_docx()
        self.bookmarks = 0
        self._page(doc.synthetic)

    def _page(self, synthetic: bool):
        section = self.docx.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.25)
        section.top_margin, section.bottom_margin = Cm(2), Cm(1.8)
        if synthetic:
            header = section.header.paragraphs[0]
            header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            self.run(header, "SYNTHETIC DATA: not the survey's responses", size=8, bold=True,
                     color=WARN)
        style = self.docx.styles["Normal"]
        style.font.name, style.font.size = "Calibri", Pt(10.5)

    def run(self, paragraph, text: str, size: float | None = None, bold: bool = False,
            color: RGBColor | None = None, superscript: bool = False):
        """Add a run of text to a paragraph in the given size, weight, colour and position."""
        r = paragraph.add_run(text)
        r.bold = bold or None
        if size:
            r.font.size = Pt(size)
        if color is not None:
            r.font.color.rgb = color
        if superscript:
            r.font.superscript = True
        return r

    def bookmark(self, paragraph, anchor: str):
        """Mark the paragraph as the target of links to `anchor`."""
        self.bookmarks += 1
        start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
        start.set(qn("w:id"), str(self.bookmarks))
        start.set(qn("w:name"), bookmark_name(anchor))
        end.set(qn("w:id"), str(self.bookmarks))
        paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, start)
        paragraph._p.append(end)

    def link(self, paragraph, text: str, anchor: str):
        """A link to a bookmark of this document."""
        hyperlink = OxmlElement("w:hyperlink")
        hyperlink.set(qn("w:anchor"), bookmark_name(anchor))
        r = self.run(paragraph, text, color=ACCENT)
        r.font.underline = True
        hyperlink.append(r._r)
        paragraph._p.append(hyperlink)

    # ------------------------------------------------------------------ blocks
    def title_block(self, doc: Document):
        """The title, subtitle and banners (synthetic data, disclosure control off)."""
        self.docx.core_properties.title = doc.title
        self.docx.add_heading(doc.title, level=0)
        self.run(self.docx.add_paragraph(), doc.subtitle, size=9, color=MUTED)
        if doc.disclosure_off:
            p = self.docx.add_paragraph()
            self.run(p, "Disclosure control is off. ", bold=True, color=WARN)
            self.run(p, document.DISCLOSURE_OFF_BANNER)
        if doc.synthetic:
            p = self.docx.add_paragraph()
            self.run(p, "Synthetic data. ", bold=True, color=WARN)
            self.run(p, document.SYNTHETIC_BANNER)
        self.docx.add_heading("Contents", level=1)
        for section in doc.sections:
            self.link(self.docx.add_paragraph(style="List Number"), section.heading, section.key)

    def section(self, section: document.Section):
        """A section: its heading, bookmarked for links, then each block by its kind."""
        heading = self.docx.add_heading(section.heading, level=1)
        self.bookmark(heading, section.key)
        for block in section.blocks:
            getattr(self, block.kind)(block)

    def paragraph(self, block: document.Paragraph):
        """A paragraph of prose."""
        self.docx.add_paragraph(block.text)

    def findings(self, block: document.Findings):
        """The key findings, numbered, each with links to where its numbers are shown."""
        for finding in block.items:
            p = self.docx.add_paragraph(style="List Number")
            self.run(p, finding.text)
            for k, ref in enumerate(finding.refs):
                self.run(p, " (" if k == 0 else ", ")
                self.link(p, ref.label, ref.anchor)
            if finding.refs:
                self.run(p, ")")

    def bullets(self, block: document.Bullets):
        """A titled bullet list."""
        self.docx.add_heading(block.title, level=2)
        for item in block.items:
            self.docx.add_paragraph(item, style="List Bullet")

    def figure(self, fig: Figure):
        """A figure's picture with its alt text, then its caption."""
        self.docx.add_picture(str(paths.FIGURES / f"{fig.name}.png"), width=WIDTH)
        picture = self.docx.paragraphs[-1]
        for properties in picture._p.iter(qn("wp:docPr")):
            properties.set("descr", fig.alt)  # the alt text Word reads out
            properties.set("name", fig.label)
        caption = self.docx.add_paragraph()
        self.run(caption, f"{fig.label}. ", bold=True, size=9)
        self.run(caption, f"{fig.title}. ", bold=True, size=9)
        self.run(caption, f"{fig.caption} figures/{fig.name}.svg", size=9, color=MUTED)
        self.bookmark(caption, fig.anchor)

    def table(self, block: document.TableBlock):
        """A reader table: caption, header and rows, footnotes and source."""
        tab: ReaderTable = block.table
        caption = self.docx.add_paragraph()
        caption.paragraph_format.keep_with_next = True
        self.run(caption, f"{tab.label}. {tab.title}", bold=True)
        self.bookmark(caption, tab.anchor)
        grid = self.docx.add_table(rows=1 + len(tab.rows), cols=len(tab.columns))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        hidden = set(tab.hidden)
        rows = [row.cells for row in grid.rows]  # looked up once: grid.cell() walks the table
        for j, label in enumerate(tab.columns):
            self._cell(rows[0][j], label, tab.numeric[j], bold=True)
        header = grid.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page
        repeat.set(qn("w:val"), "true")
        header.append(repeat)
        for i, row in enumerate(tab.rows):
            for j, value in enumerate(row):
                self._cell(rows[i + 1][j], value, tab.numeric[j], mark=(i, j) in hidden)
        notes = ([f"1 {tab.hidden_note}"] if tab.hidden_note else []) + list(tab.notes) \
            + ([tab.source_note] if tab.source_note else [])
        for note in notes:
            self.run(self.docx.add_paragraph(), note, size=8, color=MUTED)

    def _cell(self, cell, value: str, numeric: bool, bold: bool = False, mark: bool = False):
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.LEFT
        for k, line in enumerate(value.split("\n")):  # a label's own line breaks
            if k:
                p.runs[-1].add_break()
            self.run(p, line, size=8.5, bold=bold)
        if mark:
            self.run(p, "1", size=8.5, superscript=True)

    def files(self, block: document.Files):
        """The list of CSV files that come with the report."""
        for f in block.files:
            p = self.docx.add_paragraph()
            self.run(p, f"Table {f.number}. ", bold=True)
            rows = f"{f.rows:,} row" + ("" if f.rows == 1 else "s")
            self.run(p, f"{f.path} ({rows})" + (f": {f.description}" if f.description else ""))
            self.bookmark(p, f.anchor)


def bookmark_name(anchor: str) -> str:
    """A Word bookmark name: a letter first, letters, digits and underscores, at most 40."""
    return ("b_" + re.sub(r"\W", "_", anchor))[:40]


def render(doc: Document) -> bytes:
    """The report as .docx bytes, the same on every run (fixed dates and zip entries)."""
    writer = Writer(doc)
    writer.title_block(doc)
    for section in doc.sections:
        writer.section(section)
    properties = writer.docx.core_properties
    properties.author = properties.last_modified_by = "microcred"
    properties.created = properties.modified = properties.last_printed = FIXED_TIME
    properties.revision = 1
    properties.comments = SYNTHETIC_NOTE if doc.synthetic else ""
    out = io.BytesIO()
    writer.docx.save(out)
    return stable_zip(out.getvalue())


def stable_zip(package: bytes) -> bytes:
    """The same package with every member dated alike, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(member.filename))
    return out.getvalue()


def build(params: dict) -> Path:
    """Write report/report.docx (atomically; unchanged bytes are not rewritten)."""
    return files.write_bytes(DOCX, render(document.build(params)))
