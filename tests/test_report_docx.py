"""The Word report (report/report.docx): the same content as the HTML page and the PDF, byte-stable,
text from the data kept as text, the synthetic-data label in every page's header, alt text on
every figure, and every link inside it landing on a bookmark."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.oxml.ns import qn
from test_report_pdf import HOSTILE, report

from microcred.core import paths
from microcred.report import as_docx


@pytest.fixture(scope="module", autouse=True)
def figure_exists():
    if not (paths.FIGURES / "dispositions.png").exists():
        pytest.skip("run `make report` first")


def opened(package: bytes):
    return docx.Document(io.BytesIO(package))


def test_the_document_is_byte_stable_and_dated_by_nobody():
    first, second = as_docx.render(report()), as_docx.render(report())
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {as_docx.ZIP_TIME}
    assert opened(first).core_properties.created == as_docx.FIXED_TIME


@pytest.mark.parametrize("text", HOSTILE + ["<w:p>xml</w:p> & more"])
def test_text_from_the_data_is_kept_as_text(text):
    word = opened(as_docx.render(report(text=text)))
    body = "\n".join(p.text for p in word.paragraphs)
    assert f"Finding {text}" in body and f"Section {text}" in body


@pytest.mark.parametrize("synthetic", [True, False])
def test_every_page_says_synthetic_exactly_when_the_data_is(synthetic):
    word = opened(as_docx.render(report(synthetic=synthetic)))
    header = " ".join(p.text for s in word.sections for p in s.header.paragraphs)
    assert ("SYNTHETIC DATA" in header) == synthetic


def test_figures_carry_their_alt_text_and_links_land_on_bookmarks():
    word = opened(as_docx.render(report(text="plain")))
    body = word.element.body
    assert [d.get("descr") for d in body.iter(qn("wp:docPr"))] == ["Alt plain"]
    bookmarks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    links = [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink"))]
    assert len(links) >= 2 + 3  # the finding's two references and the contents
    assert set(links) <= bookmarks
    assert len(word.tables) == 1 and word.tables[0].cell(2, 1).text == "not shown1"


def test_the_committed_word_report_has_every_figure_and_table_of_the_html_one():
    path = paths.REPORT / "report.docx"
    if not path.exists():
        pytest.skip("run `make report` first")
    word = opened(path.read_bytes())
    page = paths.REPORT_HTML.read_text(encoding="utf-8")
    assert len(list(word.element.body.iter(qn("wp:docPr")))) == page.count('<figure id="fig-')
    assert len(word.tables) == page.count('<figure class="table"')
