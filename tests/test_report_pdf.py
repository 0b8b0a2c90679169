"""The PDF report: set from data (nothing in an answer, a label or a path is read as markup),
byte-stable, with the synthetic-data banner exactly when the data is synthetic."""

from __future__ import annotations

import pytest
import typst

from microcred.core import paths
from microcred.report import as_html, as_pdf, content
from microcred.survey import provenance

HOSTILE = ['#panic("evaluated")', "<unclosed", "*not bold* _nor italic_ $x^2$", "= not a heading",
           "@cite-nothing", "`raw` \\ back\\slash", "]) #{", 'a "quoted" value']


def document(synthetic: bool = True, text: str = "plain") -> dict:
    figure = {"name": "dispositions", "image": "/figures/dispositions.png", "title": f"Title {text}",
              "caption": f"Caption {text}"}
    return {"title": f"Report {text}", "subtitle": f"Export data/raw/{text}.csv", "synthetic": synthetic,
            "disclosure_off": False, "summary": [f"Finding {text}"], "methods": [f"Method {text}"],
            "hidden": {"columns": ["output", "primary"], "rows": [[f"tables/{text}.csv", "3"]]},
            "limitations": [text],
            "sections": [{"heading": f"Section {text}", "figures": [figure], "statement": None},
                         {"heading": "Inference", "figures": [], "statement": {
                             "columns": ["element", "value"], "rows": [["Sponsor", text]]}}],
            "tables": [{"name": "t", "file": f"tables/{text}.csv", "columns": ["metric", text],
                        "rows": [[text, "12.3 [10.0, 14.6]"], ["", "<0.001"]]}]}


@pytest.mark.parametrize("text", HOSTILE)
def test_text_from_the_data_is_set_literally_never_run_as_markup(text):
    pdf = as_pdf.render(document(text=text))  # markup would panic, or fail to parse
    assert pdf.startswith(b"%PDF-")


def test_the_pdf_is_byte_stable_and_carries_no_creation_date():
    first, second = as_pdf.render(document()), as_pdf.render(document())
    assert first == second
    assert b"/CreationDate" not in first and b"/ModDate" not in first


@pytest.mark.parametrize("synthetic", [True, False])
def test_the_synthetic_banner_appears_exactly_when_the_data_is_synthetic(synthetic):
    found = typst.query(**as_pdf.typeset(document(synthetic=synthetic)),
                        selector="<synthetic-banner>")
    assert (found != "[]") == synthetic


def test_every_figure_and_table_of_the_content_is_in_the_document():
    data = document()
    data["tables"] *= 3
    data["sections"][0]["figures"] *= 2
    inputs = as_pdf.typeset(data)
    assert typst.query(**inputs, selector="figure").count('"func": "figure"') == 2
    assert typst.query(**inputs, selector="table").count('"func": "table"') == 3 + 2  # + hidden cells, statement


@pytest.mark.parametrize("off", [True, False])
def test_a_run_without_disclosure_control_says_so_on_the_first_page(off):
    data = {**document(), "disclosure_off": off}
    found = typst.query(**as_pdf.typeset(data), selector="<disclosure-off-banner>")
    assert (found != "[]") == off


def test_notebook_04_passes_the_switch_to_both_reports_and_the_pdf_carries_the_notice(monkeypatch, tmp_path):
    """With disclosure control off and thresholds under the floors, notebook 04 runs both builds
    with the switch (before, the PDF step refused the thresholds) and the PDF's data sets the notice."""
    from microcred.release.policy import OFF, Policy

    given = {}
    monkeypatch.setattr(as_html, "build", lambda params: given.setdefault("html", params) and "")
    monkeypatch.setattr(content, "summary", lambda provenance: [])
    monkeypatch.setattr(provenance, "read_provenance", lambda: {})
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF")
    monkeypatch.setattr(as_pdf, "build", lambda params: given.setdefault("pdf", params) and pdf)
    source = (paths.ROOT / "notebooks" / "04_report.py").read_text(encoding="utf-8")
    injected = f"\nmin_group_size = 5\nmin_institutions = 2\ndisclosure_control = {OFF!r}\n"
    parameters = source.index("# %% tags=[\"parameters\"]")
    cell_end = source.index("# %%", parameters + 1)
    exec(compile(source[:cell_end] + injected + source[cell_end:], "04_report.py", "exec"), {})
    assert set(given) == {"html", "pdf"}
    for params in given.values():
        assert Policy.from_params(params).off
    data = {**document(), "disclosure_off": Policy.from_params(given["pdf"]).off}  # as content() sets it
    assert typst.query(**as_pdf.typeset(data), selector="<disclosure-off-banner>") != "[]"
