"""Every command the README shows works as written (issue 27). The commands are read from the
README (its shell blocks, and inline commands that start with make, `python -m` or .venv/bin/);
each is run here, in a copy of the built project, or is run by the test named for it, where it
cannot run here (the test suite itself, a server, a whole new environment); the two that no test
runs say why. A command added to the README without a place here fails the first test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_end_to_end import COMPARED, files_under

from microcred.core import paths

README = paths.ROOT / "README.md"
TESTS = Path(__file__).parent

# Run here, in this order, with the exit status the README describes. `python` is the
# environment's, activated as the README says (its bin/ first on PATH).
RUN_HERE = {
    "make": 0,
    "make setup": 0,
    "make browser": 0,
    ".venv/bin/python -m microcred --help": 0,
    "make report": 0,
    "make report JOBS=2": 0,
    "python -m microcred report": 0,
    ".venv/bin/python -m microcred report --params other.yaml": 0,
    "make report PARAMS=other.yaml": 0,
    ".venv/bin/python -m microcred report --dry-run": 0,
    ".venv/bin/python -m microcred report --check": 0,
    "make -q report": 1,  # as the README says: make always counts the target out of date
    ".venv/bin/python -m microcred params check --params other.yaml": 0,
    ".venv/bin/python -m microcred params check --params other.yaml --raw "
    "path/to/leaders_export.csv": 0,
    "make report PARAMS=europe.yaml RUN=europe": 0,
    ".venv/bin/python -m microcred compare default europe": 0,
    "python -m microcred.synthetic": 0,
    ".venv/bin/jupytext --to py:percent notebooks/*.ipynb": 0,
    "make clean": 0,
}

# Run by another test (file::test), or by CI's own script.
ELSEWHERE = {
    "make test": ".ci/run",
    "python -m microcred test": ".ci/run",
    "make lint": ".ci/run",
    "make lab":
        "test_browser.py::test_make_lab_offers_the_project_kernel_and_runs_the_cleaning_notebook",
    "make bench": "test_bench.py::test_bench_smoke_writes_results_and_readme",  # its smoke version
    "make report RAW=path/to/leaders_export.csv":
        "test_end_to_end.py::test_your_own_export_through_a_mapping_under_an_odd_file_name_builds_the_report",
    "make report RAW=examples/qualtrics_default_ids/leaders_export.csv "
    "PARAMS=examples/qualtrics_default_ids/params.yaml":
        "test_end_to_end.py::test_your_own_export_through_a_mapping_under_an_odd_file_name_builds_the_report",
    "make report RAW=… PARAMS=…":
        "test_end_to_end.py::test_your_own_export_through_a_mapping_under_an_odd_file_name_builds_the_report",
    "make report "
    "RAW=export.sav": "test_formats.py::test_the_same_responses_give_identical_clean_data",
    "python3 -m venv .venv && . .venv/bin/activate":
        "test_packaging.py::test_the_wheel_carries_every_file_and_builds_the_report_installed_on_its_own",
    "python -m pip install -r requirements.lock && python -m pip install --no-deps -e .":
        "test_packaging.py::test_the_wheel_carries_every_file_and_builds_the_report_installed_on_its_own",
    'python -m ipykernel install --sys-prefix --name microcred --display-name "Python (microcred)"':
        "test_packaging.py::test_the_wheel_carries_every_file_and_builds_the_report_installed_on_its_own",
    "python -m microcred …": "every `python -m microcred` command above",
}

# Run by no test, and why.
NOT_RUN = {
    "make mutate": "a full mutation run takes about two and a half hours on two cores; "
                   "test_mutate.py checks how its results are judged and the list of equivalent "
                   "mutants",
    "make audit": "about two minutes more; `make test` runs its cases but the 1,500-response "
                  "exports, a pair of thresholds and an unprotected second scheme (audit_full)",
    "python -m microcred mutate 'microcred.statistics.*'": "part of `make mutate`, as long as "
                                                           "a layer takes (see make mutate)",
    "make lock": "it rewrites requirements.lock from the package index; test_environment.py "
                 "checks the lock",
    "conda env create -f environment.yml && conda activate microcred":
        "conda is not part of the test environment; test_environment.py checks environment.yml",
    "docker build -t microcred .": "no Docker engine where the tests run; test_container.py checks "
                                   "the recipe, and its steps are make setup and make report",
    "docker run --name microcred-run microcred": "no Docker engine where the tests run "
                                                 "(test_container.py)",
    "docker cp microcred-run:/microcred/report ./report-from-container":
        "no Docker engine where the tests run (test_container.py)",
}


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            command = re.split(r"\s+#", line)[0].strip()
            if command and not command.startswith("#"):
                found.append(command)
    found += re.findall(r"`(make(?: [^`]*)?|python3? -m [^`]+|\.venv/bin/[^`\s]+ [^`]+)`", text)
    return list(dict.fromkeys(found))


def test_every_readme_command_is_run_by_a_test_or_says_why_not():
    commands = readme_commands()
    placed = [*RUN_HERE, *ELSEWHERE, *NOT_RUN]
    assert len(placed) == len(set(placed))
    assert [c for c in commands if c not in placed] == [], "place each new README command here"
    assert [c for c in placed if c not in commands] == [], "the README no longer shows these"
    for where in ELSEWHERE.values():
        if "::" in where:
            file, test = where.split("::")
            assert f"def {test}(" in (TESTS / file).read_text(encoding="utf-8"), where
        elif where.startswith("."):
            assert (paths.ROOT / where).is_file()


@pytest.mark.slow
@pytest.mark.xdist_group("built")
def test_the_readme_commands_work_as_written(built, tmp_path):
    folder = tmp_path / "project"
    shutil.copytree(built, folder, symlinks=True)
    params = (paths.ROOT / "params.yaml").read_text(encoding="utf-8")
    (folder / "other.yaml").write_text(params)
    (folder / "europe.yaml").write_text(params.replace("focus_region: North America",
                                                      "focus_region: Europe"))
    (folder / "path" / "to").mkdir(parents=True)
    shutil.copy2(paths.LEADERS_EXPORT, folder / "path" / "to" / "leaders_export.csv")
    shutil.copytree(paths.ROOT / "examples", folder / "examples")  # the generator writes one too
    env = {**os.environ, "MICROCRED_ROOT": str(folder), "CI": "true",
           "PATH": f"{folder / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    committed = files_under(folder, COMPARED)
    for command, expected in RUN_HERE.items():
        result = subprocess.run(["bash", "-c", command], cwd=folder, env=env, capture_output=True,
                                text=True, stdin=subprocess.DEVNULL)
        assert result.returncode == expected, \
            f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    assert files_under(folder, COMPARED) == committed  # untouched, by `make clean` too
    for regenerated in ("data/raw", "examples",
                        "notebooks"):  # the generator and jupytext: same bytes
        for name, data in files_under(paths.ROOT, [regenerated]).items():
            assert (folder / name).read_bytes() == data, name
    assert (folder / "runs" / "europe").exists() is False  # removed by `make clean`
