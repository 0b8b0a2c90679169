"""The report's fixed prose comes from templates/report_text.j2 as plain text, one string per
paragraph; values are filled in unescaped here because the page escapes them once."""

from microcred.report import as_html, content, document


def test_a_block_gives_one_line_per_paragraph():
    limitations = content.limitations()
    assert len(limitations) == 5
    assert all("\n" not in item and "  " not in item for item in limitations)


def test_values_are_formatted_and_left_for_the_page_to_escape():
    [text] = content.prose("weighted", margins="region", frame="frame & <b>.csv", kish_deff=1.234,
                          n_eff=12345.6, weight_min=0.5, weight_max=3.25)
    assert "population frame frame & <b>.csv;" in text
    assert "design effect 1.23, effective n 12,346, weights from 0.50 to 3.25 times" in text
    doc = document.Document("t", "", False, False,
                            (document.Section("s", "S", (document.Paragraph(text),)),))
    page = as_html.render(doc)
    assert "frame &amp; &lt;b&gt;.csv" in page and "<b>.csv" not in page
