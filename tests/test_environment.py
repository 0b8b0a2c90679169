"""One command installs the pinned environment anywhere: the lock resolves for every platform
(test_platforms.py installs it on each); environment.yml (conda) and binder/ (Binder) install
exactly the lock's pins, the package itself and the notebooks' kernel."""

from __future__ import annotations

import re
import tomllib

import yaml

from microcred.core import paths
from microcred.tooling import lockfile

KERNEL_INSTALL = re.compile(r"python -m ipykernel install --sys-prefix --name microcred\b")


def lock_text() -> str:
    return lockfile.LOCK.read_text(encoding="utf-8")


def test_the_lock_is_universal_with_platform_markers():
    text = lock_text()
    assert "--universal" in text.splitlines()[1], \
        "requirements.lock was not compiled by `make lock`"
    markers = " ".join(marker for _, _, marker in lockfile.pins(text))
    for platform in ("sys_platform == 'darwin'", "os_name == 'nt'"):
        assert platform in markers, f"no pin for {platform}: the lock was resolved for one platform"


def test_every_pin_of_the_lock_is_read_with_its_hashes():
    text = lock_text()
    pins = lockfile.pins(text)
    assert len(pins) == len(re.findall(r"^[A-Za-z0-9][^\s#]*==", text, flags=re.M)) > 50
    assert text.count("--hash=sha256:") >= len(pins)


def test_requires_python_is_the_lowest_python_the_lock_is_resolved_for():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == f">={lockfile.PYTHON}"
    assert f"--python-version {lockfile.PYTHON}" in lock_text().splitlines()[1]


def test_environment_yml_is_generated_from_the_lock():
    written = lockfile.ENVIRONMENT.read_text(encoding="utf-8")
    assert written == lockfile.environment_yml(lock_text()), \
        "environment.yml is stale: run `make lock`"


def test_environment_yml_installs_the_locks_pins_the_package_and_says_how_to_register_the_kernel():
    text = lockfile.ENVIRONMENT.read_text(encoding="utf-8")
    env = yaml.safe_load(text)
    assert env["name"] == "microcred" and env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert conda == [f"python={lockfile.PYTHON}", "pip"], "conda supplies Python and pip only"
    (pip,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip[-1] == "-e ."
    pinned = {lockfile.normalise(r.split("==")[0]): r.split("==")[1].split(" ;")[0]
              for r in pip[:-1]}
    assert pinned == lockfile.versions(lock_text())
    assert KERNEL_INSTALL.search(text)


def test_a_changed_lock_changes_environment_yml():
    text = lock_text().replace("pandas==", "pandas==0.0.1", 1)
    assert "pandas==0.0.1" in lockfile.environment_yml(text)


def test_binder_installs_the_lock_the_package_and_the_microcred_kernel():
    binder = paths.ROOT / "binder"
    requirements = (binder / "requirements.txt").read_text(encoding="utf-8").split("\n")
    assert "-r ../requirements.lock" in requirements
    runtime = (binder / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime == f"python-{lockfile.PYTHON}"
    post_build = binder / "postBuild"
    script = post_build.read_text(encoding="utf-8")
    assert post_build.stat().st_mode & 0o111, "repo2docker runs postBuild only if it is executable"
    assert "pip install --no-deps -e ." in script and KERNEL_INSTALL.search(script)


def test_readme_has_a_binder_badge_for_the_cited_repository():
    citation = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    owner_repo = citation["repository-code"].removeprefix("https://github.com/")
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert f"https://mybinder.org/v2/gh/{owner_repo}/HEAD" in readme
    assert "https://mybinder.org/badge_logo.svg" in readme
