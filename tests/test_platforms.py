"""The lock installs from binary wheels on every platform it claims: for each environment that
pyproject.toml's [tool.uv] required-environments lists, uv resolves requirements.lock as pip
installs it (every package pinned with its hashes, nothing built from source), at the oldest
operating system the claim names, for every Python it names: the lock's Python in the unit tests,
the later ones with the slow tests.

Each asks the package index (about a second; several on a busy machine); where there is none,
MICROCRED_OFFLINE=1 skips them rather than letting them fail."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from microcred.core import paths
from microcred.tooling import lockfile

CLAIM = ("Linux (x86-64 and aarch64, glibc 2.28 or later), macOS 12 or later (Intel and Apple "
         "silicon) and Windows (x64), with Python 3.11 to 3.14")
PYTHONS = ("3.11", "3.12", "3.13", "3.14")
MACOS_12 = {"MACOSX_DEPLOYMENT_TARGET": "12.0"}  # uv's oldest macOS for a darwin target
# Each required environment as uv's --python-platform target, at the oldest system of the claim.
TARGETS = {
    "sys_platform == 'linux' and platform_machine == 'x86_64'": ("x86_64-manylinux_2_28", {}),
    "sys_platform == 'linux' and platform_machine == 'aarch64'": ("aarch64-manylinux_2_28", {}),
    "sys_platform == 'darwin' and platform_machine == 'x86_64'": ("x86_64-apple-darwin", MACOS_12),
    "sys_platform == 'darwin' and platform_machine == 'arm64'": ("aarch64-apple-darwin", MACOS_12),
    "sys_platform == 'win32' and platform_machine == 'AMD64'": ("x86_64-pc-windows-msvc", {}),
}
OFFLINE = os.environ.get("MICROCRED_OFFLINE") == "1"
UV = Path(sysconfig.get_path("scripts")) / ("uv.exe" if sys.platform == "win32" else "uv")


def required_environments() -> list[str]:
    pyproject = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["tool"]["uv"]["required-environments"]


def prose(path: Path) -> str:
    """A file's text as one line, comment signs and line breaks taken out."""
    lines = (line.strip().lstrip("#").strip()
             for line in path.read_text(encoding="utf-8").splitlines())
    return re.sub(r"\s+", " ", " ".join(lines))


def platforms_and_pythons() -> list:
    """Every required environment with every Python of the claim; the later Pythons are slow."""
    return [pytest.param(environment, python,
                         id=f"{TARGETS.get(environment, [environment])[0]}-{python}",
                         marks=[] if python == lockfile.PYTHON else [pytest.mark.slow])
            for environment in required_environments() for python in PYTHONS]


@pytest.mark.skipif(OFFLINE, reason="MICROCRED_OFFLINE=1: no package index to resolve against")
@pytest.mark.parametrize("environment,python", platforms_and_pythons())
def test_the_lock_installs_from_wheels_on_each_required_platform(environment, python, tmp_path):
    assert environment in TARGETS, f"no uv target for the required environment {environment!r}"
    assert UV.exists(), f"{UV} is missing: run `make setup`"
    target, env = TARGETS[environment]
    command = [str(UV), "pip", "install", "--dry-run", "--quiet", "--require-hashes",
               "--only-binary", ":all:", "--python", sys.executable, "--target", str(tmp_path),
               "--python-platform", target, "--python-version", python, "-r", str(lockfile.LOCK)]
    run = subprocess.run(command, cwd=paths.ROOT, env={**os.environ, **env}, text=True,
                         capture_output=True, timeout=300)
    assert run.returncode == 0, (
        f"requirements.lock does not install from wheels on {target} with Python {python}:\n"
        f"{run.stderr.strip()}\n(an unreachable package index fails too: MICROCRED_OFFLINE=1 "
        "skips these tests)")


def test_every_platform_tested_is_required_when_the_lock_is_compiled():
    assert sorted(required_environments()) == sorted(TARGETS)
    header = lockfile.LOCK.read_text(encoding="utf-8").splitlines()[1]
    assert "--only-binary :all:" in header, "requirements.lock was not compiled by `make lock`"
    assert PYTHONS[0] == lockfile.PYTHON


@pytest.mark.parametrize("document", ["README.md", "pyproject.toml", "Makefile"])
def test_the_documents_claim_exactly_the_platforms_tested(document):
    text = prose(paths.ROOT / document)
    assert CLAIM in text, f"{document} does not state the platforms tested: {CLAIM}"
    assert "Linux, macOS and Windows" not in text
