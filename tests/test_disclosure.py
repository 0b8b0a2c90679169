"""The disclosure gate: the floor of the thresholds, generic hiding, secondary suppression across
families (residual groups included), and a report that escapes every value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.core import paths
from microcred.release import gate, intervals, variants
from microcred.release.policy import OFF, DisclosureError, Policy
from microcred.report import as_html
from microcred.tooling import params


@pytest.mark.parametrize("name,value", [("min_group_size", 0), ("min_group_size", 9),
                                        ("min_institutions", 2), ("min_institutions", 0),
                                        ("protection_width", 2), ("protection_width", 0)])
def test_thresholds_below_the_floor_are_refused_naming_the_parameter(name, value):
    values = {"min_group_size": 30, "min_institutions": 5, "protection_width": 3, name: value}
    with pytest.raises(DisclosureError, match=name):
        Policy.from_params(values)
    off = Policy.from_params({**values, "disclosure_control": OFF})
    assert off.off and getattr(off, name) == value


def test_parameters_file_with_min_group_size_zero_stops_before_anything_runs(tmp_path):
    spec = (paths.ROOT / "params.yaml").read_text().replace("min_group_size: 30",
                                                            "min_group_size: 0")
    (tmp_path / "p.yaml").write_text(spec)
    with pytest.raises(params.ParameterError, match="min_group_size"):
        params.validate(tmp_path / "p.yaml")
    with pytest.raises(DisclosureError, match="disclosure_control"):
        Policy.from_params({"min_group_size": 30, "min_institutions": 5,
                            "disclosure_control": True})


def test_hide_blanks_every_value_column_but_keys_and_sizes():
    table = pd.DataFrame({"metric": ["m", "m"], "group": ["A", "B"], "n": [40, 10],
                          "pct": [50.0, 40.0], "deff": [1.2, 1.1], "n_eff": [33.0, 9.0],
                          "equivalent": [1, 0], "suppressed": [False, False]})
    out = gate.hide(table, [False, True])
    assert out.loc[1, ["pct", "deff", "n_eff", "equivalent"]].isna().all()
    assert out.loc[1, "n"] == 10 and out.loc[1, "suppressed"] and out.loc[0, "deff"] == 1.2


def frame_of(regions, offers, credit, inst=None):
    n = len(regions)
    return pd.DataFrame({"region": regions, "offers_mc": offers, "offers_credit": credit,
                         "inst_id": inst or [f"i{i}" for i in range(n)], "y": np.ones(n)})


def rows(frame, groups):
    out = []
    for group_type, group in groups:
        members = gate.members(frame, group_type, group)
        out.append({"metric": "m", "group_type": group_type, "group": group,
                    "n": int(members.sum()),
                    "count": float(members.sum()), "suppressed": bool(members.sum() < 30)})
    return pd.DataFrame(out)


def test_a_small_residual_group_makes_the_smallest_shown_part_hidden():
    # 100 offering: 50 award credit, 42 do not, 8 skipped the credit question
    frame = frame_of(["R"] * 130, ["Yes"] * 100 + ["No"] * 30,
                     ["Yes"] * 50 + ["No"] * 42 + [None] * 8 + [None] * 30)
    table = rows(frame, [("all", "All"), ("offers_mc", "Yes"), ("offers_mc", "No"),
                         ("offers_credit", "Yes"), ("offers_credit", "No")])
    out = gate.protect_families(table, frame, Policy(30, 1),
                                {"m": pd.Series(True, index=frame.index)})
    assert out["suppressed"].tolist() == [False, False, False, False, True]
    assert out["hidden_by"].tolist() == ["", "", "", "", "secondary"]
    assert np.isnan(out.loc[4, "count"]) and out.loc[4, "n"] == 42


def test_families_renumber_the_rows_and_ignore_a_parent_the_table_does_not_hold():
    """The same table, its rows numbered from 10 and the metric said to be conditional on a
    metric absent from it: rows numbered 0.., no column added, and the hidden cell keeps its n
    (only a child of a metric in the table loses it)."""
    frame = frame_of(["R"] * 130, ["Yes"] * 100 + ["No"] * 30,
                     ["Yes"] * 50 + ["No"] * 42 + [None] * 8 + [None] * 30)
    table = rows(frame, [("all", "All"), ("offers_mc", "Yes"), ("offers_mc", "No"),
                         ("offers_credit", "Yes"), ("offers_credit", "No")])
    table.index = range(10, 15)
    out = gate.protect_families(table, frame, Policy(30, 1),
                                {"m": pd.Series(True, index=frame.index)}, {"m": "absent"})
    assert list(out.index) == list(range(5))
    assert list(out.columns) == [*table.columns, "hidden_by"]
    assert out["hidden_by"].tolist() == ["", "", "", "", "secondary"] and out.loc[4, "n"] == 42


def test_a_hidden_total_made_only_of_shown_parts_hides_a_part():
    # regions A (20, hidden) and B (45) and C (40): A is worked back as All - B - C, so C goes
    frame = frame_of(["A"] * 20 + ["B"] * 45 + ["C"] * 40, ["Yes"] * 105, [None] * 105)
    table = rows(frame, [("all", "All"), ("region", "A"), ("region", "B"), ("region", "C")])
    out = gate.protect_families(table, frame, Policy(30, 1),
                                {"m": pd.Series(True, index=frame.index)})
    assert out["hidden_by"].tolist() == ["", "primary", "", "secondary"]


def test_a_residual_under_the_institution_threshold_is_protected_too():
    # 40 skipped respondents, all from 2 institutions: too few institutions
    frame = frame_of(["R"] * 140, ["Yes"] * 140, ["Yes"] * 50 + ["No"] * 50 + [None] * 40,
                     inst=[f"i{i}" for i in range(100)] + ["x", "y"] * 20)
    table = rows(frame, [("all", "All"), ("offers_credit", "Yes"), ("offers_credit", "No")])
    out = gate.protect_families(table, frame, Policy(30, 5),
                                {"m": pd.Series(True, index=frame.index)})
    assert out["suppressed"].sum() == 1


def test_the_report_escapes_every_value():
    from microcred.report import document

    files = document.Files((document.CsvFile("<x>", "A1", "", 1),))
    finding = document.Findings((document.KeyFinding("a <b>bold</b> claim", ()),))
    page = as_html.render(document.Document(
        "t", "Leaders export <script>alert(1)</script>.csv", False, True,
        (document.Section("s", "S", (finding, document.Paragraph("<img src=x onerror=alert(1)>"),
                                     files)),)))
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page and "<b>bold" not in page and "tables/<x>" not in page
    assert "Disclosure control is off" in page


def protect_by_masks(table, frame, policy, bases):
    """The gate's rule as first written, one boolean mask per cell: the reference that the
    counting implementation must agree with."""
    table = table.reset_index(drop=True)
    hidden = table["suppressed"].to_numpy(bool).copy()
    institutions = frame["inst_id"].astype(str).to_numpy()
    for metric, rows in table.groupby("metric", sort=False):
        base = np.asarray(bases[metric], dtype=bool)
        masks = {i: gate.members(frame, t, g) & base
                 for i, t, g in zip(rows.index, rows["group_type"], rows["group"])}
        by_type = {t: list(idx) for t, idx in rows.groupby("group_type", sort=False).groups.items()}
        families = [(p, by_type[t]) for p in by_type.get("all", []) for t in by_type if t != "all"]
        for parent_type, part_type in gate.FAMILIES:
            for p in by_type.get(parent_type, []):
                parts = [i for i in by_type.get(part_type, [])
                         if masks[i].any() and not (masks[i] & ~masks[p]).any()]
                families += [(p, parts)] if parts else []
        changed = True
        while changed:
            changed = False
            for parent, parts in families:
                shown = [i for i in parts if not hidden[i]]
                left = masks[parent].copy()
                for i in shown:
                    left &= ~masks[i]
                n = int(left.sum())
                small = n > 0 and policy.too_small(n, len(np.unique(institutions[left])))
                if shown and ((not hidden[parent] and small) or (hidden[parent] and n == 0)):
                    hidden[min(shown, key=lambda i: (masks[i].sum(), i))] = True
                    changed = True
    return hidden


@pytest.mark.parametrize("seed", range(6))
def test_counting_gate_agrees_with_one_mask_per_cell(seed):
    rng = np.random.default_rng(seed)
    n = 400
    region = rng.choice(["A", "B", "C", None], n, p=[0.5, 0.3, 0.15, 0.05])
    country = np.where(region == None, None, np.char.add(region.astype(str),  # noqa: E711
                                                         rng.choice(["1", "2", "3"],
                                                                    n).astype(str)))
    country[rng.random(n) < 0.02] = "A1"  # a country found in two regions is part of neither
    offers = rng.choice(["Yes", "No", None], n, p=[0.6, 0.3, 0.1])
    credit = np.where(offers == "Yes", rng.choice(["Yes", "No", None], n), None)
    frame = pd.DataFrame({"region": region, "country": country, "offers_mc": offers,
                          "offers_credit": credit, "inst_id": rng.integers(0, 60, n).astype(str)})
    groups = [("all", "All")] + [(t, g) for t in ("region", "country", "offers_mc", "offers_credit")
                                 for g in sorted(frame[t].dropna().unique()) + ["absent"]]
    bases = {m: pd.Series(rng.random(n) < share) for m, share in (("m", 1.0), ("k", 0.7))}
    table = pd.concat([rows(frame, groups).assign(metric=m) for m in bases], ignore_index=True)
    table["suppressed"] = [gate.members(frame, t, g)[bases[m].to_numpy()].sum() < 25
                           for m, t, g in zip(table["metric"], table["group_type"], table["group"])]
    secondary = 0
    for policy in (Policy(25, 3), Policy(10, 8)):
        out = gate.protect_families(table, frame, policy, bases)
        assert out["suppressed"].tolist() == protect_by_masks(table, frame, policy, bases).tolist()
        secondary += int(out["hidden_by"].eq("secondary").sum())
    assert secondary  # the comparison covers the second step, not only the primary one


def test_counts_weighted_by_the_base_equal_counts_of_the_selected_keys():
    rng = np.random.default_rng(13)
    for _ in range(20):
        keys, base = rng.integers(0, 50, 1000), rng.random(1000) < rng.random()
        fast = gate._count(keys, base, 60)
        np.testing.assert_array_equal(fast, np.bincount(keys[base], minlength=60))
        assert fast.dtype == np.int64


# --------------------------------------------------------------------------- protection intervals

def offer_groups(hits_not_sure: int, hits_skipped: int, whole_zero: bool = False):
    """135 respondents: 50 offering, 50 not, 20 not sure (under the threshold), 15 who skipped the
    question; the metric counts 10 of the offering and 10 of the others (none where `whole_zero`)
    and the given numbers of the not sure and of those who skipped."""
    offers = ["Yes"] * 50 + ["No"] * 50 + ["Not sure"] * 20 + [None] * 15
    hits = ([1] * 10 + [0] * 40) * 2 + [1] * hits_not_sure + [0] * (20 - hits_not_sure) \
        + [1] * hits_skipped + [0] * (15 - hits_skipped)
    if whole_zero:
        hits = [0] * 135
    frame = pd.DataFrame({"offers_mc": offers, "inst_id": [f"i{i}" for i in range(135)]})
    table = pd.DataFrame([{"metric": "m", "group_type": t, "group": g, "n": n, "count": c,
                           "suppressed": n < 30} for t, g, n, c in
                          [("all", "All", 135, sum(hits)), ("offers_mc", "Yes", 50, sum(hits[:50])),
                           ("offers_mc", "No", 50, sum(hits[50:100])),
                           ("offers_mc", "Not sure", 20, sum(hits[100:120]))]])
    answers = {"m": intervals.Answers(np.array([1 - h for h in hits], dtype=np.int8),
                                      ("counted", "not counted"), frozenset({0}))}
    return table, frame, answers


@pytest.mark.parametrize("not_sure,skipped", [(0, 0), (20, 15)])
def test_a_remainder_of_none_or_all_is_protected_like_a_small_cell(not_sure, skipped):
    # all minus the offering and the not offering leaves 35 (enough for the families' rule) but
    # a count of 0, or of all 35: the hidden "Not sure" group's count would be 0, or 20 of 20
    table, frame, answers = offer_groups(not_sure, skipped)
    assert not gate.protect_families(table, frame, Policy(30, 1),
                                     {"m": answers["m"].base})["suppressed"][1:3].any()
    out = gate.protect(table, frame, Policy(30, 1), answers)
    assert out["hidden_by"].tolist()[1:3] == ["interval", ""]  # the first of two as small parts
    assert gate.hidden_counts(out) == {"primary": 1, "secondary": 0, "interval": 1}


def test_a_count_the_whole_sample_leaves_no_room_for_needs_no_protection():
    # nobody in the whole sample is counted: a fact about everyone, hiding nothing more
    table, frame, answers = offer_groups(0, 0, whole_zero=True)
    hidden_by = gate.protect(table, frame, Policy(30, 1), answers)["hidden_by"]
    assert hidden_by.tolist() == ["", "", "", "primary"]


def test_a_wide_enough_remainder_hides_nothing_more():
    table, frame, answers = offer_groups(5, 4)
    hidden_by = gate.protect(table, frame, Policy(30, 1), answers)["hidden_by"]
    assert hidden_by.tolist() == ["", "", "", "primary"]


def test_the_protection_width_is_a_parameter():
    table, frame, answers = offer_groups(2, 2)  # the remainder 4 spans 0 to 4 for either group
    assert not gate.protect(table, frame, Policy(30, 1), answers)["hidden_by"].eq("interval").any()
    wider = gate.protect(table, frame, Policy(30, 1, protection_width=5), answers)
    assert wider["hidden_by"].eq("interval").sum() == 1


def test_a_cell_an_earlier_release_hid_stays_hidden_and_keeps_its_own_reason():
    # published side by side with an earlier release of the same respondents, this one shows
    # no cell the earlier one hid; a cell the earlier one showed is not hidden for it. Nobody is
    # counted, so the interval rule alone hides nothing (the whole sample leaves no room): what
    # hides them here is the earlier release's hiding
    table, frame, answers = offer_groups(0, 0, whole_zero=True)
    for hid, expected in [(["No", "Not sure"], ["", "", "interval", "primary"]),
                          (["Yes"], ["", "interval", "", "primary"])]:
        earlier = table.assign(suppressed=table["group"].isin(hid))
        out = gate.protect(table, frame, Policy(30, 1), answers, earlier=earlier)
        assert out["hidden_by"].tolist() == expected
        assert out["suppressed"].tolist() == [bool(why) for why in expected]
    # a cell the earlier release hid for another metric hides nothing of this one
    other = table.assign(metric="other", suppressed=table["group"].eq("No"))
    earlier = pd.concat([table.assign(suppressed=False), other], ignore_index=True)
    out = gate.protect(table, frame, Policy(30, 1), answers, earlier=earlier)
    assert out["hidden_by"].tolist() == ["", "", "", "primary"]


def test_region_schemes_are_protected_in_turn():
    assert variants.earlier("m49") == [] and variants.earlier("continent") == ["m49"]
    assert variants.others("m49") == ["continent"]
    with pytest.raises(ValueError, match="continent"):
        variants.earlier("continents")


def test_data_whose_regions_are_not_the_schemes_are_refused():
    frame = pd.DataFrame({"iso3": ["MEX", "USA"], "region": ["North America", "North America"]})
    with pytest.raises(ValueError, match="'m49'"):  # under m49, Mexico is in Latin America
        variants.with_regions(frame, "m49", ["continent"])
    placed = variants.with_regions(frame, "continent", ["m49"])
    assert placed["region:m49"].tolist() == ["Latin America and the Caribbean", "North America"]
