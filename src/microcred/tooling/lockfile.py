"""The pinned environment, written once: `requirements.lock` (compiled by `make lock` for the
platforms pyproject.toml's [tool.uv] required-environments lists) is the only source of versions,
and `environment.yml` for conda users is generated from it, so the two cannot disagree.

conda provides Python and pip only; pip installs the lock's exact pins (platform markers kept)
and the package itself. conda cannot run a step after installing, so the kernel registration the
notebooks need is printed in the file's header (and done by `make setup` and Binder's postBuild).

    python -m microcred.tooling.lockfile          # rewrite environment.yml from requirements.lock
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from microcred.core import paths

LOCK = paths.LOCK
ENVIRONMENT = paths.CONDA_ENVIRONMENT
PYTHON = "3.11"  # the lowest Python the lock is resolved for (requires-python in pyproject.toml)
KERNEL = ('python -m ipykernel install --sys-prefix --name microcred '
          '--display-name "Python (microcred)"')
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)"
                 r"(?:\s*;\s*(?P<marker>[^\\]+?))?\s*\\?$", re.M)


def normalise(name: str) -> str:
    """A distribution name as package indexes compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock_text: str) -> list[tuple[str, str, str]]:
    """(name, version, marker) for every pin of a lock compiled by uv, in file order; the marker
    is empty for a package every platform needs."""
    return [(m["name"], m["version"], (m["marker"] or "").strip()) for m in PIN.finditer(lock_text)]


def versions(lock_text: str) -> dict[str, str]:
    """Each pinned package's version in a lock."""
    return {normalise(name): version for name, version, _ in pins(lock_text)}


def requirement(name: str, version: str, marker: str) -> str:
    """A pin as pip reads it, with its environment marker."""
    return f"{name}=={version}" + (f" ; {marker}" if marker else "")


def environment_yml(lock_text: str) -> str:
    """environment.yml's text from the lock."""
    lines = [
        "# Generated from requirements.lock by `make lock` (python -m microcred.tooling.lockfile): "
        "do not edit.",
        "# conda supplies Python and pip; pip installs the lock's pins and the package (-e .).",
        "#   conda env create -f environment.yml && conda activate microcred",
        "# conda cannot run a step after installing: register the notebooks' kernel once with",
        f"#   {KERNEL}",
        "name: microcred",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={PYTHON}",
        "  - pip",
        "  - pip:",
    ]
    lines += [f'      - "{requirement(*pin)}"' for pin in pins(lock_text)]
    lines.append('      - "-e ."')
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Write environment.yml from requirements.lock (`make lock`)."""
    parser = argparse.ArgumentParser(description="write environment.yml from requirements.lock")
    parser.add_argument("--lock", type=Path, default=LOCK)
    parser.add_argument("--output", type=Path, default=ENVIRONMENT)
    args = parser.parse_args(argv)
    args.output.write_text(environment_yml(args.lock.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
