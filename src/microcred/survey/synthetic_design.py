"""The assumptions the synthetic reconstruction is made from (data/external/synthetic_design.yaml:
its sample's shape, the noise cleaning must remove, fieldwork dates, how leaders of one
institution agree): the generator's design, quoted by the report on synthetic data. The one
place that file is read; a module of its own, so that only the notebooks that quote it depend
on it (cleaning never reads it)."""

from __future__ import annotations

from pathlib import Path

import yaml

from microcred.core import paths


def load(path: Path = paths.SYNTHETIC_DESIGN) -> dict:
    """The synthetic reconstruction's design, as written in the file."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
