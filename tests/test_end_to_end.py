"""End to end, in scratch copies of the project (MICROCRED_ROOT): a fresh `make report`
reproduces the committed outputs byte for byte and leaves nothing to do; a deleted output is
rebuilt; your own export (another seed) through a mapping, under a file name full of shell
characters, bad input, a failure after the first notebook and an interrupted run all behave as
documented, a failed or interrupted run leaving the previous outputs untouched. A named run has a
folder of its own, going back to parameters computed before takes under a second (the cache),
and two runs compare. (Faults: tests/test_faults.py.)"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from microcred.core import manifest, paths
from microcred.synthetic import generator as synth
from microcred.tooling.sandbox import make, make_sandbox, microcred

from conftest import write_export

pytestmark = pytest.mark.slow
ROOT = paths.ROOT
COMPARED = ["tables", "figures", "report/report.html", "report/report.pdf", "report/report.docx",
            "report/tables"]
EVERY_OUTPUT = [*COMPARED, "report/notebooks", "data/processed", "data/interim", "build/state.json"]
# The tests of the one shared build run in the same pytest-xdist worker: it is built once.
on_the_build = pytest.mark.xdist_group("built")


def processes_of(folder: Path, variable: str = "MICROCRED_ROOT") -> list[str]:
    """Processes (runners, kernels) still running with `variable` set to `folder`."""
    import psutil  # ipykernel's own dependency

    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(variable) == str(folder):
                found.append(" ".join(process.cmdline()))
        except psutil.Error:  # ended meanwhile, or not ours to read
            pass
    return found


def files_under(folder: Path, parts=COMPARED) -> dict[str, bytes]:
    out = {}
    for part in parts:
        base = folder / part
        # what failed attempts kept aside is no output
        items = [base] if base.is_file() else sorted(
            p for p in base.rglob("*") if p.is_file() and not p.name.endswith(".failed.ipynb")
            and "failed" not in p.relative_to(base).parts)
        out.update({p.relative_to(folder).as_posix(): p.read_bytes() for p in items})
    return out


@on_the_build
def test_fresh_make_report_reproduces_the_committed_outputs_byte_for_byte(built):
    fresh, committed = files_under(built), files_under(ROOT)
    assert sorted(fresh) == sorted(committed)
    differ = [name for name in fresh if fresh[name] != committed[name]]
    assert not differ, \
        f"outputs differ from the committed ones (run `make report`, commit): {differ}"


@on_the_build
def test_second_make_report_has_nothing_to_do(built):
    assert "Nothing to do" in make(built, "report").stdout
    assert "Nothing to do" in microcred(built, "report", "--dry-run").stdout
    assert microcred(built, "report", "--check").returncode == 0


@on_the_build
def test_the_outputs_are_the_declared_ones(built):
    produced = set(files_under(built, EVERY_OUTPUT)) - {"data/processed/README.md",
                                                        "data/interim/README.md",
                                                        "build/state.json"}
    declared = {n for nb in manifest.notebooks() for n in manifest.output_names(nb)}
    executed = {f"report/notebooks/{nb}.ipynb" for nb in manifest.notebooks()}
    assert produced == declared | executed


@on_the_build
def test_each_notebook_ran_in_a_fresh_kernel_of_its_own_and_none_is_left(built):
    """Runners start the next notebook's kernel ahead of time; still, each notebook counts its
    cells from 1 (a kernel shared with the previous notebook would go on counting) and no runner
    or kernel outlives the run."""
    for notebook in manifest.notebooks():
        nb = json.loads((built / "report" / "notebooks" / f"{notebook}.ipynb").read_text())
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), notebook
    assert processes_of(built) == []


def test_a_runner_on_standby_told_nothing_stops_its_kernel_and_exits(tmp_path):
    env = {**os.environ, "MICROCRED_ROOT": str(ROOT), "MICROCRED_STAGING": str(tmp_path)}
    runner = subprocess.Popen([sys.executable, "-m", "microcred.tooling.runner", "--standby"],
                              cwd=ROOT,
                              env=env, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, errors = runner.communicate("", timeout=120)
    assert runner.returncode == 0 and not errors
    assert not list(tmp_path.iterdir())  # wrote nothing
    assert processes_of(tmp_path, "MICROCRED_STAGING") == []  # its kernel is gone


@on_the_build
@pytest.mark.parametrize("deleted", [("tables/dispositions.csv", "report/report.html"),
                                     ("data/interim/rejected.csv",)])
def test_a_deleted_output_is_rebuilt_and_only_its_notebook_reruns(built, deleted):
    """01 rebuilds its output with identical bytes (from the cache: it has run with these inputs
    before), so 02 and 03 stay; 04 rebuilds the report when it is gone."""
    before = files_under(built, EVERY_OUTPUT)
    for name in deleted:
        (built / name).unlink()
    ran = make(built, "report").stdout
    assert "01_clean" in ran and ("04_report" in ran) == ("report/report.html" in deleted)
    assert "02_regional" not in ran and "03_barriers" not in ran
    assert files_under(built, EVERY_OUTPUT) == before


@on_the_build
def test_a_bad_parameters_file_stops_make_even_when_everything_is_up_to_date(built):
    (built / "typo.yaml").write_text("03_barriers:\n  focus_contry: India\n")
    result = make(built, "report", "PARAMS=typo.yaml", check=False)
    assert result.returncode != 0 and "03_barriers.focus_contry is unknown" in result.stderr


@on_the_build
def test_another_schemes_run_of_the_export_with_another_width_is_refused_before_the_analysis(
        built):
    """The default run publishes m49 at width 3; a continent run beside it at width 4 would be
    protected against an m49 release nobody published (tooling.release_family)."""
    before = files_under(built, EVERY_OUTPUT)
    (built / "cont4.yaml").write_text((ROOT / "params.yaml").read_text()
                                      .replace("region_scheme: m49", "region_scheme: continent")
                                      .replace("protection_width: 3", "protection_width: 4"))
    result = make(built, "report", "PARAMS=cont4.yaml", "RUN=cont4", check=False)
    assert result.returncode != 0
    assert ("the default run publishes the same export under the 'm49' region scheme with other "
            "disclosure parameters (protection_width 3 there, 4 here)") in result.stderr
    assert "02_regional_comparison" not in result.stdout  # refused before the analysis
    assert files_under(built, EVERY_OUTPUT) == before and not (built / "runs" / "cont4").exists()


@on_the_build
def test_changing_one_notebooks_parameter_reruns_only_it(built):
    params = built / "params.yaml"
    original = params.read_text()
    try:
        params.write_text(original.replace("top_combinations: 10", "top_combinations: 8"))
        dry = microcred(built, "report", "--dry-run").stdout
        assert "03_barriers" in dry and "04_report" in dry
        assert "01_clean" not in dry and "02_regional" not in dry
        assert microcred(built, "report", "--check", check=False).returncode == 1
    finally:
        params.write_text(original)


ODD_NAME = "my export 'q' \"d\" $HOME `touch pwned` $(touch pwned).csv"


def test_your_own_export_through_a_mapping_under_an_odd_file_name_builds_the_report(tmp_path):
    """The your-own-data example (another seed, the platform's column ids, a numbered scale)
    mapped by its params.yaml, saved under a file name full of shell characters: the whole
    pipeline runs; spaces, quotes, backticks and $ are characters, never shell syntax."""
    folder = make_sandbox(tmp_path)
    example = folder / "examples" / "qualtrics_default_ids"
    example.mkdir(parents=True)
    (example / "params.yaml").write_bytes((synth.EXAMPLE / "params.yaml").read_bytes())
    export = synth.EXAMPLE / "leaders_export.csv"
    (folder / "data" / "raw" / ODD_NAME).write_bytes(export.read_bytes())
    result = make(folder, "report", f"RAW=data/raw/{ODD_NAME}",
                  "PARAMS=examples/qualtrics_default_ids/params.yaml")
    assert "without encryption" not in result.stderr and "IPKernelApp" not in result.stderr
    assert not list(folder.rglob("pwned")) and not (Path.cwd() / "pwned").exists()
    page = (folder / "report" / "report.html").read_text()
    assert "my export" in page and "Synthetic data" in page
    dispositions = pd.read_csv(folder / "tables" / "dispositions.csv")
    assert dispositions["rows_in"].iat[0] == len(pd.read_csv(export, dtype=str))  # every record
    est = pd.read_csv(folder / "tables" / "estimates.csv")
    overall = est[est["group_type"].eq("all")].set_index("metric")
    assert overall.at["career_outcomes", "n"] > 1000  # the renamed, relabelled scale was read
    assert overall.at["benefit_engagement", "n"] > 400  # asked of offering leaders only


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
    assert not [nb for nb in manifest.notebooks() if (executed / f"{nb}.ipynb").exists()]
    assert (executed / "01_clean.failed.ipynb").exists()  # kept for its traceback
    assert not (folder / "report" / "report.html").exists()


@on_the_build
def test_a_focus_country_not_in_the_data_stops_the_run_before_its_notebook_starts(built):
    (built / "p.yaml").write_text((ROOT / "params.yaml").read_text().replace(
        "focus_country: United States", "focus_country: Atlantis"))
    result = make(built, "report", "PARAMS=p.yaml", check=False)
    assert result.returncode != 0
    assert "focus_country = 'Atlantis' is not in the data" in result.stderr
    assert result.stdout.count(" s  (") == 0  # no notebook ran, 03 did not start
    assert not list((built / "report" / "notebooks").glob("*.failed.ipynb"))


@on_the_build
def test_a_focus_region_the_clean_data_lacks_stops_the_run_after_cleaning_before_analysis(built):
    """Oceania is a region of the continent scheme and the export has leaders there, but all of
    them answered too fast: cleaning runs (in staging), then the run stops before 02 or 03
    starts, and nothing is published."""
    from microcred.survey import countries, region_schemes

    before = files_under(built, EVERY_OUTPUT)
    frame = synth.leaders_export()
    resolved = countries.resolve_spellings(frame["country"]).set_index("spelling")
    iso3 = frame["country"].map(resolved["iso3"])
    table = region_schemes.country_table("continent")
    oceania = iso3.isin(table.loc[table["region"].eq("Oceania"), "iso3"])
    assert oceania.sum() >= 10
    frame.loc[oceania, "Duration (in seconds)"] = "1"
    write_export(built / "oceania_speeders.csv", frame)
    (built / "p.yaml").write_text((ROOT / "params.yaml").read_text().replace(
        "region_scheme: m49", "region_scheme: continent").replace(
        "focus_region: North America", "focus_region: Oceania"))
    result = make(built, "report", "PARAMS=p.yaml", "RAW=oceania_speeders.csv", check=False)
    assert result.returncode != 0 and "focus_region = 'Oceania' is not in the data" in result.stderr
    ran = [line.split()[0] for line in result.stdout.splitlines() if " s  (" in line]
    assert ran == ["01_clean"]
    assert files_under(built, EVERY_OUTPUT) == before
    assert processes_of(built) == []


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
    kept = "kept to see why: report/notebooks/01_clean.failed.ipynb, data/interim/failed"
    assert kept in result.stderr
    assert not (folder / "data" / "interim" / "rejected.csv").exists()  # nothing was published
    rejected = pd.read_csv(folder / "data" / "interim" / "failed" / "rejected.csv")
    assert len(rejected) == len(frame)  # every record of the failed attempt, with its reason
    assert rejected["reason"].str.len().gt(0).all()


def leaders_rejected(path: Path) -> int:
    return int(pd.read_csv(path)["survey"].eq("leaders").sum())


@on_the_build
def test_a_failure_after_the_first_notebook_leaves_the_previous_outputs_untouched(built):
    """01 reruns with other outputs (a stricter speeder rule), then 02 fails: nothing of that
    run is published (rejected.csv stays that of the published clean data); the failed notebook
    and the attempt's rejected records are kept aside, and the next successful run removes them."""
    before = files_under(built, EVERY_OUTPUT)
    source = built / "notebooks" / "02_regional_comparison.ipynb"
    original = source.read_bytes()
    notebook = json.loads(original)
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {},
                              "outputs": [], "source": "raise RuntimeError('planted failure')"})
    (built / "p.yaml").write_text((ROOT / "params.yaml").read_text().replace(
        "speeder_fraction: 0.3333333333333333", "speeder_fraction: 0.7"))
    try:
        source.write_text(json.dumps(notebook))
        result = make(built, "report", "PARAMS=p.yaml", check=False)
    finally:
        source.write_bytes(original)
    assert result.returncode != 0 and "RuntimeError: planted failure" in result.stderr
    assert "01_clean" in result.stdout  # it did run, in the staging folder
    assert files_under(built, EVERY_OUTPUT) == before
    interim = built / "data" / "interim"
    assert leaders_rejected(interim / "failed" / "rejected.csv") == 302  # 183 speeders among them
    assert leaders_rejected(interim / "rejected.csv") == 147  # the published run's: 1,058 + 147
    assert (built / "report" / "notebooks" / "02_regional_comparison.failed.ipynb").exists()
    assert processes_of(built) == []  # nor the runner started ahead for 03, nor its kernel
    assert "Nothing to do" in make(built, "report").stdout
    assert not list((built / "report" / "notebooks").glob("*.failed.ipynb"))
    assert not (interim / "failed").exists()
    assert not (built / "build" / "staging").exists()


