"""The PDF report: set from data (nothing in an answer, a label or a path is read as markup),
byte-stable, with the synthetic-data banner exactly when the data is synthetic, figures as vector
graphics, the sections as bookmarks, findings linked to their figures and tables, and no text
running off a page."""

from __future__ import annotations

import json

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
import typst

from microcred.core import paths
from microcred.report import as_html, as_pdf, content, document
from microcred.report.formatting import ReaderTable
from microcred.survey import provenance

HOSTILE = ['#panic("evaluated")', "<unclosed", "*not bold* _nor italic_ $x^2$", "= not a heading",
           "@cite-nothing", "`raw` \\ back\\slash", "]) #{", 'a "quoted" value']


def report(synthetic: bool = True, text: str = "plain", off: bool = False,
           cell: str = "12.3 (10.0–14.6)") -> document.Document:
    """A small document of every kind of block, with `text` wherever the data puts text."""
    figure = document.Figure("dispositions", 1, f"Title {text}", f"Caption {text}", f"Alt {text}")
    table = ReaderTable(name="t", title=f"Table {text}", columns=("Measure", f"n\n{text}"),
                        numeric=(False, True), rows=((text, cell), ("b", "not shown")),
                        hidden=((1, 1),), hidden_note=f"Not shown: {text}.", notes=(text,),
                        source=f"tables/{text}.csv", synthetic=synthetic, number="1")
    files = document.Files((document.CsvFile("t", "A1", text, 2),))
    finding = document.KeyFinding(f"Finding {text}", (document.Ref("Figure 1", figure.anchor),
                                                      document.Ref("Table 1", table.anchor)))
    return document.Document(f"Report {text}", f"Export data/raw/{text}.csv", synthetic, off, (
        document.Section("findings", f"Findings {text}", (document.Findings((finding,)),)),
        document.Section("s", f"Section {text}", (document.Paragraph(text), figure,
                                                  document.TableBlock(table))),
        document.Section("end", "Appendix", (document.Bullets(f"List {text}", (text,)), files))))


def pdf_of(doc: document.Document) -> bytes:
    data = doc.as_data()
    data["sections"][1]["blocks"][1]["image"] = "/figures/dispositions.svg"
    return as_pdf.render(data)


@pytest.fixture(scope="module", autouse=True)
def figure_exists():
    if not (paths.FIGURES / "dispositions.svg").exists():
        pytest.skip("run `make report` first")


@pytest.mark.parametrize("text", HOSTILE)
def test_text_from_the_data_is_set_literally_never_run_as_markup(text):
    pdf = pdf_of(report(text=text))  # markup would panic, or fail to parse
    page_text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(pdf))
    assert text.replace(" ", "") in page_text.replace(" ", "").replace("\r\n", "")


def test_the_pdf_is_byte_stable_and_carries_no_creation_date():
    first, second = pdf_of(report()), pdf_of(report())
    assert first == second
    assert b"/CreationDate" not in first and b"/ModDate" not in first


def typeset_report(**kw) -> dict:
    data = report(**kw).as_data()
    data["sections"][1]["blocks"][1]["image"] = "/figures/dispositions.svg"
    return as_pdf.typeset(data)


@pytest.mark.parametrize("synthetic", [True, False])
def test_the_synthetic_banner_appears_exactly_when_the_data_is_synthetic(synthetic):
    found = typst.query(**typeset_report(synthetic=synthetic), selector="<synthetic-banner>")
    assert (found != "[]") == synthetic


@pytest.mark.parametrize("off", [True, False])
def test_a_run_without_disclosure_control_says_so_on_the_first_page(off):
    found = typst.query(**typeset_report(off=off), selector="<disclosure-off-banner>")
    assert (found != "[]") == off


def test_findings_link_to_the_labels_of_their_figure_and_table():
    inputs = typeset_report()
    for anchor in ("fig-dispositions", "tab-t", "csv-t"):
        assert json.loads(typst.query(**inputs, selector=f"<{anchor}>")), anchor
    links = json.loads(typst.query(**inputs, selector="link"))
    assert {"<fig-dispositions>", "<tab-t>"} <= {str(link["dest"]) for link in links}


