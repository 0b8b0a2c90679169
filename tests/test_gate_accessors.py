"""The gate's small accessors, pinned whole (mutation testing found them reached by no unit test):
"is this cell shown", the cells each rule hid, the table as written, and the refusal of a table
that shows a value in a row it marks hidden; and the parts of the rules no other unit test
reached: the primary rule's institution count, conditional metrics, answer distributions, the
other region schemes and an earlier release, and an empty group in a family."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.release import gate, intervals
from microcred.release.policy import DisclosureError, Policy
from microcred.survey.codebook import Metric


def released() -> pd.DataFrame:
    return pd.DataFrame({"metric": ["offers_mc", "offers_mc", "offers_mc", "plan"],
                         "group_type": ["all", "region", "country", "region"],
                         "group": ["All", "Europe", 840, "Europe"],
                         "n": [100, 40, 8, 40], "count": [51.0, 21.0, None, 11.0],
                         "pct": [51.0, 52.5, None, 27.5],
                         "suppressed": [False, False, True, False]})


@pytest.mark.parametrize("metric, group_type, group, shown", [
    ("offers_mc", "all", "All", True),
    ("offers_mc", "region", "Europe", True),
    ("offers_mc", "country", 840, False),        # hidden
    ("offers_mc", "country", "840", False),      # the group compared as text
    ("offers_mc", "region", "Asia", False),      # not released at all
    ("plan", "all", "All", False),               # another metric's group type
    ("plan", "region", "Europe", True),
])
def test_a_cell_is_shown_only_when_released_once_and_not_suppressed(metric, group_type, group,
                                                                    shown):
    assert gate.is_shown(released(), metric, group_type, group) is shown


def test_a_cell_released_twice_is_not_taken_as_shown():
    twice = pd.concat([released().head(1)] * 2, ignore_index=True)
    assert gate.is_shown(twice, "offers_mc", "all", "All") is False


def test_the_cells_each_rule_hid_are_counted_by_their_reason():
    table = released().assign(hidden_by=["", "interval", "primary", "secondary"])
    assert gate.hidden_counts(table) == {"primary": 1, "secondary": 1, "interval": 1}
    assert gate.hidden_counts(released()) == {"primary": 1, "secondary": 0, "interval": 0}
    pairs = pd.DataFrame({"pair": ["a+b"]})
    pairs.attrs["hidden"] = {"primary": 3, "secondary": 2.0}
    assert gate.hidden_counts(pairs) == {"primary": 3, "secondary": 2, "interval": 0}
    assert gate.hidden_counts(pd.DataFrame({"pair": []})) == \
        {"primary": 0, "secondary": 0, "interval": 0}


def test_the_table_as_written_drops_the_bookkeeping_and_keeps_counts_whole_where_it_can():
    table = released().assign(hidden_by="", answers_shown=True)
    written = gate.drop_internal(table)
    assert "hidden_by" not in written and "answers_shown" not in written
    assert written["count"].dtype == "float64"  # a hidden count is blank: floats stay
    whole = gate.drop_internal(table[~table["suppressed"]])
    assert whole["count"].dtype == "int64" and whole["count"].tolist() == [51, 21, 11]
    halves = table[~table["suppressed"]].assign(count=[50.5, 21.0, 11.0])
    assert gate.drop_internal(halves)["count"].dtype == "float64"
    assert list(gate.drop_internal(released()).columns) == list(released().columns)


def test_a_table_showing_a_value_in_a_suppressed_row_is_refused():
    gate.check_released(released())  # hidden row blank: accepted
    gate.check_released(released().drop(columns="suppressed"))  # nothing marked: nothing to check
    leaking = released()
    leaking.loc[2, "pct"] = 12.5
    with pytest.raises(DisclosureError, match="^a table shows values in rows marked suppressed$"):
        gate.check_released(leaking)
    leaking_n_only = released()
    leaking_n_only.loc[2, "n"] = 9  # a hidden group keeps its n: not a value
    gate.check_released(leaking_n_only)


def test_a_comparison_names_only_groups_the_estimates_list_or_empty_ones():
    table = pd.DataFrame({"metric": ["offers_mc"] * 4, "group": ["Europe", 840, "Peru", "Chad"],
                          "n_group": [40, 8, 0, 1]})
    listed = gate.listed(table, released(), "region")
    assert listed.dtype == bool and listed.tolist() == [True, False, True, False]
    assert gate.listed(table, released(), "country").tolist() == [False, True, True, False]


def test_a_count_follows_from_others_exactly_when_it_is_a_combination_of_them():
    total, part = np.array([1, 1, 1]), np.array([1, 0, 0])
    assert gate.determined([total, part], np.array([0, 1, 1]))  # the total minus the part
    assert not gate.determined([total, part], np.array([0, 1, 0]))
    assert gate.determined([], np.zeros(3))  # nothing known: only the empty count follows
    assert not gate.determined([], np.array([0, 0, 1]))


def comparison() -> pd.DataFrame:
    """Each region against the rest, before the gate: Europe (shown), Asia (hidden), Peru (a
    group without respondents that the estimates do not list), Africa (shown)."""
    return pd.DataFrame({"metric": ["offers_mc"] * 4, "group": ["Europe", "Asia", "Peru", "Africa"],
                         "n_group": [40, 12, 0, 48], "n_rest": [60, 88, 100, 52],
                         "diff_pp": [1.5, -2.5, 0.0, 3.5]}, index=[6, 7, 8, 9])


def regions(hidden_by: bool) -> pd.DataFrame:
    out = pd.DataFrame({"metric": ["offers_mc"] * 3, "group_type": ["region"] * 3,
                        "group": ["Europe", "Asia", "Africa"], "n": [40, 12, 48],
                        "count": [21.0, np.nan, 30.0], "suppressed": [False, True, False]})
    return out.assign(hidden_by=["", "secondary", ""]) if hidden_by else out


@pytest.mark.parametrize("hidden_by, asia", [(True, "secondary"), (False, "primary")])
def test_a_comparison_is_hidden_as_its_groups_cell_and_says_why(hidden_by, asia):
    out = gate.comparisons(comparison(), regions(hidden_by), "region")
    assert list(out.index) == [0, 1, 2, 3] and "index" not in out
    assert out["hidden_by"].tolist() == ["", asia, "primary", ""]  # Peru: in no released cell
    assert out["diff_pp"].isna().tolist() == [False, True, True, False]
    assert out["n_group"].tolist() == [40, 12, 0, 48]  # a hidden group keeps its n


def test_an_empty_comparison_stays_a_table_of_its_columns():
    empty = comparison().head(0)
    assert gate.listed(empty, released(), "region").dtype == bool
    assert list(gate.comparisons(empty, regions(True), "region").columns) == \
        [*empty.columns, "hidden_by"]


def test_a_weighting_class_is_small_by_its_respondents_or_its_institutions():
    frame = pd.DataFrame({"region": ["A"] * 40 + ["B"] * 40 + [None] * 3,
                          "inst_id": [f"i{i}" for i in range(83)]}, index=range(100, 183))
    base = np.ones(len(frame), dtype=int)  # a 0/1 base, as an indicator column gives it
    policy = Policy(30, 5)
    assert gate.small_weighting_class(frame, ["region"], base, policy)  # the 3 without a region
    assert not gate.small_weighting_class(frame.iloc[:80], ["region"], base[:80], policy)
    few = frame.iloc[:80].assign(inst_id=["x", "y", "z", "w"] * 10 + [f"i{i}" for i in range(40)])
    assert gate.small_weighting_class(few, ["region"], base[:80], policy)  # A: 4 institutions
    unused = frame.iloc[:80].assign(region=pd.Categorical(frame["region"].iloc[:80],
                                                          categories=["A", "B", "C"]))
    assert not gate.small_weighting_class(unused, ["region"], base[:80], policy)  # no C at all
    assert gate.small_weighting_class(frame, ["region"], np.zeros(len(frame), dtype=int), policy)


def test_a_comparison_whose_rest_is_too_small_is_hidden_by_the_families_rule():
    asked = []

    def rest_too_small(metric, group):
        asked.append((metric, group))
        return group == "Europe"

    out = gate.comparisons(comparison(), regions(False), "region", rest_too_small)
    assert asked == [("offers_mc", g) for g in ("Europe", "Asia", "Peru", "Africa")]
    assert out["hidden_by"].tolist() == ["secondary", "primary", "primary", ""]
    assert out["diff_pp"].isna().tolist() == [True, True, True, False]


def test_a_hidden_conditional_cell_hides_its_n_and_the_rests():
    released = regions(True).assign(n=[40, np.nan, 48])  # Asia's n hidden with its cell
    out = gate.comparisons(comparison(), released, "region")
    assert str(out["n_group"].dtype) == "Int64" and str(out["n_rest"].dtype) == "Int64"
    assert out["n_group"].isna().tolist() == [False, True, False, False]
    assert out["n_rest"].isna().tolist() == [False, True, False, False]
    assert out["n_rest"].iloc[0] == 60


def leaders_by_region() -> pd.DataFrame:
    """45 respondents: North 20 in 5 institutions (4 each), South 20 in 2 (10 each), East 5 in
    5. The most of one institution is 10, so at 3 institutions any group under 30 respondents
    could span too few, and its institutions are counted."""
    inst = [f"n{k // 4}" for k in range(20)] + [f"s{k // 10}" for k in range(20)] + \
        [f"e{k}" for k in range(5)]
    return pd.DataFrame({"region": ["North"] * 20 + ["South"] * 20 + ["East"] * 5,
                         "inst_id": inst})


def shares(metric: str, group_type: str, groups: list, ns: list[int]) -> pd.DataFrame:
    """Estimate rows before the gate: every value shown."""
    return pd.DataFrame({"metric": metric, "group_type": group_type, "group": groups, "n": ns,
                         "count": [n / 2 for n in ns], "pct": 50.0, "suppressed": False})


@pytest.mark.parametrize("base", [np.ones(45, dtype=bool), np.ones(45, dtype=int),
                                  pd.Series(True, index=range(45))],
                         ids=["boolean", "0/1 indicator", "boolean series"])
def test_primary_hides_a_region_with_too_few_respondents_or_institutions(base):
    # North: 20 respondents of 5 institutions, shown; South: 20 of 2 institutions; East: 5
    # respondents; Oceania: listed but nobody there (not even among the frame's regions)
    table = shares("m", "region", ["North", "South", "East", "Oceania"], [20, 20, 5, 0])
    out = gate.primary(table, leaders_by_region(), "region", Policy(10, 3), {"m": base})
    assert out["suppressed"].tolist() == [False, True, True, True]
    assert out["count"].isna().tolist() == [False, True, True, True]
    assert out["n"].tolist() == [20, 20, 5, 0]  # a hidden group keeps its n


def test_primary_counts_the_institutions_of_the_metrics_base_only():
    frame = leaders_by_region()
    in_north, in_south = (frame["region"].eq(r).to_numpy() for r in ("North", "South"))
    # the same leaders' institutions counted in each metric's own base: the North's 20
    # respondents span 5 institutions, the South's 20 only 2
    table = pd.concat([shares("north_only", "region", ["North", "South"], [20, 0]),
                       shares("south_only", "region", ["North", "South"], [0, 20])],
                      ignore_index=True)
    out = gate.primary(table, frame, "region", Policy(10, 3),
                       {"north_only": in_north, "south_only": in_south})
    assert out["suppressed"].tolist() == [False, True, True, True]


def test_primary_of_everyone_counts_the_institutions_of_the_metrics_base():
    # without a grouping every row is the group "All": the North's 20 (5 institutions) are
    # shown, the South's 20 (2 institutions) are not
    frame = leaders_by_region()
    in_north, in_south = (frame["region"].eq(r).to_numpy() for r in ("North", "South"))
    table = pd.concat([shares("north_only", "all", ["All"], [20]),
                       shares("south_only", "all", ["All"], [20])], ignore_index=True)
    out = gate.primary(table, frame, None, Policy(10, 3),
                       {"north_only": in_north, "south_only": in_south})
    assert out["suppressed"].tolist() == [False, True]


def test_primary_without_respondents_hides_every_group():
    empty = leaders_by_region().head(0)
    table = pd.concat([shares("m", "all", ["All"], [0]), shares("m", "region", ["North"], [0])],
                      ignore_index=True)
    for by, rows in [(None, table.head(1)), ("region", table.tail(1))]:
        out = gate.primary(rows, empty, by, Policy(10, 3), {"m": np.zeros(0, dtype=bool)})
        assert out["suppressed"].tolist() == [True]


def test_a_metrics_condition_is_the_metric_whose_answer_its_base_counts():
    def metric(id_, among=()):
        return Metric(id_, id_, among, ("Yes",), id_)

    metrics = [metric("offers_mc"), metric("offers_credit", (("offers_mc", "Yes"),)),
               metric("plan", (("role", "Leader"),))]  # role: a column, not a metric
    assert gate.conditions(metrics) == {"offers_credit": ("offers_mc", "Yes")}


def offers_and_credit():
    """85 respondents: regions A 40, B 35, C 10; 32 of A and 31 of B offer micro-credentials
    (none of C), and about half of those award credit. The credit question's base is those who
    offer: its n in a region counts them there."""
    frame = pd.DataFrame({
        "region": ["A"] * 40 + ["B"] * 35 + ["C"] * 10,
        "offers_mc": ["Yes"] * 32 + ["No"] * 8 + ["Yes"] * 31 + ["No"] * 14,
        "offers_credit": ["Yes"] * 16 + ["No"] * 16 + [None] * 8 + ["Yes"] * 15 + ["No"] * 16
        + [None] * 14,
        "inst_id": [f"i{i}" for i in range(85)]})
    offers = frame["offers_mc"].eq("Yes").to_numpy()
    credit = frame["offers_credit"].eq("Yes").to_numpy()
    rows = []
    for metric, base, hit in [("offers_mc", np.ones(85, dtype=bool), offers),
                              ("offers_credit", offers, credit)]:
        for group_type, group in [("all", "All"), ("region", "A"), ("region", "B"),
                                  ("region", "C")]:
            members = gate.members(frame, group_type, group) & base
            rows.append({"metric": metric, "group_type": group_type, "group": group,
                         "n": int(members.sum()), "count": float((hit & members).sum()),
                         "suppressed": bool(members.sum() < 30)})
    answers = {"offers_mc": intervals.Answers(np.where(offers, 0, 1).astype(np.int8),
                                              ("Yes", "No"), frozenset({0})),
               "offers_credit": intervals.Answers(
                   np.where(offers, np.where(credit, 0, 1), -1).astype(np.int8), ("Yes", "No"),
                   frozenset({0}))}
    return pd.DataFrame(rows), frame, answers


def test_a_conditional_metric_is_hidden_with_its_parent_and_loses_its_n():
    table, frame, answers = offers_and_credit()
    table.index = range(20, 28)
    conditions = {"offers_credit": ("offers_mc", "Yes"), "absent": ("nowhere", "Yes")}
    out = gate.protect(table, frame, Policy(30, 3), answers, conditions)
    assert list(out.index) == list(range(8)) and list(out.columns) == [*table.columns,
                                                                        "hidden_by"]
    # offering in B is hidden (all - A - B would be C's small group), so is credit among B's
    # offering (its n would be B's offering count), and then credit in A (all - A would give
    # B's credit count back); the metric said to be conditional on one not released is ignored
    assert out["hidden_by"].tolist() == ["", "", "secondary", "primary",
                                         "", "interval", "secondary", "primary"]
    assert out["n"].isna().tolist() == [False] * 4 + [False, True, True, True]
    assert out["n"].tolist()[:5] == [85, 40, 35, 10, 63]  # the parent's hidden cells keep theirs
    assert str(out["n"].dtype) == "Int64"  # whole numbers, blank where hidden
    assert "answers_shown" not in out  # no answer distribution asked for


def test_an_answer_distribution_is_shown_only_where_asked_and_its_cell_is_shown():
    table, frame, answers = offers_and_credit()
    asked = table["metric"].eq("offers_mc")
    out = gate.protect(table, frame, Policy(30, 3), answers,
                       {"offers_credit": ("offers_mc", "Yes")}, distributions=asked)
    assert out["answers_shown"].tolist() == [True, True, False, False] + [False] * 4


def two_schemes():
    """155 respondents in five countries, their regions under two schemes: m49 (`region`:
    North = USA, CAN, GRL; South = BRA, PER) and continent (East = CAN, BRA; West = USA, GRL,
    PER). Canada has 5 respondents; nobody in Canada or Greenland is counted."""
    sizes = {"USA": 40, "CAN": 5, "GRL": 35, "BRA": 45, "PER": 30}
    counted = {"USA": 20, "CAN": 0, "GRL": 0, "BRA": 25, "PER": 10}
    m49 = {"USA": "North", "CAN": "North", "GRL": "North", "BRA": "South", "PER": "South"}
    continent = {"USA": "West", "CAN": "East", "GRL": "West", "BRA": "East", "PER": "West"}
    country = [c for c, n in sizes.items() for _ in range(n)]
    hits = np.array([k < counted[c] for c, n in sizes.items() for k in range(n)])
    frame = pd.DataFrame({"country": country, "region": [m49[c] for c in country],
                          "region:continent": [continent[c] for c in country],
                          "inst_id": [f"i{i}" for i in range(len(country))]})

    def cells(groups):
        out = []
        for group_type, group in groups:
            members = gate.members(frame, group_type, group)
            out.append({"metric": "m", "group_type": group_type, "group": group,
                        "n": int(members.sum()), "count": float(hits[members].sum()),
                        "suppressed": bool(members.sum() < 30)})
        return pd.DataFrame(out)

    table = cells([("all", "All"), ("region", "North"), ("region", "South"),
                   ("country", "USA"), ("country", "BRA")])
    answers = {"m": intervals.Answers(np.where(hits, 0, 1).astype(np.int8),
                                      ("counted", "not counted"), frozenset({0}))}
    return table, frame, answers, cells


def test_a_small_group_only_another_region_scheme_forms_is_protected_too():
    # alone, this release gives nothing away: North minus the USA is 40 leaders (Canada and
    # Greenland), none of them counted, a large group
    table, frame, answers, _ = two_schemes()
    assert gate.protect(table, frame, Policy(30, 3), answers)["hidden_by"].tolist() == [""] * 5
    # but the continent scheme's East minus Brazil is Canada alone, 5 leaders whose count of 0
    # follows from North minus the USA: the USA is hidden
    out = gate.protect(table, frame, Policy(30, 3), answers, other_regions=("region:continent",))
    assert out["hidden_by"].tolist() == ["", "", "", "interval", ""]


def test_a_cell_an_earlier_release_under_another_scheme_hid_is_protected_from_this_one():
    # the continent release before this one hid East and West; with Brazil shown here and
    # nobody counted in North minus the USA (so in Canada), East's count would be Brazil's:
    # the USA is hidden, though no other region scheme is named
    table, frame, answers, cells = two_schemes()
    earlier = cells([("all", "All"), ("region:continent", "East"), ("region:continent", "West")])
    earlier["suppressed"] = [False, True, True]
    out = gate.protect(table, frame, Policy(30, 3), answers, earlier=earlier)
    assert out["hidden_by"].tolist() == ["", "", "", "interval", ""]


@pytest.mark.parametrize("base", [np.ones(120, dtype=bool), np.ones(120, dtype=int)],
                         ids=["boolean", "0/1 indicator"])
def test_a_group_without_respondents_shown_in_a_family_takes_nothing_from_its_remainder(base):
    # regions A and B, 35 leaders without a region (7 institutions of 5 each), and a listed
    # region without anyone, shown empty (nothing in it to hide): the remainder is the 35. One of
    # A's institutions has 10 leaders, so 35 might span fewer than 5 institutions: counted
    frame = pd.DataFrame({"region": ["A"] * 40 + ["B"] * 45 + [None] * 35,
                          "inst_id": ["big"] * 10 + [f"a{i}" for i in range(30)]
                          + [f"b{i}" for i in range(45)] + [f"x{i // 5}" for i in range(35)]})
    table = shares("m", "region", ["A", "B", "Oceania"], [40, 45, 0])
    table = pd.concat([shares("m", "all", ["All"], [120]), table], ignore_index=True)
    out = gate.protect_families(table, frame, Policy(30, 5), {"m": base})
    assert out["hidden_by"].tolist() == ["", "", "", ""]
    few = frame.assign(inst_id=[*frame["inst_id"][:85], *[f"x{i % 4}" for i in range(35)]])
    out = gate.protect_families(table, few, Policy(30, 5), {"m": base})
    # in 4 institutions the remainder is too small: hiding the smallest shown part, the empty
    # region, leaves it as it was, and the rule goes on until it holds: A goes
    assert out["hidden_by"].tolist()[:3] == ["", "secondary", ""]


def test_a_hidden_cell_is_inherited_down_a_chain_of_conditional_metrics():
    # regions A 40, B 35, C 5; offering: 32 of A, 31 of B; awarding credit among them: 16 of A,
    # 15 of B; a third metric asked of those awarding credit. Offering in B is hidden (all - A -
    # B would be C's 5), so credit in B is, and so the third metric's B: its n would be credit's
    # count in B. Each metric inherits its parent's final hiding: metrics are taken in the
    # table's order, parents first (by name, credit_transfer would come before its parent)
    frame = pd.DataFrame({"region": ["A"] * 40 + ["B"] * 35 + ["C"] * 5,
                          "inst_id": [f"i{i}" for i in range(80)]})
    offers = np.array([True] * 32 + [False] * 8 + [True] * 31 + [False] * 9)
    credit = np.array([True] * 16 + [False] * 24 + [True] * 15 + [False] * 25)
    bases = {"offers_mc": np.ones(80, dtype=bool), "offers_credit": offers,
             "credit_transfer": credit}
    parts = []
    for metric, base in bases.items():
        parts += [shares(metric, "all", ["All"], [int(base.sum())]),
                  shares(metric, "region", ["A", "B", "C"],
                         [int((base & frame["region"].eq(r)).sum()) for r in "ABC"])]
    table = pd.concat(parts, ignore_index=True)
    table["suppressed"] = table["n"] < 10
    out = gate.protect_families(table, frame, Policy(10, 3), bases,
                                {"offers_credit": "offers_mc", "credit_transfer": "offers_credit"})
    assert out["metric"].tolist() == [m for m in bases for _ in range(4)]
    assert out["hidden_by"].tolist() == ["", "", "secondary", "primary"] * 3
    assert out["n"].isna().tolist() == [False] * 4 + [False, False, True, True] * 2


def test_a_survey_without_respondents_shows_no_cell_and_hides_nothing_more():
    empty = pd.DataFrame({"region": pd.Series([], dtype=object), "inst_id": []})
    table = pd.concat([shares("m", "all", ["All"], [0]), shares("m", "region", ["North"], [0])],
                      ignore_index=True).assign(suppressed=True)
    answers = {"m": intervals.Answers(np.zeros(0, dtype=np.int8), ("counted", "not counted"),
                                      frozenset({0}))}
    out = gate.protect(table, empty, Policy(10, 3), answers)
    assert out["hidden_by"].tolist() == ["primary", "primary"]


def test_a_hidden_region_that_its_shown_countries_make_up_whole_hides_one_of_them():
    # regions N (countries X 15 and Y 12, nobody else), S (country Z 30, and V 20 not listed)
    # and T (W 5, too small): all - N - S would be T's 5, so N is hidden; its countries, both
    # shown, would give it back (nothing left beyond them), so the smaller, Y, is hidden too.
    # (The countries' own remainder, V and W, is 25: large enough, it hides nothing)
    region = {"X": "N", "Y": "N", "Z": "S", "V": "S", "W": "T"}
    country = ["X"] * 15 + ["Y"] * 12 + ["Z"] * 30 + ["V"] * 20 + ["W"] * 5
    frame = pd.DataFrame({"country": country, "region": [region[c] for c in country],
                          "inst_id": [f"i{i}" for i in range(82)]})
    table = pd.concat([shares("m", "all", ["All"], [82]),
                       shares("m", "region", ["N", "S", "T"], [27, 50, 5]),
                       shares("m", "country", ["X", "Y", "Z"], [15, 12, 30])], ignore_index=True)
    table["suppressed"] = table["n"] < 10
    out = gate.protect_families(table, frame, Policy(10, 3), {"m": np.ones(82, dtype=bool)})
    assert out["hidden_by"].tolist() == ["", "secondary", "", "primary", "", "secondary", ""]


def test_a_hidden_cell_loses_its_numbers_but_not_its_keys_sizes_or_flags():
    table = pd.DataFrame({"metric": ["m", "m"], "group_type": ["region", "region"],
                          "group": ["Europe", "Asia"], "n": [40, 12], "n_group": [40, 12],
                          "n_rest": [60, 88], "count": [21.0, 5.0], "pct": [52.5, 41.7],
                          "deff": [1.2, 1.1], "equivalent": [True, False],
                          "answers_shown": [True, True], "suppressed": [0, 1]})  # 0/1 marks
    assert gate.value_columns(table) == ["count", "pct", "deff"]
    out = gate.hide(table, table["suppressed"])
    assert out["suppressed"].tolist() == [False, True]
    assert out.loc[1, ["count", "pct", "deff"]].isna().all()
    assert out.loc[1, ["n", "n_group", "n_rest", "equivalent", "answers_shown"]].tolist() == \
        [12, 12, 88, False, True]
    gate.check_released(out)
    # a missing mark hides its row: the gate fails closed
    unsure = gate.hide(table.assign(suppressed=0), pd.array([False, pd.NA], dtype="boolean"))
    assert unsure["suppressed"].tolist() == [False, True]
    assert unsure["count"].isna().tolist() == [False, True]


def test_institutions_are_numbered_with_the_unnamed_counted_as_one_or_each_respondent_alone():
    # respondents who name no institution may share one: counted together, as one
    assert gate.number_institutions(["u1", None, "u2", None, "u1"]).tolist() == [0, 1, 2, 1, 0]
    assert gate.institution_numbers(pd.DataFrame({"inst_id": ["u1", None, "u1"]})).tolist() == \
        [0, 1, 0]
    # without institutions (employers) each respondent is their own
    employers = pd.DataFrame({"country": ["US", "US", "FR"]}, index=[7, 8, 9])
    assert gate.institution_numbers(employers).tolist() == [0, 1, 2]


def test_a_table_without_everyone_is_protected_by_its_regions_own_families():
    # region N: countries X 15 and Y 12 listed, 3 more in W: N - X - Y is W's 3, so Y goes
    frame = pd.DataFrame({"country": ["X"] * 15 + ["Y"] * 12 + ["W"] * 3, "region": "N",
                          "inst_id": [f"i{i}" for i in range(30)]})
    table = pd.concat([shares("m", "region", ["N"], [30]),
                       shares("m", "country", ["X", "Y"], [15, 12])], ignore_index=True)
    out = gate.protect_families(table, frame, Policy(10, 3), {"m": np.ones(30, dtype=bool)})
    assert out["hidden_by"].tolist() == ["", "", "secondary"]


def test_a_remainders_institutions_are_counted_among_the_metrics_base_only():
    # regions A and B; without a region 35 leaders of the base from 2 institutions, and 20 who
    # are outside the base, each of their own institution: the remainder is too few institutions
    frame = pd.DataFrame({"region": ["A"] * 40 + ["B"] * 45 + [None] * 55,
                          "inst_id": ["big"] * 10 + [f"a{i}" for i in range(30)]
                          + [f"b{i}" for i in range(45)] + [f"x{i % 2}" for i in range(35)]
                          + [f"o{i}" for i in range(20)]})
    base = np.arange(140) < 120
    table = pd.concat([shares("m", "all", ["All"], [120]),
                       shares("m", "region", ["A", "B"], [40, 45])], ignore_index=True)
    out = gate.protect_families(table, frame, Policy(30, 5), {"m": base})
    assert out["hidden_by"].tolist() == ["", "secondary", ""]  # A, the smaller, goes
