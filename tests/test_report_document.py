"""The report's structure (report.document), one for every format: the sections pipeline.yaml
lists, figures and tables numbered in reading order, every key finding linked to the figure or
table that shows it, every complete table listed as its CSV file; and the three formats (HTML,
PDF, Word) carry the same sections."""

from __future__ import annotations

import io
import re
from functools import cache

import pytest

from microcred.core import manifest, paths
from microcred.report import content, document
from microcred.tooling import params


@cache
def built() -> document.Document:
    if not (paths.PROCESSED / "provenance.json").exists():
        pytest.skip("run `make report` first")
    return document.build(params.effective("04_report", paths.PARAMS))


def test_the_sections_are_pipeline_yamls_in_its_order():
    doc = built()
    declared = manifest.report_sections()
    assert [s.heading for s in doc.sections] == [s.heading for s in declared]
    assert [s.key for s in doc.sections] == [s.key for s in declared]
    assert content.SECTIONS == declared


def test_figures_and_tables_are_numbered_in_reading_order():
    doc = built()
    assert [f.number for f in doc.figures()] == list(range(1, len(doc.figures()) + 1))
    assert [t.number for t in doc.tables()] == [str(i) for i in range(1, len(doc.tables()) + 1)]
    assert {f.name for f in doc.figures()} == {p.stem for p in paths.FIGURES.glob("*.json")}


def test_every_key_finding_links_to_a_figure_or_table_that_is_in_the_report():
    doc = built()
    [findings] = [b for s in doc.sections for b in s.blocks if isinstance(b, document.Findings)]
    assert len(findings.items) >= 5
    anchors = {f.anchor: f.label for f in doc.figures()} \
        | {t.anchor: t.label for t in doc.tables()} \
        | {f.anchor: f"Table {f.number}" for s in doc.sections for b in s.blocks
           if isinstance(b, document.Files) for f in b.files}
    for finding in findings.items:
        assert finding.refs, finding.text
        assert all(anchors.get(r.anchor) == r.label for r in finding.refs), finding


def test_every_table_of_the_run_is_listed_as_its_csv_in_the_appendix():
    doc = built()
    [files] = [b for b in doc.sections[-1].blocks if isinstance(b, document.Files)]
    assert {f.path for f in files.files} == {f"tables/{p.name}" for p in paths.TABLES.glob("*.csv")}
    assert [f.number for f in files.files] == [f"A{i}" for i in range(1, len(files.files) + 1)]


def test_a_figure_placed_in_no_section_still_gets_one_before_the_appendix(monkeypatch):
    sections = [manifest.Section("a", "A", (), ("x",), ()),
                manifest.Section("appendix", "Appendix", ("files",), (), ())]
    monkeypatch.setattr(content, "SECTIONS", sections)
    out = document.sections_with_the_rest(["x", "y"])
    assert [s.key for s in out] == ["a", "other", "appendix"] and out[1].figures == ("y",)
    assert document.sections_with_the_rest(["x"]) == sections


def test_the_html_pdf_and_word_reports_carry_the_same_sections():
    import docx
    import pypdfium2

    headings = [s.heading for s in built().sections]
    page = (paths.REPORT_HTML).read_text(encoding="utf-8")
    html_headings = re.findall(r'<section id="[\w-]+"[^>]*>\s*<h2[^>]*>([^<]*)</h2>', page)
    assert html_headings == headings
    pdf = pypdfium2.PdfDocument(paths.REPORT / "report.pdf")
    assert [b.get_title() for b in pdf.get_toc() if b.level == 0] == headings
    word = docx.Document(io.BytesIO((paths.REPORT / "report.docx").read_bytes()))
    assert [p.text for p in word.paragraphs if p.style.name == "Heading 1"] == ["Contents",
                                                                                *headings]
