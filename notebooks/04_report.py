# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python (microcred)
#     language: python
#     name: microcred
# ---

# %% [markdown]
# # 4. The report
#
# Assembles the report from the tables, figures and provenance the earlier notebooks wrote, in
# three formats from one structure (`report.document`): `report/report.html`, one self-contained
# page (figures and styles embedded, no network requests, no code); `report/report.pdf` for
# printing; `report/report.docx` for readers who comment in Word.

# %% tags=["parameters"]
confidence_level = 0.95
min_group_size = 30
min_institutions = 5
disclosure_control = "on"
protection_width = 3

# %%
from microcred.core import paths
from microcred.report import as_docx, as_html, as_pdf, content
from microcred.survey.provenance import read_provenance

params = {"confidence_level": confidence_level, "min_group_size": min_group_size,
          "min_institutions": min_institutions, "disclosure_control": disclosure_control,
          "protection_width": protection_width}
page = as_html.build(params)
print(f"wrote {paths.relative(paths.REPORT_HTML)}: {len(page.encode()) / 1e6:.1f} MB")
for finding in content.summary(read_provenance()):
    print("-", finding.text)

# %%
# The same report as a PDF for circulating and as a Word document (both byte-stable)
for built in (as_pdf.build(params), as_docx.build(params)):
    print(f"wrote {paths.relative(built)}: {built.stat().st_size / 1e6:.1f} MB")
