"""The package as a wheel (issue 25, packaging): it carries every file the package reads (the
report's templates among them), and installed without the source tree, into a fresh environment
from the lock, it builds the report: the same bytes as the committed outputs. The version is
written once, in pyproject.toml: the installed package reports it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest
from test_end_to_end import COMPARED, files_under

import microcred
from microcred.core import paths
from microcred.tooling.sandbox import make_sandbox

PYPROJECT = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]


def package_files() -> set[str]:
    """Every file of the package's source tree, named as in a wheel (microcred/...)."""
    return {p.relative_to(paths.PACKAGE.parent).as_posix() for p in paths.PACKAGE.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_the_installed_package_reports_the_version_pyproject_gives():
    assert microcred.__version__ == VERSION


@pytest.mark.slow
def test_the_wheel_carries_every_file_and_builds_the_report_installed_on_its_own(tmp_path):
    uv = shutil.which("uv", path=str(paths.ROOT / ".venv" / "bin")) or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is installed by `make setup`")
    source = tmp_path / "source"  # a copy, so that building writes nothing into the checkout
    shutil.copytree(paths.ROOT / "src", source / "src", ignore=shutil.ignore_patterns(
        "__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(paths.ROOT / name, source / name)
    subprocess.run([uv, "build", "--wheel", "--quiet", "--out-dir", str(tmp_path / "dist"),
                    str(source)], check=True)
    wheel = next((tmp_path / "dist").glob("microcred-*.whl"))
    assert wheel.name.startswith(f"microcred-{VERSION}-")
    with zipfile.ZipFile(wheel) as archive:
        carried = {n for n in archive.namelist() if n.startswith("microcred/")}
    assert package_files() - carried == set()

    environment = tmp_path / "env"
    python = environment / "bin" / "python"
    for command in (["venv", "--quiet", "--python", sys.executable, str(environment)],
                    ["pip", "sync", "--quiet", "--python", str(python), str(paths.LOCK)],
                    ["pip", "install", "--quiet", "--no-deps", "--python", str(python),
                     str(wheel)]):
        subprocess.run([uv, *command], check=True)
    subprocess.run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "microcred"],
                   check=True, capture_output=True)

    project = make_sandbox(tmp_path / "project")  # inputs only: no src/, no editable install
    env = {**os.environ, "MICROCRED_ROOT": str(project),
           "JUPYTER_PATH": str(environment / "share" / "jupyter"),  # its kernel, no other
           "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data")}
    version = subprocess.run([python, "-c", "import microcred; print(microcred.__version__, "
                              "microcred.__file__)"], env=env, capture_output=True, text=True,
                             check=True).stdout.split()
    assert version[0] == VERSION and str(environment) in version[1]
    built = subprocess.run([python, "-m", "microcred", "report"], cwd=project, env=env,
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    fresh, committed = files_under(project, COMPARED), files_under(paths.ROOT, COMPARED)
    assert sorted(fresh) == sorted(committed)
    assert [n for n in fresh if fresh[n] != committed[n]] == []
