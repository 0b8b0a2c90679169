"""Outputs: byte-stable figures, disclosure control in every table, no personal data anywhere
downstream of the cleaning step, and the synthetic label on every figure."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from microcred.core import files, paths
from microcred.report import plots
from microcred.survey import region_schemes
from microcred.synthetic import generator as synth
from microcred.tooling import params

PUBLISHED_DIRS = [paths.TABLES, paths.FIGURES, paths.REPORT, paths.PROCESSED]
# the disclosure thresholds the committed outputs were made with
THRESHOLDS = params.effective("02_regional_comparison", paths.ROOT / "params.yaml")
MIN_N, MIN_INSTITUTIONS = THRESHOLDS["min_group_size"], THRESHOLDS["min_institutions"]


def draw():
    fig, ax = plots.new_figure()
    ax.bar(["a", "b"], [1, 2])
    return fig


def test_save_figure_is_byte_stable_and_carries_no_date(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "FIGURES", tmp_path)
    figures = plots.setup(synthetic=True)
    figures.save(draw(), "f", "Title", "Caption (n=2).")
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    figures.save(draw(), "f", "Title", "Caption (n=2).")
    assert first == {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    svg = first["f.svg"].decode()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert b"matplotlib version" not in first["f.png"].lower()
    assert "SYNTHETIC DATA" in json.loads(first["f.json"])["caption"]


def test_only_synthetic_data_is_captioned_synthetic(tmp_path, monkeypatch):
    """The label travels with each notebook's Figures value, not in the module: a notebook on
    real data after one on synthetic data (in one kernel) is not labelled synthetic."""
    monkeypatch.setattr(paths, "FIGURES", tmp_path)
    synthetic, real = plots.setup(synthetic=True), plots.setup(synthetic=False)
    real.save(draw(), "real", "Title", "Caption.")
    synthetic.save(draw(), "synthetic", "Title", "Caption.")
    assert json.loads((tmp_path / "real.json").read_text())["caption"] == "Caption."
    assert plots.SYNTHETIC_NOTE in json.loads((tmp_path / "synthetic.json").read_text())["caption"]


def test_title_and_caption_are_said_by_the_report_not_drawn_in_the_figure(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "FIGURES", tmp_path)
    plots.setup(synthetic=True).save(draw(), "f", "A finding as title", "A caption (n=2).")
    svg = (tmp_path / "f.svg").read_text()
    meta = json.loads((tmp_path / "f.json").read_text())
    assert meta["title"] == "A finding as title" and meta["alt"].startswith("Bar chart.")
    fig = draw()
    plots.Figures(synthetic=False).save(fig, "g", "Title", "Caption.", alt="Two bars.")
    assert json.loads((tmp_path / "g.json").read_text())["alt"] == "Two bars."
    assert fig.get_suptitle() == "" and fig.get_supxlabel() == ""
    assert "SYNTHETIC" not in (tmp_path / "g.svg").read_text()
    assert svg.count("<g id=\"text_") >= 1  # the synthetic stamp, drawn (as paths) in the image


def hidden_matrix() -> pd.DataFrame:
    labels = ["a", "b", "c", "other"]
    lift = pd.DataFrame([[np.nan, 1.2, 1.5, np.nan], [1.2, np.nan, np.nan, np.nan],
                         [1.5, np.nan, np.nan, np.nan], [np.nan] * 4], index=labels, columns=labels)
    return lift


def drawn_heatmap(**kw):
    fig, ax = plots.new_figure()
    plots.heatmap(ax, hidden_matrix(), fmt=".2f", **kw)
    fig.canvas.draw()
    return fig, ax


def test_a_hidden_cell_is_hatched_and_says_not_shown():
    fig, ax = drawn_heatmap(hatch_hidden=True, triangle="lower")
    labels = [t.get_text() for t in ax.texts]
    assert labels.count(plots.HIDDEN_LABEL) == 1  # (c, b): the one hidden pair below the diagonal
    assert sum(p.get_hatch() == "////" for p in ax.patches) == 1
    fig, ax = drawn_heatmap()
    assert plots.HIDDEN_LABEL not in [t.get_text() for t in ax.texts]


def test_a_symmetric_matrix_shows_one_triangle_and_no_row_without_a_value():
    fig, ax = drawn_heatmap(hatch_hidden=True, triangle="lower")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "c"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    values = [t.get_text() for t in ax.texts if t.get_text() != plots.HIDDEN_LABEL]
    assert sorted(values) == ["1.20", "1.50"]  # each pair once
    assert "other" in fig.get_supxlabel()  # left out, and said so
    with pytest.raises(ValueError):
        drawn_heatmap(triangle="upper")


def test_legends_sit_outside_the_data():
    fig, ax = plots.new_figure()
    table = pd.DataFrame({"label": ["x", "y"] * 2, "hue": ["p", "p", "q", "q"],
                          "pct": [10.0, 90.0, 12.0, 88.0], "ci_low": [5.0, 85, 7, 83],
                          "ci_high": [15.0, 95, 17, 93]})
    plots.interval_plot(ax, table, "label", hue="hue")
    fig.canvas.draw()
    [legend] = fig.legends
    renderer = fig.canvas.get_renderer()
    assert not legend.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))
    assert ax.get_legend() is None


def test_the_forest_plot_draws_the_interval_it_is_told_and_names_its_points():
    table = pd.DataFrame({"label": ["a", "b"], "diff_pp": [5.0, 1.0], "diff_low": [1.0, -1.0],
                          "diff_high": [9.0, 3.0], "adj_low": [-2.0, -4.0], "adj_high": [12.0, 6.0],
                          "p_adjusted": [0.01, 0.5]})
    fig, ax = plots.new_figure()
    plots.forest(ax, table, low="adj_low", high="adj_high", names=("filled", "open"))
    [bars] = [c for c in ax.collections if type(c).__name__ == "LineCollection"][:1]
    assert [round(s[0][0]) for s in bars.get_segments()] == [-2, -4]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["filled", "open"]


def test_write_bytes_leaves_an_unchanged_file_untouched(tmp_path):
    path = files.write_bytes(tmp_path / "x.csv", b"a\n")
    stamp = path.stat().st_mtime_ns
    files.write_bytes(path, b"a\n")
    assert path.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob(".*.tmp"))


def committed_tables():
    return sorted(paths.TABLES.glob("*.csv"))


def test_every_figure_has_png_svg_and_a_synthetic_caption():
    names = sorted(p.stem for p in paths.FIGURES.glob("*.png"))
    assert names, "run `make report`"
    for name in names:
        assert (paths.FIGURES / f"{name}.svg").exists()
        meta = json.loads((paths.FIGURES / f"{name}.json").read_text())
        assert "n=" in meta["caption"] or "n:" in meta["caption"], name
        assert "SYNTHETIC DATA" in meta["caption"], name
        assert len(meta["alt"]) > 40, name  # every figure has alt text


@pytest.mark.parametrize("table", committed_tables(), ids=lambda p: p.stem)
def test_no_group_below_the_minimum_size_is_shown(table):
    frame = pd.read_csv(table)
    values = [c for c in ("count", "pct", "ci_low", "ci_high") if c in frame]
    if "suppressed" in frame:
        hidden = frame[frame["suppressed"]]
        assert hidden[values].isna().all().all()
        shown = frame[~frame["suppressed"]]
        assert (shown["n"] >= MIN_N).all()
    elif "n_group" in frame:  # a group against the rest (or, for a claim, against all)
        shown = frame[frame["diff_pp"].notna()]
        sizes = [c for c in ("n_group", "n_rest", "n_all") if c in frame]
        assert (shown[sizes] >= MIN_N).all().all()
    elif "count" in frame:  # combinations of barriers: rare ones are not listed
        assert (frame["count"] >= MIN_N).all()


def test_countries_appear_only_above_the_minimum_size():
    est = pd.read_csv(paths.TABLES / "estimates.csv")
    countries = est[est["group_type"].eq("country")]
    assert (countries.groupby("group")["n"].max() >= MIN_N).all()


def personal_values() -> list[str]:

    raw = synth.leaders_export()
    values = []
    for column in ("RecipientEmail", "IPAddress", "institution", "comments", "barriers_8_TEXT"):
        values += [v for v in raw[column].unique() if isinstance(v, str) and len(v.strip()) > 6]
    # a coordinate alone is just a number (an SVG is full of them): look for the pair
    values += list(raw["LocationLatitude"] + "," + raw["LocationLongitude"])
    return sorted(set(values))


def test_no_personal_value_reaches_any_output():
    needles = personal_values()
    assert len(needles) > 1000
    files = [p for d in PUBLISHED_DIRS if d.exists() for p in d.rglob("*")
             if p.is_file() and p.suffix in {".csv", ".json", ".html", ".md", ".svg", ".ipynb"}]
    assert files
    leaks = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="ignore")
        leaks += [(path.name, n) for n in needles if n in text]
    assert not leaks, leaks[:5]


def hidden_remainders(table: pd.DataFrame) -> list[tuple]:
    """(metric, parent, parts, remainder) where a total minus its shown parts is a small group."""

    region_of = region_schemes.country_table().set_index("country")["region"].to_dict()
    problems = []
    for metric, rows in table.groupby("metric"):
        overall = rows[rows["group_type"].eq("all")]
        families = [(overall, rows[rows["group_type"].eq(t)])
                    for t in rows["group_type"].unique() if t != "all"]
        for region in rows.loc[rows["group_type"].eq("region"), "group"]:
            parts = rows[rows["group_type"].eq("country") & rows["group"].map(region_of).eq(region)]
            whole = rows[rows["group_type"].eq("region") & rows["group"].eq(region)]
            families.append((whole, parts))
        for parent, parts in families:
            if len(parent) != 1 or parent["suppressed"].iat[0] or parts.empty:
                continue
            left = parent["n"].iat[0] - parts.loc[~parts["suppressed"], "n"].sum()
            if 0 < left < MIN_N:
                problems.append((metric, parent["group"].iat[0], parts["group_type"].iat[0], left))
    return problems


@pytest.mark.parametrize("name", ["estimates", "barriers_by_region", "non_offering"])
def test_no_suppressed_cell_can_be_worked_back_by_subtraction(name):
    assert not hidden_remainders(pd.read_csv(paths.TABLES / f"{name}.csv"))


def test_published_comparison_shows_no_small_group():
    table = pd.read_csv(paths.TABLES / "published_vs_reproduced.csv")
    shown = table[table["unit"].eq("percent") & table["reproduced"].notna()]
    assert (shown["n"] >= MIN_N).all()


def test_comparison_tables_show_nothing_the_estimates_hide():
    est = pd.read_csv(paths.TABLES / "estimates.csv")
    hidden = set(map(tuple, est.loc[est["suppressed"], ["metric", "group"]].to_numpy()))
    grid = pd.read_csv(paths.TABLES / "countries_vs_rest.csv")
    shown = grid[grid["pct_group"].notna()]
    assert not hidden & set(map(tuple, shown[["metric", "group"]].to_numpy()))
