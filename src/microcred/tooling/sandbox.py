"""A scratch copy of the project's inputs (no outputs), sharing its environment, in which the
end-to-end tests and the benchmark run the pipeline through MICROCRED_ROOT without touching the
committed outputs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from microcred.core import paths

INPUTS = (paths.NOTEBOOKS, paths.EXTERNAL, paths.RAW)
FILES = (paths.PARAMS, paths.MANIFEST, *(paths.resolve(n) for n in ("Makefile", "pyproject.toml",
                                                                    "requirements.lock")))


def make_sandbox(folder: Path) -> Path:
    """A scratch copy of the project's inputs in `folder`, with the checkout's .venv linked."""
    folder = Path(folder)
    for part in INPUTS:
        shutil.copytree(part, folder / paths.relative(part))
    for file in FILES:
        shutil.copy2(file, folder / file.name)  # keeps mtimes: setup stays up to date
    (folder / ".venv").symlink_to(paths.resolve(".venv"))
    return folder


def make(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`make ARGS` in the sandbox, with the project pointed at it."""
    env = {**os.environ, "MICROCRED_ROOT": str(folder)}
    result = subprocess.run(["make", *args], cwd=folder, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"make {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result


def microcred(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`python -m microcred ARGS` in the sandbox, as `make` would call it."""
    env = {**os.environ, "MICROCRED_ROOT": str(folder)}
    result = subprocess.run([str(folder / ".venv" / "bin" / "python"), "-m", "microcred", *args],
                            cwd=folder, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"microcred {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result

