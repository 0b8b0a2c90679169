"""The container recipe, read without Docker (no engine where these tests run): a pinned image of
the lock's Python, the environment installed from the lock by `make setup` and by nothing else,
the files that step reads copied before it, `make report` as what the container runs, and a build
context that holds what a clone holds."""

from __future__ import annotations

import json
import re
import tomllib

from microcred.core import paths
from microcred.tooling import lockfile

DOCKERFILE = paths.ROOT / "Dockerfile"


def instructions(keyword: str) -> list[str]:
    """The arguments of every `keyword` instruction of the Dockerfile, lines continued joined."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    rows = [line.strip().partition(" ") for line in text.splitlines()]
    return [arguments.strip() for word, _, arguments in rows if word.upper() == keyword]


def lines(path) -> list[str]:
    text = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in text if line.strip() and not line.startswith("#")]


def copied_before_setup() -> set[str]:
    """What the COPY instructions before `RUN make setup` bring in (their sources, not the
    target)."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    before = text[:text.index("RUN make setup")]
    sources = set()
    for arguments in re.findall(r"^COPY (.+)$", before, flags=re.M):
        sources |= {word.rstrip("/") for word in arguments.split()[:-1]
                    if not word.startswith("--")}
    return sources


def test_the_base_image_is_the_locks_python_pinned_to_one_release():
    (image,) = instructions("FROM")
    name, _, digest = image.partition("@")
    tag = name.removeprefix("python:")
    assert name.startswith("python:") and "-slim" in tag, "a Debian slim image of Python"
    assert tag.startswith(f"{lockfile.PYTHON}."), f"{image} is not Python {lockfile.PYTHON}"
    assert re.fullmatch(r"sha256:[0-9a-f]{64}",
                        digest) or re.fullmatch(r"\d+\.\d+\.\d+-slim-[a-z]+", tag), (
        f"{image}: pin the image by digest or by a tag naming one release and one Debian")


def test_the_environment_comes_from_the_lock_through_make_setup_only():
    runs = instructions("RUN")
    assert sum("make setup" in run for run in runs) == 1
    assert not any(re.search(r"pip3? install|\buv\b|conda|mamba", run) for run in runs)
    (apt,) = [run for run in runs if "apt-get install" in run]
    packages = apt.split("apt-get install", 1)[1].split("&&")[0].split()
    assert {p for p in packages if not p.startswith("-")} == {"make", "git"}
    assert "--no-install-recommends" in packages


def test_make_setup_has_every_file_it_reads_when_it_runs():
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    prerequisites = re.search(r"^\$\(SETUP\):((?: [\w.-]+)+)$", makefile, flags=re.M)[1].split()
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    readme = project["project"]["readme"]  # read when the package is installed (-e .)
    package = project["tool"]["setuptools"]["packages"]["find"]["where"]
    assert {"Makefile", *prerequisites, readme, *package} <= copied_before_setup()
    assert "requirements.lock" in prerequisites


def test_the_container_runs_make_report():
    assert [json.loads(command) for command in instructions("CMD")] == [["make", "report"]]


def docker_pattern(git_pattern: str) -> str:
    """A .gitignore pattern as .dockerignore writes it: a name without a slash matches at any
    depth in git, at the top only in Docker."""
    negation, pattern = ("!", git_pattern[1:]) if git_pattern.startswith("!") else ("", git_pattern)
    pattern = pattern.rstrip("/")
    return negation + (pattern if "/" in pattern else f"**/{pattern}")


def test_the_build_context_holds_what_a_clone_holds():
    expected = [".git"] + [docker_pattern(p) for p in lines(paths.ROOT / ".gitignore")]
    assert lines(paths.ROOT / ".dockerignore") == expected

