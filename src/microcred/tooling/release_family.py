"""Runs of one export published side by side, checked before the analysis starts.

The disclosure gate protects the releases of one export under every region scheme together: a
run under a later scheme rebuilds the earlier schemes' releases as those runs make them, with its
own disclosure parameters, and hides whatever more keeps every hidden count uncertain given all
of them. That holds only when the earlier runs were made with the same parameters: a continent
run made with a wider protection width than the m49 run beside it protects itself against an m49
release nobody published, and the two together give small groups back. So a run is refused when
another run in this checkout publishes the same export under another scheme with other disclosure
parameters.

Two runs that keep different respondents of one export (other cleaning parameters) can be
differenced to one respondent's answers; no gate can see the other run's respondents. That is
said, not refused: comparing cleanings is ordinary work, publishing both is not."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from microcred.core import paths
from microcred.core.choices import ParameterError
from microcred.tooling.runs import DEFAULT, Run

DISCLOSURE = ("min_group_size", "min_institutions", "protection_width", "disclosure_control")
CLEANING = ("speeder_fraction", "repeat_window_hours", "response_statuses")
PROVENANCE = paths.PROVENANCE.relative_to(paths.OUTPUT_ROOT)  # within a run's folder


@dataclass(frozen=True)
class Release:
    """What matters of a run for publishing it beside another."""
    label: str
    export: str  # the leaders export's sha256
    scheme: str
    disclosure: dict
    cleaning: dict


def release(label: str, parameters: dict[str, dict], provenance: dict) -> Release:
    """A run's release from its parameters (by notebook) and its cleaning's provenance."""
    merged = {name: value for own in parameters.values() for name, value in own.items()}
    return Release(label, provenance["leaders"]["sha256"], provenance["region_scheme"],
                   {name: merged.get(name) for name in DISCLOSURE},
                   {name: provenance.get(name) for name in CLEANING})


def published(besides: Run) -> list[Release]:
    """The other runs published in this checkout (the default run and runs/*)."""
    runs = [Run("")] + [Run(p.parent.name) for p in sorted(paths.RUNS.glob("*/state.json"))]
    found = []
    for run in runs:
        if run == besides:
            continue
        state, provenance = run.read_state(), run.root / PROVENANCE
        if state and provenance.is_file():
            found.append(release(_label(run), {nb: r["parameters"] for nb, r in state.items()},
                                 json.loads(provenance.read_text(encoding="utf-8"))))
    return found


def check(this: Release, others: list[Release]) -> list[str]:
    """Refuse a run that another scheme's run of the same export makes unsafe; the notes to say
    about runs of the same export that keep other respondents."""
    notes = []
    for other in (o for o in others if o.export == this.export):
        if other.scheme != this.scheme and other.disclosure != this.disclosure:
            differ = {k: (other.disclosure[k], this.disclosure[k]) for k in DISCLOSURE
                      if other.disclosure[k] != this.disclosure[k]}
            raise ParameterError(
                f"{other.label} publishes the same export under the {other.scheme!r} region "
                f"scheme with other disclosure parameters ({_pairs(differ)}); the schemes are "
                f"protected together only with the same ones: use them here, or remove "
                f"{other.label} before publishing this run")
        if other.cleaning != this.cleaning:
            differ = {k: (other.cleaning[k], this.cleaning[k]) for k in CLEANING
                      if other.cleaning[k] != this.cleaning[k]}
            notes.append(f"note: {other.label} keeps other respondents of the same export "
                         f"({_pairs(differ)}): published together, the two can be differenced "
                         f"to single respondents; publish one of them")
    return notes


def check_run(values: dict[str, dict], provenance: Path, run: Run) -> list[str]:
    """`check` for the run being made (its parameters and its freshly written provenance)."""
    this = release(_label(run), values, json.loads(provenance.read_text(encoding="utf-8")))
    return check(this, published(run))


def _label(run: Run) -> str:
    return run.label if run.name else f"the {DEFAULT} run"


def _pairs(differ: dict) -> str:
    return ", ".join(f"{name} {theirs!r} there, {ours!r} here"
                     for name, (theirs, ours) in differ.items())
