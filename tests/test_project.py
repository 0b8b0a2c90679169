"""The project's own rules: every declared dependency is pinned, source notebooks carry no
outputs and exactly one literal parameters cell, parameters are checked before a run, the
pipeline is written down once (pipeline.yaml) and agrees with the code, the analysis never
imports the tooling, and no value from the command line reaches a shell."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import microcred
from microcred.core import choices, manifest, paths
from microcred.tooling import build, dependencies, params, runner
from microcred.tooling.cli import parser


def lock_versions() -> dict[str, str]:
    text = (paths.ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {m[0].lower().replace("_", "-"): m[1]
            for m in re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", text, flags=re.M)}


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
    ("02_regional_comparison:\n  focus_regoin: Europe\n",
     "02_regional_comparison.focus_regoin is unknown"),
    ("common:\n  confidence: 0.9\n", "common.confidence is not declared"),
    ("common:\n  confidence_level: 1.5\n", "confidence_level = 1.5 is outside (0, 1)"),
    ("common:\n  confidence_level: high\n", "confidence_level = 'high' should be float"),
    ("common:\n  min_group_size: -3\n", "min_group_size = -3 is outside"),
    ("common:\n  region_scheme: planets\n", "region_scheme = 'planets'"),
    ("01_clean:\n  speeder_fraction: 0\n", "speeder_fraction = 0.0 is outside"),
    ("extra:\n  x: 1\n", "unknown section"),
    ("common:\n  confidence_level: .nan\n", "confidence_level = nan should be a finite number"),
    ("01_clean:\n  speeder_fraction: .nan\n", "speeder_fraction = nan should be a finite number"),
    ("01_clean:\n  speeder_fraction: .inf\n", "speeder_fraction = inf should be a finite number"),
    ("01_clean:\n  mapping: [a, b]\n", "mapping"),
    ("01_clean:\n  mapping:\n    colums: {Q1: offers_mc}\n", "mapping"),
    ("01_clean:\n  raw_leaders: data/raw/missing.csv\n",
     "raw_leaders = 'data/raw/missing.csv': no such file"),
    ("- just a list\n", "expected sections"),
])
def test_bad_parameters_stop_with_their_name(tmp_path, text, words):
    path = write_params(tmp_path, text)
    with pytest.raises(params.ParameterError, match=re.escape(words)):
        params.validate(path)


def alias_bomb(levels: int = 9, width: int = 10) -> str:
    """A YAML list of anchored lists, each `width` references to the one before: under 1 KB,
    width**levels values once its aliases are expanded ('billion laughs')."""
    items = [f"&l0 [{', '.join(['IP Address'] * width)}]"]
    items += [f"&l{k} [{', '.join([f'*l{k - 1}'] * width)}]" for k in range(1, levels)]
    return "[" + ", ".join(items) + "]"


@pytest.mark.parametrize("text,words", [
    (f"01_clean:\n  response_statuses: {alias_bomb()}\n",
     "parameter 01_clean.response_statuses[4] expands to over 100,000 values once its aliases are "
     "expanded (the limit on YAML aliases)"),
    (f"01_clean:\n  mapping:\n    ignore_columns: {alias_bomb()}\n",
     "parameter 01_clean.mapping.ignore_columns[4] expands to over 100,000 values"),
    ("01_clean:\n  mapping:\n    ignore_columns: " + "[" * 20_000 + "]" * 20_000 + "\n",
     "parameter 01_clean.mapping.ignore_columns[0][0]"),
    ("01_clean:\n  mapping:\n    ignore_columns: " + "[" * 20_000 + "]" * 20_000 + "\n",
     "is nested more than 32 levels deep (the limit on nesting)"),
    ("01_clean:\n  hash_key: " + "k" * 10_001 + "\n",
     "parameter 01_clean.hash_key has a value of 10,001 characters (the limit on a value's size"),
    ('01_clean:\n  hash_key: "\\udc80"\n',
     "parameter 01_clean.hash_key is not valid Unicode text (a lone surrogate, '\\udc80'"),
    ("01_clean:\n  repeat_window_hours: 1000000000000000000000000000000\n",
     "repeat_window_hours = 1000000000000000000000000000000 is outside [0, 87600]"),
    ("01_clean:\n  repeat_window_hours: 1e30\n", "repeat_window_hours = '1e30' should be int"),
    ("common:\n  min_group_size: 100000000000000000000\n",
     "min_group_size = 100000000000000000000 is beyond the largest number"),
])
def test_parameters_beyond_the_limits_stop_naming_the_parameter_and_the_limit(tmp_path, text,
                                                                              words):
    path = write_params(tmp_path, text)
    with pytest.raises(params.ParameterError) as err:
        params.validate(path, deep=False)
    assert words in str(err.value)


def test_a_parameters_file_that_is_not_utf8_names_its_byte_and_line(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_bytes("# paramètres\n01_clean:\n  speeder_fraction: 0.5\n".encode("latin-1"))
    with pytest.raises(params.ParameterError,
                       match=r"params.yaml is not UTF-8 text \(byte 7, line 1\)"):
        params.validate(path, deep=False)


def test_a_parameters_file_over_its_size_limit_is_not_read(tmp_path):
    path = write_params(tmp_path, "# " + "x" * params.MAX_FILE_BYTES + "\n")
    with pytest.raises(params.ParameterError, match="over the limit of 1,048,576"):
        params.validate(path, deep=False)


def test_anchors_and_aliases_within_the_limits_still_work(tmp_path):
    path = write_params(tmp_path, "01_clean:\n  response_statuses: &live [IP Address, Offline]\n"
                        "  mapping: {ignore_columns: *live}\n")
    assert params.validate(path, deep=False)["01_clean"]["mapping"]["ignore_columns"] == [
        "IP Address", "Offline"]


POPULATION_FRAMES = {  # what the user gave as population_frame -> words of the message
    "workbook renamed .csv": (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\xc1\x8f",
                              "is not UTF-8 CSV text (byte 10)"),
    "random bytes": (bytes(range(256)) * 4, "is not UTF-8 CSV text (byte 128)"),
    "JSON": (b'[\n  {"region": "Europe", "count": 3000}\n]\n', "needs a 'count' column"),
    "ragged CSV": (b"region,count\nEurope,3000,12\nAsia,1,2,3\n", "cannot be read as CSV"),
}


@pytest.mark.parametrize("case", POPULATION_FRAMES)
def test_a_population_frame_that_is_not_a_csv_frame_stops_before_anything_runs(tmp_path, case):
    content, words = POPULATION_FRAMES[case]
    frame = tmp_path / "frame.csv"
    frame.write_bytes(content)
    path = write_params(tmp_path, f"02_regional_comparison:\n  population_frame: {frame}\n")
    with pytest.raises(params.ParameterError) as err:
        params.validate(path)
    assert f"parameter population_frame = {str(frame)!r}" in str(err.value)
    assert words in str(err.value)


def test_focus_region_not_in_the_data_names_the_parameter():
    with pytest.raises(params.ParameterError, match="focus_region = 'Atlantis' is not in the data"):
        choices.check_choice("focus_region", "Atlantis", ["Europe", "Asia Pacific"])


def test_parameters_are_all_checked_before_anything_runs(tmp_path):
    path = write_params(tmp_path, "common:\n  confidence_level: .nan\n")
    with pytest.raises(params.ParameterError, match="confidence_level"):
        build.report(path)
    assert not paths.STAGING.exists()


# --------------------------------------------------------------------------- the pipeline, once

NOTEBOOK_NAMES = manifest.notebooks()


def notebook_code(notebook: str) -> str:
    nb = json.loads((paths.NOTEBOOKS / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def test_the_notebook_list_is_written_in_one_file():
    """(Tests name notebooks one by one in their assertions; the code never lists them.)"""
    files = [paths.ROOT / "Makefile", paths.ROOT / ".ci" / "run", *paths.PACKAGE.rglob("*.py")]
    listing = [f for f in files
               if all(nb in f.read_text(encoding="utf-8") for nb in NOTEBOOK_NAMES)]
    assert listing == [], f"the notebook list belongs in pipeline.yaml only: {listing}"
    assert sorted(p.stem for p in paths.NOTEBOOKS.glob("*.ipynb")) == sorted(NOTEBOOK_NAMES)


def test_siblings_are_independent_and_the_report_comes_last():
    assert manifest.downstream("02_regional_comparison") == ("02_regional_comparison", "04_report")
    assert manifest.downstream("01_clean") == NOTEBOOK_NAMES
    assert manifest.notebook("04_report").after == ("02_regional_comparison", "03_barriers")
    assert manifest.upstream("04_report") == ("01_clean", "02_regional_comparison", "03_barriers")


@pytest.mark.parametrize("notebook", NOTEBOOK_NAMES)
def test_the_manifest_lists_the_modules_each_notebook_imports(notebook):
    imported = dependencies.package_imports(notebook_code(notebook))
    assert imported == set(manifest.notebook(notebook).uses), \
        f"pipeline.yaml: set `uses` of {notebook} to {sorted(imported)}"


@pytest.mark.parametrize("notebook", NOTEBOOK_NAMES)
def test_the_manifest_lists_every_data_file_a_notebook_reads(notebook):
    """Every file of data/external (or template) its modules name through `paths` is declared."""
    constants = set()
    for module in dependencies.modules_used(notebook):
        source = dependencies.module_file(module).read_text(encoding="utf-8")
        constants |= set(re.findall(r"paths\.([A-Z_]+)", source))
    constants |= set(re.findall(r"paths\.([A-Z_]+)", notebook_code(notebook)))
    named = {getattr(paths, c) for c in constants}
    external = {p for p in named if isinstance(p, Path) and p.parent == paths.EXTERNAL}
    templates = set(paths.TEMPLATES.glob("*")) if "TEMPLATES" in constants else set()
    declared = {manifest.input_file(i) for i in manifest.notebook(notebook).inputs}
    missing = sorted(paths.relative(p) for p in (external | templates) - declared)
    assert not missing, f"pipeline.yaml: add {missing} to the inputs of {notebook}"
    assert all(p.is_file() for p in declared)


def test_editing_the_benchmark_or_the_generator_reruns_nothing():
    for notebook in NOTEBOOK_NAMES:
        assert {"tooling.bench", "synthetic.generator", "tooling.sandbox",
                "tooling.build"}.isdisjoint(
            dependencies.modules_used(notebook))


def test_the_committed_outputs_are_exactly_the_declared_ones():
    declared = {n for nb in NOTEBOOK_NAMES for n in build.written(nb) if not n.startswith("data/")}
    committed = subprocess.run(["git", "ls-files", "figures", "tables", "report"], cwd=paths.ROOT,
                               capture_output=True, text=True).stdout.split()
    if not committed:
        pytest.skip("not a git checkout")
    assert set(committed) == declared


def test_the_report_sections_place_declared_outputs_once():
    sections = manifest.report_sections()
    tables = {t for nb in NOTEBOOK_NAMES for t in manifest.notebook(nb).tables}
    figures = {f for nb in NOTEBOOK_NAMES for f in manifest.notebook(nb).figures}
    placed_figures = [f for s in sections for f in s.figures]
    placed_tables = [t for s in sections for t in s.tables]
    assert set(placed_figures) <= figures and len(set(placed_figures)) == len(placed_figures)
    assert set(placed_tables) <= tables and len(set(placed_tables)) == len(placed_tables)
    assert [s.key for s in sections][:2] == ["findings", "data-methods"]
    assert sections[-1].text == ("files",)  # the appendix lists every table


def test_a_missing_or_changed_output_makes_its_notebook_run():
    values = params.validate(paths.PARAMS, deep=False)["03_barriers"]
    current = build.record("03_barriers", values, paths.ROOT)
    assert build.why_stale(current, current) is None
    for name in current["writes"]:
        gone = {**current, "writes": {**current["writes"], name: None}}
        assert build.why_stale(current, gone) == f"output missing: {name}"
    changed = {**current, "parameters": {**values, "top_combinations": 3}}
    assert build.why_stale(current, changed) == "parameters changed: top_combinations"
    assert build.why_stale(None, current) == "no record of a previous run"


# --------------------------------------------------------------------------- layers

def package_modules() -> dict[str, str]:
    """Every module of the package, named relative to it ("survey.reader"), with its layer: the
    folder it sits in (a module at the package's root, the command line, counts as tooling)."""
    out = {}
    for path in paths.PACKAGE.rglob("*.py"):
        parts = path.relative_to(paths.PACKAGE).with_suffix("").parts
        if parts == ("__init__",):
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = parts[0] if len(parts) > 1 else "tooling"
    return out


def test_every_folder_of_the_package_is_a_declared_layer():
    folders = {p.parent.name for p in paths.PACKAGE.glob("*/__init__.py")}
    assert folders == set(microcred.LAYERS)
    for layer, below in microcred.LAYERS.items():
        assert set(below) < set(microcred.LAYERS) and layer not in below


def test_imports_run_down_the_layers_never_up():
    """tooling -> report -> release -> statistics -> survey -> core (and the synthetic generator
    beside the tooling, on the survey input): the folders say which layer a module is in."""
    modules = package_modules()
    wrong = {}
    for module, layer in modules.items():
        source = dependencies.module_file(module).read_text(encoding="utf-8")
        for imported in dependencies.package_imports(source, module):
            other = modules.get(imported, imported.split(".")[0])
            if other != layer and other not in microcred.LAYERS[layer]:
                wrong.setdefault(module, []).append(imported)
    assert wrong == {}


def test_the_layer_test_sees_an_import_that_runs_up(tmp_path):
    source = "from microcred.tooling import params\nfrom microcred.release.gate import hide\n"
    assert dependencies.package_imports(source, "statistics.estimate") == {"tooling.params",
                                                                           "release.gate"}
    relative = "from ..release import gate\nfrom . import design\n"
    assert dependencies.package_imports(relative, "statistics.estimate") == {"release.gate",
                                                                             "statistics.design"}


def test_no_module_imports_a_private_name_of_another():
    found = {}
    for module in package_modules():
        tree = ast.parse(dependencies.module_file(module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            ours = isinstance(node, ast.ImportFrom) and (
                node.level or (node.module or "").startswith("microcred"))
            if ours:
                private = [a.name for a in node.names if a.name.startswith("_")]
                if private:
                    found[module] = private
    assert found == {}


@pytest.mark.parametrize("notebook", NOTEBOOK_NAMES)
def test_no_notebook_depends_on_the_tooling_or_the_generator(notebook):
    """Editing the parameter module, the runner or the generator leaves every notebook up to
    date."""
    used = dependencies.modules_used(notebook)
    assert not [m for m in used if m.split(".")[0] in ("tooling", "synthetic")]


def test_paths_are_built_in_paths_only():
    """No module but paths anchors a path at the project root."""
    anchored = [p.stem for p in paths.PACKAGE.rglob("*.py")
                if p.stem != "paths" and re.search(r"paths\.ROOT\s*/",
                                                   p.read_text(encoding="utf-8"))]
    assert set(anchored) <= {"generator",
                             "sandbox"}  # generator: the example's folder; sandbox copies


# --------------------------------------------------------------------------- the command line

def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        parser().parse_args(["--help"])
    text = capsys.readouterr().out
    for command in ("report", "compare", "params", "test", "lint", "lab", "bench", "clean"):
        assert re.search(rf"^\s+{command}\s", text, flags=re.M), command


def test_makefile_recipes_never_contain_command_line_values():
    text = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    for name in ("RAW", "PARAMS", "RUN", "JOBS", "TIMEOUT", "LAB_ARGS"):
        assert not re.search(rf"\$[({{]{name}[)}}]", text), f"$({name}) expanded into Makefile text"
    assert "$(shell" not in text


@pytest.mark.parametrize("flag", ["-n", "-q"])
def test_make_never_hands_a_value_to_a_shell(tmp_path, flag):
    target = tmp_path / "pwned"
    for raw in (f"x`touch {target}`.csv", f"x$(touch {target}).csv", f"x'; touch {target}; '.csv",
                f'x"; touch {target}; ".csv'):
        subprocess.run(["make", flag, "report", f"RAW={raw}", f"PARAMS={raw}"], cwd=paths.ROOT,
                       capture_output=True, text=True)
        assert not target.exists(), raw


def test_a_report_with_nothing_to_do_never_imports_pandas():
    """The up-to-date check stays a fraction of a second: no analysis library on that path."""
    code = ("import sys; from microcred.core import paths; "
            "from microcred.tooling import build, data_check, lock, params, publication; "
            "from microcred.tooling.runs import Run; "
            "values = params.validate(paths.PARAMS, deep=False); data_check.check_scheme(values); "
            "publication.recover(); build.plan(values, Run('')); "
            "print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('pandas', 'numpy', 'scipy', 'matplotlib')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_tests_of_one_xdist_group_run_in_one_worker(tmp_path):
    """`python -m microcred test` relies on it to build the end-to-end tests' shared sandbox once
    (some pytest releases silently dropped the groups)."""
    (tmp_path / "test_groups.py").write_text(
        "import os, pathlib, time, pytest\n"
        "def record(name):\n"
        "    time.sleep(0.2)\n"
        "    pathlib.Path(name).write_text(os.environ['PYTEST_XDIST_WORKER'])\n"
        + "".join(f"@pytest.mark.xdist_group('shared')\ndef test_{i}(): record('{i}')\n"
                  for i in range(4))
        + "".join(f"def test_free_{i}(): record('free{i}')\n" for i in range(4)))
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # xdist alone starts faster
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "xdist.plugin", "-p",
                             "no:cacheprovider", "-n", "2", "--dist=loadgroup", "test_groups.py"],
                            cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    names = [*"0123", *(f"free{i}" for i in range(4))]
    worker = {name: (tmp_path / name).read_text() for name in names}
    assert len({worker[i] for i in "0123"}) == 1
    assert len(set(worker.values())) == 2  # the other tests did spread over both workers


def test_nbval_runs_the_notebooks_in_one_process_in_pipeline_order():
    """Each executed notebook reads what the one before it wrote: spread over workers, 02 started
    before 01 had written the clean data on a fresh clone (CI caught it; a warm checkout cannot)."""
    from microcred.tooling.cli import PARTS

    notebooks = PARTS["notebooks"]
    assert not any(a.startswith(("-n", "--numprocesses", "--dist")) for a in notebooks)
    folder = paths.ROOT / notebooks[-1]
    assert sorted(p.stem for p in folder.glob("*.ipynb")) == list(manifest.notebooks())


def test_consecutive_stream_outputs_are_joined_whatever_the_timing():
    """The kernel sends printed text in chunks as time passes: one cell's text arrives in one
    output or several depending on the load, and the executed notebook must not depend on it."""
    from nbformat.v4 import new_output

    outputs = [new_output("stream", name="stdout", text="a\n"),
               new_output("stream", name="stdout", text="b\n"),
               new_output("stream", name="stderr", text="warning\n"),
               new_output("display_data", data={"text/plain": "figure"}),
               new_output("stream", name="stdout", text="c\n")]
    joined = runner.joined_streams(outputs)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in joined] == [
        ("stream", "stdout", "a\nb\n"), ("stream", "stderr", "warning\n"),
        ("display_data", None, None), ("stream", "stdout", "c\n")]  # never moved past a figure
