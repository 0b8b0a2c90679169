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
# Assembles `report/report.html` from the tables, figures and provenance the earlier notebooks
# wrote: one self-contained page (images and styles embedded, no network requests, no code).

# %% tags=["parameters"]
confidence_level = 0.95
min_group_size = 30
min_institutions = 5
disclosure_control = "on"
protection_width = 3

# %%
from microcred.core import paths
from microcred.report import as_html, content
from microcred.survey.provenance import read_provenance

page = as_html.build({"confidence_level": confidence_level, "min_group_size": min_group_size,
                     "min_institutions": min_institutions, "disclosure_control": disclosure_control,
                     "protection_width": protection_width})
print(f"wrote {paths.relative(paths.REPORT / 'report.html')}: {len(page.encode()) / 1e6:.1f} MB")
for item in content.summary(read_provenance()):
    print("-", item)

# %%
# The same report as a PDF for circulating (Typst; byte-stable): report/report.pdf
from microcred.report import as_pdf

pdf = as_pdf.build({"confidence_level": confidence_level, "min_group_size": min_group_size,
                        "min_institutions": min_institutions,
                        "disclosure_control": disclosure_control,
                        "protection_width": protection_width})
print(f"wrote {paths.relative(pdf)}: {pdf.stat().st_size / 1e6:.1f} MB")
