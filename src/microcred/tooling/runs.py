"""Runs: where a run's outputs are published. The default run keeps the project's own folders
(figures/, tables/, report/, data/processed/, data/interim/; its state in build/state.json); a
named run has a folder of its own, runs/<name>/, laid out the same way, with its state (every
parameter and the hash of every input and output: its provenance) in runs/<name>/state.json.
Several parameter sets or exports can so stand side by side and be compared
(`python -m microcred compare`), leaving the committed default outputs alone."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from microcred.core import paths
from microcred.core.choices import ParameterError

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DEFAULT = "default"  # how the default run is named on the command line


@dataclass(frozen=True)
class Run:
    name: str  # "" for the default run

    @classmethod
    def named(cls, name: str | None) -> Run:
        """The run of that name (empty or 'default': the project's own folders)."""
        name = (name or "").strip()
        if name in ("", DEFAULT):
            return cls("")
        if not NAME.fullmatch(name):
            raise ParameterError(f"run name {name!r}: use letters, digits, '.', '_' and '-' "
                                 "(up to 64, starting with a letter or digit)")
        return cls(name)

    @property
    def root(self) -> Path:
        """The folder the run's outputs are published to."""
        return paths.RUNS / self.name if self.name else paths.ROOT

    @property
    def state_file(self) -> Path:
        """The file that records the run's notebooks' last successful runs."""
        return self.root / "state.json" if self.name else paths.BUILD_STATE

    @property
    def label(self) -> str:
        """The run's name as messages give it."""
        return f"runs/{self.name}" if self.name else DEFAULT

    def read_state(self) -> dict:
        """The run's recorded state (empty where there is none yet)."""
        try:
            return json.loads(self.state_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}


def find(spec: str) -> Run:
    """A run given on the command line: `default`, a name under runs/, or that folder's path."""
    candidate = Path(spec)
    if candidate.parts[:1] == ("runs",) and len(candidate.parts) == 2:
        spec = candidate.parts[1]
    run = Run.named(spec)
    if run.name and not run.state_file.is_file():
        known = sorted(p.parent.name for p in paths.RUNS.glob("*/state.json"))
        raise ParameterError(f"no run named {run.name!r} (runs/{run.name}/ has no state.json); "
                             f"the runs are: {', '.join([DEFAULT, *known])}")
    return run
