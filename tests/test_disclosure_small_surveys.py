"""Small surveys run through: exports of about 100, 35 and 1 valid responses (the first with fewer
than 30 respondents in the focus country) run every notebook; each section shows what it can and
says what it cannot, and with fewer valid responses than the threshold one message says so."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from microcred.tooling.sandbox import make_sandbox, microcred

from conftest import write_export

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def valid_rows(raw_leaders, clean_default):
    _, _, cleaned, _ = clean_default
    return raw_leaders[raw_leaders["ResponseId"].isin(set(cleaned.kept["ResponseId"]))]


def run(tmp_path, rows: pd.DataFrame):
    folder = make_sandbox(tmp_path)
    write_export(folder / "data" / "raw" / "small.csv", rows)
    result = microcred(folder, "report", "--raw", "data/raw/small.csv", "--jobs", "2", check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return folder


def titles(folder) -> dict[str, str]:
    return {p.stem: json.loads(p.read_text())["title"] for p in (folder / "figures").glob("*.json")}


def shown_values(folder) -> list[str]:
    """Tables that show a value in a row marked suppressed (there must be none)."""
    bad = []
    for path in (folder / "tables").glob("*.csv"):
        table = pd.read_csv(path)
        if "suppressed" in table:
            values = [c for c in ("count", "pct", "ci_low", "ci_high") if c in table]
            if table.loc[table["suppressed"], values].notna().any().any():
                bad.append(path.name)
    return bad


@pytest.mark.parametrize("size", [100, 35])
def test_a_small_survey_runs_through_and_says_what_it_cannot_show(tmp_path, valid_rows, size):
    rows = valid_rows.sample(size, random_state=size)
    folder = run(tmp_path, rows)
    assert (folder / "report" / "report.html").is_file()
    assert not shown_values(folder)
    focus = pd.read_csv(folder / "tables" / "barriers_focus_vs_rest.csv")
    # the focus country (United States) has fewer than 30 respondents here: no IndexError; the
    # estimates do not list it, so no comparison names it, not even with its size
    assert focus.empty and pd.read_csv(
        folder / "tables" / "barriers_named_per_respondent.csv").empty
    assert "nothing can be shown" in titles(folder)["barriers_focus_forest"]
    if size == 35:
        assert "No country has 30 respondents" in titles(folder)["countries_vs_rest"]
        assert "nothing can be shown" in titles(folder)["barriers_heatmap"]


def test_one_valid_response_gives_one_clear_message(tmp_path, valid_rows):
    folder = run(tmp_path, valid_rows.sample(1, random_state=1))
    estimates = pd.read_csv(folder / "tables" / "estimates.csv")
    assert estimates["suppressed"].all() and estimates["pct"].isna().all()
    for notebook in ("02_regional_comparison", "03_barriers"):
        text = (folder / "report" / "notebooks" / f"{notebook}.ipynb").read_text()
        assert "1 valid responses, fewer than min_group_size = 30: no group can be shown" in text
