"""The faults a run really meets (issue 24), each on a copy of one built project: killed at any
moment, two runs at once, make alone stopped (an IDE's stop button), a folder that cannot be
written, a full disk. After each, the published outputs are those of one run: every output is
the one the state records, and clean + rejected = raw. The folder and disk cases need root and
`mount` (a read-only bind mount, a small tmpfs) and are skipped elsewhere; the same faults are
also injected without root in tests/test_publication.py."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from test_end_to_end import EVERY_OUTPUT, ROOT, files_under, processes_of

from microcred.tooling.build import fingerprint
from microcred.tooling.sandbox import make, microcred

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("built")]
SPEEDERS = {"p07.yaml": 0.7, "p06.yaml": 0.6}  # 183 and 98 speeders (the default rule: 27)
UNCHANGED = "nothing was published; the previous outputs are unchanged"


@pytest.fixture
def project(built, tmp_path) -> Path:
    """A copy of the built project (its cache too), with two parameter files whose speeder rule
    rejects other records, so that a mix of two runs shows."""
    folder = tmp_path / "project"
    shutil.copytree(built, folder, symlinks=True)
    for name, fraction in SPEEDERS.items():
        (folder / name).write_text((ROOT / "params.yaml").read_text().replace(
            "speeder_fraction: 0.3333333333333333", f"speeder_fraction: {fraction}"))
    return folder


def one_run(folder: Path) -> list[str]:
    """What shows a mix of runs in the published outputs (nothing when they are one run's)."""
    state = json.loads((folder / "build" / "state.json").read_text())
    wrong = [name for record in state.values() for name, h in record["writes"].items()
             if fingerprint(folder / name) != h]
    provenance = json.loads((folder / "data" / "processed" / "provenance.json").read_text())
    raw = provenance["leaders"]["records"]
    clean = len(pd.read_csv(folder / "data" / "processed" / "leaders_clean.csv"))
    rejected = pd.read_csv(folder / "data" / "interim" / "rejected.csv")
    rejected = rejected["survey"].eq("leaders").sum()
    if clean + rejected != raw:
        wrong.append(f"clean {clean} + rejected {rejected} != raw {raw}")
    return wrong


def speeder_fraction(folder: Path) -> float:
    state = json.loads((folder / "build" / "state.json").read_text())
    return next(r["parameters"]["speeder_fraction"] for r in state.values()
                if "speeder_fraction" in r["parameters"])


def start(folder: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "MICROCRED_ROOT": str(folder)}
    return subprocess.Popen(["make", "report", *args], cwd=folder, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def notebooks_done(process: subprocess.Popen, count: int) -> None:
    """Wait until the run has said `count` notebooks are done (or it ended)."""
    while count > 0:
        line = process.stdout.readline()
        if not line:
            return
        count -= " s  (" in line


def none_left(folder: Path, seconds: float = 30) -> list[str]:
    """Runners and kernels of the folder still running after up to `seconds` (kernels notice
    their runner is gone within a second or two)."""
    deadline = time.monotonic() + seconds
    while (left := processes_of(folder)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def test_the_published_outputs_are_one_runs_after_a_kill_at_any_moment(project):
    """SIGKILL to the whole run (make, the build, its runners) after a random number of
    notebooks and a random moment, publishing included; the next command completes or undoes
    a publication cut short."""
    rng = random.Random(24)
    for params in ["p07.yaml", "params.yaml", "p06.yaml", "p07.yaml", "params.yaml"]:
        done = rng.randint(0, 4)  # 4: every notebook done, the publication under way
        process = start(project, f"PARAMS={params}")
        notebooks_done(process, done)
        time.sleep(rng.uniform(0, 0.3 if done == 4 else 2.0))
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        assert none_left(project) == []
        microcred(project, "report", "--check", f"--params={params}", check=False)
        assert one_run(project) == [], (params, done)
    make(project, "report", "PARAMS=p07.yaml")
    assert one_run(project) == [] and speeder_fraction(project) == 0.7


def test_a_second_run_in_the_checkout_is_refused_and_the_first_publishes_its_own(project):
    lock = project / "build" / "run.lock"
    lock.unlink(missing_ok=True)  # the copied project's, written by the run that built it
    first = start(project, "PARAMS=p07.yaml")
    while "process" not in (lock.read_text() if lock.exists() else ""):
        time.sleep(0.1)
    second = make(project, "report", "PARAMS=p06.yaml", check=False)
    assert second.returncode != 0
    assert ("error: another run is working in this checkout (report of the default run, process "
            in second.stderr)
    assert "this one stopped before changing anything" in second.stderr
    assert first.wait(timeout=600) == 0
    assert one_run(project) == [] and speeder_fraction(project) == 0.7


def test_stopping_make_alone_stops_the_run_and_publishes_nothing(project):
    """SIGTERM to make only, as an IDE's stop button sends it: make passes it on to the build,
    which stops its runners and kernels and publishes nothing."""
    before = files_under(project, EVERY_OUTPUT)
    process = start(project, "PARAMS=p06.yaml")
    notebooks_done(process, 1)  # 01 done (or restored); 02 running
    os.kill(process.pid, signal.SIGTERM)
    _, errors = process.communicate(timeout=60)
    assert process.returncode != 0 and "interrupted" in errors
    assert none_left(project) == []
    assert files_under(project, EVERY_OUTPUT) == before
    assert not (project / "build" / "staging").exists()


def error(stderr: str) -> str:
    """The build's own message (make adds its line after it)."""
    return [line for line in stderr.splitlines() if line.startswith("error: ")][-1]


def mount(*args: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def unmount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_report_folder_is_named_and_nothing_is_replaced(project):
    """Refused before anything runs; and when the folder turns read-only while the notebooks
    run, refused at publication, replacing nothing (root ignores permission bits: a read-only
    bind mount stands for a folder the user cannot write)."""
    report = project / "report"
    before = files_under(project, EVERY_OUTPUT)
    if not mount("--bind", str(report), str(report)):
        pytest.skip("needs root and mount (a read-only bind mount)")
    try:
        assert mount("-o", "remount,ro,bind", str(report))
        refused = make(project, "report", "PARAMS=p07.yaml", check=False)
        assert refused.returncode != 0 and " s  (" not in refused.stdout  # nothing ran
        assert error(refused.stderr) == (
            f"error: cannot write in report/ (a read-only file system): {UNCHANGED}")
        assert mount("-o", "remount,rw,bind", str(report))
        process = start(project, "PARAMS=p07.yaml")
        notebooks_done(process, 1)
        assert mount("-o", "remount,ro,bind", str(report))
        _, errors = process.communicate(timeout=600)
        assert process.returncode != 0
        assert error(errors) == ("error: cannot write in report/ (a read-only file system): "
                                 f"{UNCHANGED}")
    finally:
        unmount(report)
    assert files_under(project, EVERY_OUTPUT) == before and one_run(project) == []


def test_a_full_disk_is_one_sentence_naming_the_path(built, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if not mount("-t", "tmpfs", "-o", "size=96m", "tmpfs", str(disk)):
        pytest.skip("needs root and mount (a small tmpfs)")
    try:
        project = disk / "project"
        shutil.copytree(built, project, symlinks=True)
        (project / "p07.yaml").write_text((ROOT / "params.yaml").read_text().replace(
            "speeder_fraction: 0.3333333333333333", "speeder_fraction: 0.7"))
        before = files_under(project, EVERY_OUTPUT)
        free = shutil.disk_usage(disk).free
        (disk / "filler").write_bytes(b"\0" * (free - 3 * 2**20))  # 3 MB left
        result = make(project, "report", "PARAMS=p07.yaml", check=False)
        assert result.returncode != 0
        last = error(result.stderr)
        assert last.startswith("error: no space left on device: build/staging/"), last
        assert last.endswith(UNCHANGED) and "Traceback" not in result.stderr
        assert not (project / "build" / "staging").exists()
        assert files_under(project, EVERY_OUTPUT) == before and one_run(project) == []
    finally:
        unmount(disk)
