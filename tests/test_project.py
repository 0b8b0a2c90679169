"""The project's own rules: environment.yml agrees with the pins, source notebooks carry no
outputs and exactly one literal parameters cell, and parameters are checked before a run."""

from __future__ import annotations

import ast
import json
import re
import tomllib

import pytest
import yaml

from microcred import params, paths


def lock_versions() -> dict[str, str]:
    text = (paths.ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {m[0].lower().replace("_", "-"): m[1]
            for m in re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", text, flags=re.M)}


def test_environment_yml_pins_the_same_versions_as_the_lock():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep and not dep.startswith("python="):
            name, version = dep.split("=", 1)
            conda[name.lower().replace("_", "-")] = version
    lock = lock_versions()
    wrong = {n: (v, lock.get(n)) for n, v in conda.items() if lock.get(n) != v}
    assert not wrong, f"environment.yml and requirements.lock disagree: {wrong}"
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["test"]
    names = {re.split(r"[<>=\[ ;]", d)[0].lower().replace("_", "-") for d in declared}
    assert names <= set(conda), f"missing from environment.yml: {names - set(conda)}"


def test_every_declared_dependency_is_pinned_in_the_lock():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["test"]
    names = {re.split(r"[<>=\[ ;]", d)[0].lower().replace("_", "-") for d in declared}
    assert names <= set(lock_versions())


@pytest.mark.parametrize("notebook", params.NOTEBOOKS)
def test_source_notebooks_carry_no_outputs_and_one_literal_parameters_cell(notebook):
    nb = json.loads((paths.NOTEBOOKS / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    for node in ast.parse("".join(tagged[0]["source"])).body:
        ast.literal_eval(node.value)
    assert nb["metadata"]["kernelspec"]["name"] == "microcred"


def test_params_file_gives_each_notebook_what_it_declares():
    for notebook in params.NOTEBOOKS:
        values = params.effective(notebook, paths.ROOT / "params.yaml")
        assert set(values) == set(params.declared(notebook))


def write_params(tmp_path, text: str):
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text,words", [
    ("02_regional_comparison:\n  focus_regoin: Europe\n", "02_regional_comparison.focus_regoin is unknown"),
    ("common:\n  confidence: 0.9\n", "common.confidence is not declared"),
    ("common:\n  confidence_level: 1.5\n", "confidence_level = 1.5 is outside (0, 1)"),
    ("common:\n  confidence_level: high\n", "confidence_level = 'high' should be float"),
    ("common:\n  min_group_size: -3\n", "min_group_size = -3 is outside"),
    ("common:\n  region_scheme: planets\n", "region_scheme = 'planets'"),
    ("01_clean:\n  speeder_fraction: 0\n", "speeder_fraction = 0.0 is outside"),
    ("extra:\n  x: 1\n", "unknown section"),
])
def test_bad_parameters_stop_with_their_name(tmp_path, text, words):
    path = write_params(tmp_path, text)
    with pytest.raises(params.ParameterError, match=re.escape(words)):
        for notebook in params.NOTEBOOKS:
            params.effective(notebook, path)


def test_focus_region_not_in_the_data_names_the_parameter():
    with pytest.raises(params.ParameterError, match="focus_region = 'Atlantis' is not in the data"):
        params.check_choice("focus_region", "Atlantis", ["Europe", "Asia Pacific"])


def test_stamps_change_only_when_a_notebooks_parameters_change(tmp_path):
    base = (paths.ROOT / "params.yaml").read_text(encoding="utf-8")
    path = write_params(tmp_path, base)
    folder = tmp_path / "stamps"
    params.write_stamps(path, folder=folder)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    path.write_text(base.replace("top_combinations: 10", "top_combinations: 12"), encoding="utf-8")
    params.write_stamps(path, folder=folder)
    after = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert [n for n in before if before[n] != after[n]] == ["03_barriers.json"]
    params.write_stamps(path, raw="data/raw/other.csv", folder=folder)
    assert json.loads((folder / "01_clean.json").read_text())["raw_leaders"] == "data/raw/other.csv"
