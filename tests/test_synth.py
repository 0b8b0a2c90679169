"""The synthetic reconstruction: byte-identical when regenerated, the published counts after
cleaning, every published figure in scope reproduced by the project's own estimators, and the
qualitative U.S. findings holding clearly."""

from __future__ import annotations

import pytest

from microcred import codebook, countries, estimate, paths, published, synth


def test_regenerating_the_raw_exports_gives_identical_bytes():
    cb = codebook.load()
    leaders = synth.to_csv_bytes(synth.leaders_export(), list(synth.header_rows(cb)))
    employers = synth.to_csv_bytes(synth.employers_export())
    assert leaders == paths.LEADERS_EXPORT.read_bytes()
    assert employers == paths.EMPLOYERS_EXPORT.read_bytes()


def test_another_seed_gives_another_export():
    assert not synth.leaders_export(seed=7).equals(synth.leaders_export())


def test_published_counts_after_cleaning(clean_default):
    """The counts and the country ranking, read from published_figures.csv, hold exactly."""
    leaders, employers, cleaned, export = clean_default
    figures = published.load().set_index("figure_id")["value"]
    assert len(leaders) == int(figures["L24-S01"])
    assert leaders["inst_id"].nunique() == int(figures["L24-S02"])
    assert leaders["iso3"].nunique() == int(figures["L24-S03"])
    assert len(employers) == int(figures["E23-S02"])
    assert len(cleaned.kept) + len(cleaned.rejected) == len(export.data)
    named = [c.strip() for c in figures["L24-S04"].split(";")]
    assert leaders["country"].value_counts().index[: len(named)].tolist() == named
    assert (leaders["country"] == "India").sum() > int(figures["L24-S05"])


def test_every_noise_kind_is_removed_by_its_own_rule(clean_default):
    _, _, cleaned, _ = clean_default
    noise = synth.load_design()["noise"]
    removed = cleaned.dispositions.set_index("rule")["removed"]
    assert removed["previews and spam"] == noise["previews"] + noise["spam"]
    assert removed["unfinished or partial"] == noise["partial"]
    assert removed["repeat submissions of one person"] == noise["repeat_by_email"] + noise["repeat_by_ip"]
    assert removed["speeders"] == noise["speeders"]
    assert removed["country not identified"] == len(noise["unknown_country"])


def test_every_published_figure_in_scope_is_reproduced(clean_default):
    leaders, employers, _, _ = clean_default
    table = published.compare(published.load(), leaders, employers, codebook.load("leaders"),
                              codebook.load("employers"), countries.regions())
    primary = table[table["role"].isin(["primary", "qualitative"])]
    assert len(primary) >= 50
    missed = primary.loc[~primary["within_rounding"].astype(bool),
                         ["figure_id", "published", "reproduced", "claim"]]
    assert missed.empty, missed.to_string()
    percent = primary[primary["unit"].eq("percent")]
    assert (percent["difference"].abs() <= 0.5).all()


def test_us_barrier_findings_hold_clearly(clean_default):
    leaders, _, _, _ = clean_default
    cb = codebook.load()
    us = leaders["country"].eq("United States")
    family = estimate.compare_family(leaders, cb.metrics_of("barriers"), us, "US").set_index("metric")
    for metric in ("barrier_quality", "barrier_faculty"):
        assert family.at[metric, "diff_pp"] > 10 and family.at[metric, "p_adjusted"] < 0.001
    named = estimate.compare_means(leaders["barriers_count"].astype(float), us)
    assert named["diff"] > 0.5 and named["p_value"] < 0.001


def test_assumed_targets_are_met_roughly(clean_default):
    """Assumed shares move so that published ones hold; they stay within a few points. A region's
    row covers its respondents outside the countries that have rows of their own."""
    leaders, _, _, _ = clean_default
    cb = codebook.load()
    targets = synth.load_targets()
    assumed = targets[targets["flag"].eq("assumed") & ~targets["metric"].str.startswith("employer")]
    far = []
    for r in assumed.itertuples():
        own = targets.loc[targets["metric"].eq(r.metric) & targets["group_type"].eq("country"), "group"]
        if r.group_type == "region":
            rows = leaders[leaders["region"].eq(r.group) & ~leaders["country"].isin(own)]
        elif r.group_type == "country":
            rows = leaders[leaders["country"].eq(r.group)]
        else:
            rows = leaders
        got = 100 * estimate.indicator(rows, cb.metric(r.metric)).mean()
        tolerance = 6 if r.metric.startswith("growth_") else 4
        if abs(got - 100 * r.share) > tolerance:
            far.append((r.metric, r.group, round(100 * r.share, 1), round(got, 1)))
    assert not far, far


@pytest.mark.parametrize("size", [3000])
def test_generator_scales(size):
    frame = synth.leaders_export(size=size)
    assert len(frame) > size
    assert frame["ResponseId"].is_unique


def test_the_example_export_regenerates_identically(tmp_path):
    folder = tmp_path / "example"
    folder.mkdir()
    (folder / "params.yaml").write_bytes((synth.EXAMPLE / "params.yaml").read_bytes())
    path = synth.write_example_export(folder)
    assert path.read_bytes() == (synth.EXAMPLE / "leaders_export.csv").read_bytes()
