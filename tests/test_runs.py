"""Runs side by side (tooling.runs), the cache of notebook results (tooling.cache), comparing two
runs (tooling.compare), the values checked against the data before a notebook starts
(tooling.data_check), and `clean`, which removes only what is not committed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from microcred.core import paths
from microcred.core.choices import ParameterError
from microcred.tooling import build, cache, compare, data_check, params
from microcred.tooling.runs import Run
from microcred.tooling.sandbox import make_sandbox

# --------------------------------------------------------------------------- runs

def test_the_default_run_keeps_the_project_folders_and_a_named_one_has_its_own():
    assert Run.named("").root == Run.named("default").root == paths.ROOT
    assert Run.named("").state_file == paths.BUILD_STATE
    europe = Run.named("europe-2024_v1.2")
    assert europe.root == paths.RUNS / "europe-2024_v1.2"
    assert europe.state_file == paths.RUNS / "europe-2024_v1.2" / "state.json"


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "-flag", "x" * 65, "a b"])
def test_a_run_name_stays_a_name_under_runs(name):
    with pytest.raises(ParameterError, match="run name"):
        Run.named(name)


# --------------------------------------------------------------------------- cache

@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "FILES", tmp_path / "cache" / "files")
    monkeypatch.setattr(cache, "RESULTS", tmp_path / "cache" / "results")
    view = tmp_path / "staging"
    (view / "tables").mkdir(parents=True)
    (view / "tables" / "t.csv").write_text("a,b\n1,2\n")
    record = {"parameters": {"x": 1}, "reads": {"in.csv": "abc"},
              "writes": {"tables/t.csv": build.fingerprint(view / "tables" / "t.csv")}}
    return view, record


def test_a_result_is_found_again_by_what_it_read_and_restored_byte_for_byte(cache_folder, tmp_path):
    view, record = cache_folder
    assert cache.lookup("03", record) is None
    cache.store("03", record, view)
    other = {**record, "writes": {}}  # what was produced does not enter the key
    assert cache.lookup("03", other) == record["writes"]
    elsewhere = tmp_path / "elsewhere"
    cache.restore(cache.lookup("03", record), elsewhere)
    assert (elsewhere / "tables" / "t.csv").read_bytes() == (view / "tables" / "t.csv").read_bytes()
    for changed in ({**record, "parameters": {"x": 2}}, {**record, "reads": {"in.csv": "abd"}}):
        assert cache.lookup("03", changed) is None
    assert cache.lookup("02", record) is None  # another notebook, the same record


def test_a_result_whose_file_is_gone_is_computed_again(cache_folder):
    view, record = cache_folder
    cache.store("03", record, view)
    for kept in cache.FILES.rglob("*"):
        if kept.is_file():
            kept.unlink()
    assert cache.lookup("03", record) is None


def test_a_cache_that_cannot_be_written_is_said_once_and_skipped(cache_folder, capsys, monkeypatch):
    view, record = cache_folder

    def full(source, target):
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr(cache.shutil, "copyfile", full)
    cache.store("03", record, view)
    message = capsys.readouterr().err.strip()
    assert message.startswith("cache not updated (no space left on device: ")
    assert "\n" not in message
    assert cache.lookup("03", record) is None


# --------------------------------------------------------------------------- compare

def run_with(folder, tables: dict[str, str], parameters: dict) -> Run:
    (folder / "tables").mkdir(parents=True)
    for name, text in tables.items():
        (folder / "tables" / f"{name}.csv").write_text(text)
    (folder / "state.json").write_text(json.dumps({"02": {"parameters": parameters}}))
    return Run(folder.name)


def test_compare_says_which_estimates_changed_by_how_much_and_which_cells_became_hidden(
        tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "RUNS", tmp_path)
    header = "metric,group,n,pct,suppressed\n"
    first = run_with(tmp_path / "t30", {
        "estimates": header + "a,Europe,40,50.000,False\na,Asia,35,20.000,False\n"
                              "b,Europe,40,10.000,False\nc,Africa,31,5.000,False\n",
        "gone": "x\n1\n"}, {"min_group_size": 30})
    second = run_with(tmp_path / "t50", {
        "estimates": header + "a,Europe,40,52.500,False\na,Asia,35,,True\n"
                              "b,Europe,40,10.000,False\nd,Africa,60,7.000,False\n"},
                      {"min_group_size": 50})
    found = compare.changes(first, second)
    cells = {(r.row, r.column): (r.status, r.change) for r in found.itertuples()}
    assert cells[("metric=a; group=Europe", "pct")] == ("changed", 2.5)
    assert cells[("metric=a; group=Asia", "pct")][0] == "hidden"
    assert cells[("metric=a; group=Asia", "suppressed")][0] == "changed"
    assert not [k for k in cells if k[0] == "metric=b; group=Europe"]  # unchanged: not listed
    assert cells[("metric=c; group=Africa", "")][0] == "only in first"
    assert cells[("metric=d; group=Africa", "")][0] == "only in second"
    assert cells[("", "")][0] == "only in first"  # the table `gone`
    reversed_ = compare.changes(second, first)
    assert reversed_.loc[reversed_["column"].eq("pct") & reversed_["row"].str.contains("Asia"),
                         "status"].tolist() == ["shown"]
    assert compare.parameters_changed(first, second) == ["02.min_group_size: 30 -> 50"]
    table = compare.summary(found).set_index("table")
    assert table.at["estimates", "hidden"] == 1 and table.at["estimates", "largest_change"] == 2.5
    compare.figure(found, first, second, tmp_path / "changes.png")
    assert (tmp_path / "changes.png").stat().st_size > 10_000


def test_compare_names_the_runs_there_are_when_one_is_unknown():
    with pytest.raises(ParameterError, match=r"no run named 'nowhere'.*the runs are: default"):
        compare.main("default", "nowhere")


# --------------------------------------------------------------------------- values in the data

def values_with(**changes) -> dict[str, dict]:
    values = params.validate(paths.PARAMS, deep=False)
    for name, value in changes.items():
        for own in values.values():
            if name in own:
                own[name] = value
    return values


def test_a_focus_region_outside_the_scheme_stops_before_anything_runs():
    data_check.check_scheme(values_with())
    with pytest.raises(ParameterError, match="focus_region = 'Atlantis' is not a region of the "
                                             "'m49' scheme; its regions are"):
        data_check.check_scheme(values_with(focus_region="Atlantis"))
    data_check.check_scheme(values_with(region_scheme="continent", focus_region="Oceania"))


def test_values_are_checked_against_the_clean_data_as_the_notebooks_check_them(tmp_path):
    leaders = pd.DataFrame({"region": ["Europe"] * 40 + ["Asia Pacific"] * 40,
                            "country": ["France"] * 40 + ["India"] * 40})
    leaders.to_csv(tmp_path / "clean.csv", index=False)
    present = {"focus_region": "Europe", "focus_country": "India"}
    data_check.check_clean(values_with(**present), tmp_path / "clean.csv")
    for name, value in (("focus_region", "North America"), ("focus_country", "Kenya")):
        with pytest.raises(ParameterError, match=f"{name} = '{value}' is not in the data"):
            data_check.check_clean(values_with(**{**present, name: value}), tmp_path / "clean.csv")
    few = leaders.head(10)  # too few to show any group: the notebooks let any focus pass
    data_check.check_values(values_with(focus_country="Kenya"), few)


def test_params_check_with_an_export_cleans_it_and_checks_the_values_against_it(tmp_path):
    (tmp_path / "p.yaml").write_text(paths.PARAMS.read_text().replace(
        "focus_country: United States", "focus_country: Atlantis"))
    command = [sys.executable, "-m", "microcred", "params", "check", "--params",
               str(tmp_path / "p.yaml")]
    assert subprocess.run(command, capture_output=True,
                          text=True).returncode == 0  # a country: data
    raw = ["--raw", str(paths.LEADERS_EXPORT)]
    stopped = subprocess.run([*command, *raw], capture_output=True, text=True)
    assert stopped.returncode == 2
    assert "focus_country = 'Atlantis' is not in the data" in stopped.stderr
    passed = subprocess.run([*command[:-2], *raw], capture_output=True, text=True)
    assert passed.returncode == 0, passed.stderr
    assert "1,058 valid responses in 6 regions of the 'm49' scheme" in passed.stdout
    assert "the scheme places every identified country" in passed.stdout


# --------------------------------------------------------------------------- clean

def test_clean_removes_only_what_is_not_committed_and_asks_before_the_rest(tmp_path):
    folder = make_sandbox(tmp_path / "project")
    written = ["build/state.json", "build/cache/files/ab/abc", "runs/europe/state.json",
               "data/interim/rejected.csv", "data/processed/leaders_clean.csv",
               "report/notebooks/02_regional_comparison.failed.ipynb"]
    committed = ["figures/a.png", "tables/a.csv", "report/report.pdf",
                 "report/notebooks/01_clean.ipynb",
                 "data/interim/README.md"]
    for name in written + committed:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x")
    env = {**os.environ, "MICROCRED_ROOT": str(folder)}

    def clean(*args):
        return subprocess.run([sys.executable, "-m", "microcred", "clean", *args], cwd=folder,
                              env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)

    result = clean()
    assert result.returncode == 0 and "kept the committed outputs" in result.stdout
    assert [n for n in written if (folder / n).exists()] == []
    assert [n for n in committed if not (folder / n).exists()] == []
    asked = clean("--all")  # nobody to answer: nothing removed
    assert "Not without --yes" in asked.stderr
    assert [n for n in committed if not (folder / n).exists()] == []
    clean("--all", "--yes")
    assert [n for n in committed if (folder / n).exists()] == ["data/interim/README.md"]
