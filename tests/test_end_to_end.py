"""End to end, in scratch copies of the project (MICROCRED_ROOT): a fresh `make report`
reproduces the committed outputs byte for byte and leaves nothing to do; another export, your own
export through a mapping, bad input and an interrupted run all behave as documented."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from microcred import paths, synth
from microcred.params import NOTEBOOKS
from microcred.sandbox import make, make_sandbox

from conftest import write_export

pytestmark = pytest.mark.slow
ROOT = paths.ROOT
COMPARED = ["tables", "figures", "report/report.html", "report/tables"]


def files_under(folder: Path) -> dict[str, bytes]:
    out = {}
    for part in COMPARED:
        base = folder / part
        items = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        out.update({p.relative_to(folder).as_posix(): p.read_bytes() for p in items})
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One fresh `make report` in a scratch copy, shared by the tests that only read it."""
    folder = make_sandbox(tmp_path_factory.mktemp("fresh"))
    make(folder, "report")
    return folder


def test_fresh_make_report_reproduces_the_committed_outputs_byte_for_byte(built):
    fresh, committed = files_under(built), files_under(ROOT)
    assert sorted(fresh) == sorted(committed)
    differ = [name for name in fresh if fresh[name] != committed[name]]
    assert not differ, f"outputs differ from the committed ones (run `make report`, commit): {differ}"


def test_second_make_report_has_nothing_to_do(built):
    assert make(built, "-q", "report", check=False).returncode == 0
    assert "Nothing to be done" in make(built, "report").stdout


def test_a_bad_parameters_file_stops_make_even_when_everything_is_up_to_date(built):
    (built / "typo.yaml").write_text("03_barriers:\n  focus_contry: India\n")
    result = make(built, "report", "PARAMS=typo.yaml", check=False)
    assert result.returncode != 0 and "03_barriers.focus_contry is unknown" in result.stderr


def test_changing_one_notebooks_parameter_reruns_only_it(built):
    params = built / "params.yaml"
    original = params.read_text()
    try:
        params.write_text(original.replace("top_combinations: 10", "top_combinations: 8"))
        dry = make(built, "-n", "report").stdout
        assert "03_barriers" in dry and "04_report" in dry
        assert "01_clean" not in dry and "02_regional" not in dry
    finally:
        params.write_text(original)


def test_a_regenerated_export_with_another_seed_builds_the_report(tmp_path):
    folder = make_sandbox(tmp_path)
    other = folder / "data" / "raw" / "leaders_seed7.csv"
    synth.write_exports(other, None, seed=7)
    make(folder, "report", "RAW=data/raw/leaders_seed7.csv")
    page = (folder / "report" / "report.html").read_text()
    assert "leaders_seed7.csv" in page and "Synthetic data" in page
    dispositions = pd.read_csv(folder / "tables" / "dispositions.csv")
    assert dispositions["rows_in"].iat[0] == len(synth.leaders_export(seed=7))


def test_the_example_mapping_runs_end_to_end(tmp_path):
    folder = make_sandbox(tmp_path)
    example = folder / "examples" / "qualtrics_default_ids"
    example.mkdir(parents=True)
    for name in ("params.yaml", "leaders_export.csv"):
        (example / name).write_bytes((synth.EXAMPLE / name).read_bytes())
    make(folder, "report", "PARAMS=examples/qualtrics_default_ids/params.yaml")
    est = pd.read_csv(folder / "tables" / "estimates.csv")
    overall = est[est["group_type"].eq("all")].set_index("metric")
    assert overall.at["career_outcomes", "n"] > 1000  # the renamed, relabelled scale was read
    assert (folder / "report" / "report.html").exists()


def test_bad_input_ends_with_one_readable_message_and_leaves_nothing_up_to_date(tmp_path):
    folder = make_sandbox(tmp_path)
    frame = synth.leaders_export()
    frame.loc[4, "offers_mc"] = "Perhaps"
    write_export(folder / "data" / "raw" / "bad.csv", frame)
    result = make(folder, "report", "RAW=data/raw/bad.csv", check=False)
    assert result.returncode != 0
    tail = result.stderr.strip().splitlines()[-6:]
    message = "\n".join(tail)
    assert "01_clean failed" in message and "row 8" in message and "'offers_mc'" in message
    assert "'Perhaps'" in message
    executed = folder / "report" / "notebooks"
    assert not [nb for nb in NOTEBOOKS if (executed / f"{nb}.ipynb").exists()]
    assert (executed / "01_clean.failed.ipynb").exists()  # kept for its traceback
    assert not (folder / "report" / "report.html").exists()


def test_a_typo_in_the_parameters_stops_the_run_naming_it(tmp_path):
    folder = make_sandbox(tmp_path)
    (folder / "typo.yaml").write_text("03_barriers:\n  focus_contry: India\n")
    result = make(folder, "report", "PARAMS=typo.yaml", check=False)
    assert result.returncode != 0
    assert "03_barriers.focus_contry is unknown" in result.stderr


def test_a_focus_country_not_in_the_data_stops_the_run_naming_it(tmp_path):
    folder = make_sandbox(tmp_path)
    (folder / "p.yaml").write_text((ROOT / "params.yaml").read_text().replace(
        "focus_country: United States", "focus_country: Atlantis"))
    result = make(folder, "report", "PARAMS=p.yaml", check=False)
    assert result.returncode != 0 and "focus_country = 'Atlantis' is not in the data" in result.stderr


@pytest.mark.parametrize("case", ["all previews", "country empty everywhere"])
def test_exports_with_nothing_valid_reject_every_row_with_its_reason(tmp_path, case):
    folder = make_sandbox(tmp_path)
    frame = synth.leaders_export()
    if case == "all previews":
        frame["Status"] = "Survey Preview"
    else:
        frame["country"] = ""
    write_export(folder / "data" / "raw" / "none.csv", frame)
    result = make(folder, "report", "RAW=data/raw/none.csv", check=False)
    assert result.returncode != 0 and "no valid responses remain" in result.stderr
    rejected = pd.read_csv(folder / "data" / "interim" / "rejected.csv")
    assert len(rejected) == len(frame)  # clean (none) + rejected = raw
    assert rejected["reason"].str.len().gt(0).all()


def test_an_interrupted_run_then_a_rerun_gives_the_same_outputs(tmp_path):
    folder = make_sandbox(tmp_path)
    env = {**os.environ, "MICROCRED_ROOT": str(folder)}
    process = subprocess.Popen(["make", "report"], cwd=folder, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    executed = folder / "report" / "notebooks" / "01_clean.ipynb"
    deadline = time.time() + 300
    while not executed.exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # into the next notebooks
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=120)
    assert process.returncode != 0
    make(folder, "report")
    fresh, committed = files_under(folder), files_under(ROOT)
    assert [n for n in committed if fresh.get(n) != committed[n]] == []
    assert not list(folder.rglob(".*.tmp")) and not list(folder.rglob(".*.running.ipynb"))