@on_the_build
def test_an_interrupted_run_leaves_the_previous_outputs_untouched(built):
    before = files_under(built, EVERY_OUTPUT)
    env = {**os.environ, "MICROCRED_ROOT": str(built)}
    (built / "p.yaml").write_text((ROOT / "params.yaml").read_text().replace(
        "speeder_fraction: 0.3333333333333333", "speeder_fraction: 0.5"))
    process = subprocess.Popen(["make", "report", "PARAMS=p.yaml"], cwd=built, env=env,
                               start_new_session=True, stdout=subprocess.PIPE, text=True,
                               stderr=subprocess.DEVNULL)
    assert any(line.startswith("01_clean") for line in process.stdout)  # 01 done; 02 running
    time.sleep(2)
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=120)
    assert process.returncode != 0
    assert files_under(built, EVERY_OUTPUT) == before
    assert not (built / "build" / "staging").exists()
    assert not list(built.rglob(".*.tmp")) and not list(built.rglob(".*.running.ipynb"))
    assert processes_of(built) == []
    assert "Nothing to do" in make(built, "report").stdout


@on_the_build
def test_a_named_run_has_its_own_folder_and_going_back_takes_under_a_second(built):
    """`make report PARAMS=europe.yaml RUN=europe` leaves the default outputs alone; the default
    run switched to those parameters and back is served by the cache; `compare` tells the two
    runs apart."""
    before = files_under(built, EVERY_OUTPUT)
    (built / "europe.yaml").write_text((ROOT / "params.yaml").read_text().replace(
        "focus_region: North America", "focus_region: Europe"))
    made = make(built, "report", "PARAMS=europe.yaml", "RUN=europe").stdout
    assert "01_clean                    0.0 s  (from the cache" in made  # the default run's
    assert "published in runs/europe/" in made
    assert files_under(built, EVERY_OUTPUT) == before
    europe = built / "runs" / "europe"
    state = json.loads((europe / "state.json").read_text())
    assert state["02_regional_comparison"]["parameters"]["focus_region"] == "Europe"
    assert (europe / "report" / "report.html").is_file()
    assert (europe / "data" / "interim" / "rejected.csv").is_file()
    seconds = []  # CPU seconds of the command (a shared machine's load does not count)
    for params in ("europe.yaml", "params.yaml") * 2:  # all four times from the cache
        start = resource.getrusage(resource.RUSAGE_CHILDREN)
        switched = microcred(built, "report", f"--params={params}").stdout
        end = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds.append(end.ru_utime - start.ru_utime + end.ru_stime - start.ru_stime)
        ran = [line for line in switched.splitlines() if " s  (" in line]
        assert ran and all("(from the cache: " in line for line in ran), switched
    assert files_under(built, EVERY_OUTPUT) == before
    assert min(seconds) < 1.0, seconds
    compared = microcred(built, "compare", "default", "europe").stdout
    assert "02_regional_comparison.focus_region: 'North America' -> 'Europe'" in compared
    changes = pd.read_csv(built / "build" / "compare" / "default-vs-europe" / "changes.csv")
    assert set(changes["table"]) == {"focus_region_vs_rest"}  # nothing else depends on the focus