def off_the_page(pdf: bytes, tolerance: float = 0.5) -> list[tuple[int, str]]:
    """(page, character) for every character drawn outside its page."""
    out = []
    for number, page in enumerate(pypdfium2.PdfDocument(pdf), 1):
        width, height = page.get_size()
        text = page.get_textpage()
        for i in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(i)
            if left < -tolerance or bottom < -tolerance or right > width + tolerance \
                    or top > height + tolerance:
                out.append((number, text.get_text_range(i, 1)))
    return out


def overlapping_text(pdf: bytes, share: float = 0.3) -> list[tuple[int, str, str]]:
    """(page, text, text) for every two runs of text drawn over each other (a table column too
    narrow for its text spills into the next)."""
    out = []
    for number, page in enumerate(pypdfium2.PdfDocument(pdf), 1):
        text = page.get_textpage()
        runs = [text.get_rect(i) for i in range(text.count_rects())]
        for i, a in enumerate(runs):
            for b in runs[i + 1:]:
                width = min(a[2], b[2]) - max(a[0], b[0])
                height = min(a[3], b[3]) - max(a[1], b[1])
                smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
                if width > 0 and height > 0 and width * height > share * smaller > 0:
                    out.append((number, text.get_text_bounded(*a), text.get_text_bounded(*b)))
    return out


def test_the_check_finds_text_running_off_the_page():
    long = "x" * 400  # one word, in a column that does not wrap
    assert off_the_page(pdf_of(report(cell=long)))
    assert not off_the_page(pdf_of(report()))


def committed_pdf() -> bytes:
    pdf = paths.REPORT / "report.pdf"
    if not pdf.exists():
        pytest.skip("run `make report` first")
    return pdf.read_bytes()


def test_no_text_of_the_report_runs_off_a_page_or_over_other_text():
    assert not off_the_page(committed_pdf())
    assert not overlapping_text(committed_pdf())


def test_a_long_cell_wraps_in_its_column_instead_of_spilling_into_the_next():
    long = " ".join(["United States; India; Mexico; Colombia; Philippines"] * 3)
    pdf = pdf_of(report(cell=long))
    assert not overlapping_text(pdf) and not off_the_page(pdf)


def test_the_figures_are_vector_graphics_and_the_sections_bookmarks():
    pdf = pypdfium2.PdfDocument(committed_pdf())
    images = [o.get_bounds() for page in pdf
              for o in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]
    # every figure is drawn from its SVG; the only pictures are the heatmaps' colour scales
    assert all(right - left < 20 for left, _, right, _ in images), images
    bookmarks = [b.get_title() for b in pdf.get_toc()]
    assert "Key findings" in bookmarks and "Appendix: every table as a CSV file" in bookmarks
    assert len(pdf) < 31  # not 20 pages of raw tables


def test_notebook_04_passes_the_switch_to_every_format_and_the_pdf_carries_the_notice(monkeypatch,
                                                                                      tmp_path):
    """With disclosure control off and thresholds under the floors, notebook 04 builds every
    format with the switch (before, the PDF step refused the thresholds) and the PDF sets the
    notice."""
    from microcred.release.policy import OFF, Policy
    from microcred.report import as_docx

    given = {}
    monkeypatch.setattr(as_html, "build", lambda params: given.setdefault("html", params) and "")
    monkeypatch.setattr(content, "summary", lambda provenance: [])
    monkeypatch.setattr(provenance, "read_provenance", lambda: {})
    built = tmp_path / "report.pdf"
    built.write_bytes(b"%PDF")
    for name, module in (("pdf", as_pdf), ("docx", as_docx)):
        monkeypatch.setattr(module, "build",
                            lambda params, name=name: given.setdefault(name, params) and built)
    source = (paths.ROOT / "notebooks" / "04_report.py").read_text(encoding="utf-8")
    injected = f"\nmin_group_size = 5\nmin_institutions = 2\ndisclosure_control = {OFF!r}\n"
    parameters = source.index("# %% tags=[\"parameters\"]")
    cell_end = source.index("# %%", parameters + 1)
    exec(compile(source[:cell_end] + injected + source[cell_end:], "04_report.py", "exec"), {})
    assert set(given) == {"html", "pdf", "docx"}
    for params in given.values():
        assert Policy.from_params(params).off
    found = typst.query(**typeset_report(off=Policy.from_params(given["pdf"]).off),
                        selector="<disclosure-off-banner>")
    assert found != "[]"
