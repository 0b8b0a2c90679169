"""`make mutate`'s verdict (tooling.mutate): a survivor fails the run unless it is listed as
equivalent with the change it makes, and the list says what is true of the code as it is. The
mutation run itself takes many minutes and is not part of `make test`."""

from __future__ import annotations

import fnmatch
import tomllib

from microcred.core import paths
from microcred.tooling import mutate

SPEEDER = "microcred.survey.validity.x_speeders__mutmut_9"
CHANGE = ("- reason = _reasons(records.index, duration < threshold,\n"
          "+ reason = _reasons(records.index, duration <= threshold,")
LISTED = {SPEEDER: {"mutant": SPEEDER, "change": CHANGE, "why": "an example"}}


def change_of(name: str) -> str:
    return CHANGE if name == SPEEDER else f"- a\n+ b ({name})"


def test_a_survivor_not_listed_fails_the_run_with_its_change():
    found = {SPEEDER: "survived", "m.x_f__mutmut_1": "survived", "m.x_f__mutmut_2": "killed"}
    wrong = mutate.problems(found, LISTED, change_of)
    assert wrong == ["m.x_f__mutmut_1: survived\n- a\n+ b (m.x_f__mutmut_1)"]


def test_a_function_no_test_reaches_is_a_survivor_too():
    wrong = mutate.problems({"m.x_f__mutmut_1": "no tests"}, {}, change_of)
    assert len(wrong) == 1 and wrong[0].startswith("m.x_f__mutmut_1: no tests")


def test_a_timeout_counts_as_killed():
    assert mutate.problems({"m.x_f__mutmut_1": "timeout"}, {}, change_of) == []


def test_a_listed_mutant_now_killed_or_changed_or_gone_is_to_look_at_again():
    assert "take it off the list" in mutate.problems({SPEEDER: "killed"}, LISTED, change_of)[0]
    renumbered = mutate.problems({SPEEDER: "survived"}, LISTED, lambda name: "- a\n+ b")
    assert "another change" in renumbered[0]
    assert "no such mutant" in mutate.problems({}, LISTED, change_of)[0]


def test_the_listed_change_is_compared_without_its_spacing():
    spaced = {SPEEDER: {**LISTED[SPEEDER], "change": CHANGE.replace(" ", "   ") + "\n\n"}}
    assert mutate.problems({SPEEDER: "survived"}, spaced, change_of) == []


def test_the_score_counts_killed_mutants_of_all_and_of_those_not_equivalent():
    found = {SPEEDER: "survived", "a": "killed", "b": "timeout", "c": "survived"}
    assert mutate.score(found, LISTED) == ("mutation score: 2 of 4 mutants killed (50.0%); 1 "
                                           "listed as equivalent; 2 of the other 3 killed (66.7%)")


def test_every_listed_equivalent_mutant_says_what_it_changes_and_why_and_is_of_a_mutated_module():
    config = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mutated = config["tool"]["mutmut"]["only_mutate"]
    entries = mutate.listed()
    raw = (paths.EQUIVALENT_MUTANTS.read_text(encoding="utf-8")).count("- mutant:")
    assert raw == len(entries), "a mutant listed twice"
    for name, entry in entries.items():
        module = name.split(".x")[0].split(".xǁ")[0]
        path = "src/" + module.replace(".", "/") + ".py"
        assert any(fnmatch.fnmatch(path, pattern) for pattern in mutated), name
        lines = entry["change"].strip().splitlines()
        assert lines and all(line[:1] in "+-" for line in lines), name
        assert len(entry["why"].split()) >= 5, f"{name}: say why no input tells it apart"


def test_mutant_names_restrict_both_the_run_and_the_judgement(monkeypatch, capsys):
    """`mutate microcred.statistics.*` runs those mutants only, and neither a survivor of another
    module (the gate, being rewritten) nor a listed mutant of another module fails it."""
    calls = []
    monkeypatch.setattr(mutate, "_mutmut", lambda *args, capture=False: calls.append(args))
    monkeypatch.setattr(mutate, "statuses", lambda: {
        "microcred.statistics.design.x_f__mutmut_1": "killed",
        "microcred.release.gate.x_g__mutmut_1": "survived"})
    monkeypatch.setattr(mutate, "listed", lambda: {"microcred.release.gate.x_h__mutmut_9": {}})
    monkeypatch.setattr(mutate, "change", change_of)
    assert mutate.main(["--jobs", "1", "microcred.statistics.*"]) == 0
    assert calls == [("run", "--max-children", "1", "microcred.statistics.*")]
    assert "1 of 1 mutants killed" in capsys.readouterr().out
    assert mutate.main(["--judge-only"]) == 1 and len(calls) == 1


def test_the_command_line_passes_its_mutant_names_on():
    from microcred.tooling.cli import parser

    args = parser().parse_args(["mutate", "--jobs", "1", "microcred.statistics.design.*"])
    assert (args.jobs, args.judge_only, args.mutants) == (1, False,
                                                          ["microcred.statistics.design.*"])
