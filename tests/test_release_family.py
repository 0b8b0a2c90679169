"""Runs of one export published side by side (tooling.release_family): another region scheme with
other disclosure parameters is refused, other cleaning parameters are said."""

from __future__ import annotations

import json

import pytest

from microcred.core import paths
from microcred.core.choices import ParameterError
from microcred.tooling import release_family
from microcred.tooling.runs import Run

DISCLOSURE = {"min_group_size": 30, "min_institutions": 5, "protection_width": 3,
              "disclosure_control": "on"}
CLEANING = {"speeder_fraction": 1 / 3, "repeat_window_hours": 24,
            "response_statuses": ["IP Address"]}


def provenance(scheme="m49", export="abc", **cleaning) -> dict:
    return {"leaders": {"sha256": export}, "region_scheme": scheme, **CLEANING, **cleaning}


def parameters(**disclosure) -> dict[str, dict]:
    """As a run's values or state hold them: by notebook, the disclosure ones in several."""
    own = {**DISCLOSURE, **disclosure}
    return {"01_clean": {"speeder_fraction": 1 / 3}, "02_regional_comparison": dict(own),
            "03_barriers": dict(own)}


def a_release(label="runs/a", scheme="m49", export="abc", cleaning=None, **disclosure):
    return release_family.release(label, parameters(**disclosure),
                                  provenance(scheme, export, **(cleaning or {})))


def test_another_scheme_of_the_same_export_with_another_width_is_refused_naming_both_values():
    with pytest.raises(ParameterError) as refused:
        release_family.check(a_release(scheme="continent", protection_width=4),
                             [a_release("the default run")])
    message = str(refused.value)
    assert message.startswith("the default run publishes the same export under the 'm49'")
    assert "protection_width 3 there, 4 here" in message


@pytest.mark.parametrize("changed", [{"min_group_size": 35}, {"min_institutions": 3},
                                     {"disclosure_control": "off for internal use"}])
def test_every_disclosure_parameter_counts(changed):
    with pytest.raises(ParameterError):
        release_family.check(a_release(scheme="continent", **changed), [a_release()])


def test_the_same_parameters_under_another_scheme_or_another_export_pass_silently():
    assert release_family.check(a_release(scheme="continent"), [a_release()]) == []
    other_export = a_release(scheme="continent", export="def", protection_width=4)
    assert release_family.check(other_export, [a_release()]) == []
    # one scheme at two widths: the gate protects each alone (the audit differences such pairs)
    assert release_family.check(a_release(protection_width=4), [a_release()]) == []


def test_other_cleaning_of_the_same_export_is_said_not_refused():
    notes = release_family.check(a_release(cleaning={"repeat_window_hours": 16}), [a_release()])
    assert notes == ["note: runs/a keeps other respondents of the same export "
                     "(repeat_window_hours 24 there, 16 here): published together, the two "
                     "can be differenced to single respondents; publish one of them"]


def test_the_runs_published_in_the_checkout_are_read_from_their_state_and_provenance(
        tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    monkeypatch.setattr(paths, "RUNS", tmp_path / "runs")
    monkeypatch.setattr(paths, "BUILD_STATE", tmp_path / "build" / "state.json")
    for run, scheme in [(Run(""), "m49"), (Run("cont"), "continent"), (Run("half"), "m49")]:
        state = {nb: {"parameters": own} for nb, own in parameters().items()}
        run.state_file.parent.mkdir(parents=True, exist_ok=True)
        run.state_file.write_text(json.dumps(state))
        if run.name != "half":  # a run cut short before cleaning published: no provenance
            where = run.root / release_family.PROVENANCE
            where.parent.mkdir(parents=True, exist_ok=True)
            where.write_text(json.dumps(provenance(scheme)))
    found = release_family.published(besides=Run("cont"))
    assert [(r.label, r.scheme) for r in found] == [("the default run", "m49")]
    assert found[0].disclosure == DISCLOSURE
    assert [r.label for r in release_family.published(besides=Run(""))] == ["runs/cont"]
