"""The codebook (data/external/codebook.yaml): columns, answer labels and their order, routing
and metric definitions. Everything else reads labels from here instead of repeating them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from microcred.core import paths

ORDERED_SCALES = ("agreement", "likelihood", "role")


@dataclass(frozen=True)
class Metric:
    """One metric of docs/data-contract.md section 4: who is in the base and what counts."""

    id: str
    column: str  # the clean column it is read from (a boolean column for multi-select options)
    among: tuple[tuple[str, str], ...]  # extra base conditions, e.g. (("offers_mc", "Yes"),)
    numerator: tuple[str, ...]  # labels that count; empty for multi-select options
    label: str
    multi: str | None = None  # the multi-select question an option metric belongs to

    @property
    def base(self) -> str:
        """The base in words, as written in every table."""
        conditions = [f"{col} = {value}" for col, value in self.among]
        answered = f"answered {self.multi}" if self.multi else "answered"
        return ", ".join(conditions + [answered])


@dataclass(frozen=True)
class Codebook:
    raw: dict
    survey: str

    @property
    def scales(self) -> dict[str, list[str]]:
        """Each answer scale's labels, in their order."""
        return self.raw["scales"]

    @property
    def metadata(self) -> list[dict]:
        """The platform's metadata columns of every export."""
        return self.raw["metadata"]

    @property
    def questions(self) -> list[dict]:
        """This survey's questions, in questionnaire order."""
        return self.raw[self.survey]["questions"]

    def question(self, qid: str) -> dict:
        """The question with this id."""
        return next(q for q in self.questions if q["id"] == qid)

    @property
    def export_metadata(self) -> list[dict]:
        """The platform columns this survey's export carries, in export order."""
        wanted = self.raw[self.survey].get("export_metadata")
        if wanted is None:
            return self.metadata
        return [m for m in self.metadata if m["id"] in wanted]

    @property
    def columns(self) -> list[str]:
        """Every column of an export, in export order."""
        return [m["id"] for m in self.export_metadata] + [q["id"] for q in self.questions]

    @property
    def personal_columns(self) -> list[str]:
        """The columns that identify a person, never in the clean data."""
        meta = [m["id"] for m in self.export_metadata if m.get("personal")]
        return meta + [q["id"] for q in self.questions if q.get("personal")]

    def labels(self, qid: str) -> list[str]:
        """Allowed answer labels of a choice or multi-select question, in their order."""
        q = self.question(qid)
        if q["kind"] == "multi":
            return [o["label"] for o in q["options"]]
        return list(self.scales[q["scale"]])

    def categorical(self, qid: str, values) -> pd.Categorical:
        """Answers of a choice question as a categorical in the codebook's order; ordered where
        the scale has an order (agreement, likelihood, seniority)."""
        q = self.question(qid)
        ordered = q.get("scale") in ORDERED_SCALES
        return pd.Categorical(values, categories=self.labels(qid), ordered=ordered)

    def options(self, qid: str) -> list[dict]:
        """The options of a question, as the codebook lists them."""
        return self.question(qid)["options"]

    def top_box(self, name: str) -> list[str]:
        """The labels of a named top box (e.g. agree: Agree and Strongly agree)."""
        return self.raw[self.survey]["top_boxes"][name]

    @property
    def metrics(self) -> list[Metric]:
        """Every metric of this survey (one per option of a multi-select question)."""
        out = []
        for m in self.raw[self.survey]["metrics"]:
            among = tuple((m.get("among") or {}).items())
            if "multi" in m:
                for opt in self.options(m["multi"]):
                    out.append(Metric(opt["metric"], opt["metric"], among, (), opt["label"],
                                      m["multi"]))
                continue
            num = m["numerator"]
            numerator = tuple(self.top_box(num) if isinstance(num, str) else num)
            out.append(Metric(m["id"], m["column"], among, numerator, m["label"]))
        return out

    def metric(self, metric_id: str) -> Metric:
        """The metric with this id."""
        return next(m for m in self.metrics if m.id == metric_id)

    def metrics_of(self, question: str) -> list[Metric]:
        """The option metrics of one multi-select question, in codebook order."""
        return [m for m in self.metrics if m.multi == question]

    @property
    def headline_metrics(self) -> list[str]:
        """The ids of the headline metrics, in the report's order."""
        return self.raw[self.survey]["headline_metrics"]

    def comparison_family(self, name: str) -> tuple[list[Metric], str, str]:
        """A family of planned comparisons (`comparison_families`): its metrics (`headline`,
        `all`, a multi-select question's options, or a list of ids), the kind of group compared
        with the rest, and the multiplicity correction."""
        spec = self.raw[self.survey]["comparison_families"][name]
        battery = spec["metrics"]
        if battery == "all":
            metrics = self.metrics
        elif battery == "headline":
            metrics = [self.metric(m) for m in self.headline_metrics]
        elif isinstance(battery, str):
            metrics = self.metrics_of(battery)
        else:
            metrics = [self.metric(m) for m in battery]
        return metrics, spec["groups"], spec["correction"]


@cache
def _load(path: str) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def load(survey: str = "leaders", path: Path = paths.CODEBOOK) -> Codebook:
    """The codebook of one survey (leaders or employers)."""
    return Codebook(_load(str(path)), survey)
