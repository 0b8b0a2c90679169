"""A smoke version of `make bench`: the scale measurement on a small export, in a scratch folder."""

from __future__ import annotations

import pandas as pd

from microcred.core import paths
from microcred.tooling import bench


def test_bench_smoke_writes_results_and_readme(tmp_path):
    assert bench.main(["--smoke", "--out", str(tmp_path)]) == 0
    results = pd.read_csv(tmp_path / "results.csv")
    measures = dict(zip(results["measure"], results["value"]))
    assert measures["pipeline_seconds_2000"] > 0 and measures["read_csv_seconds_2000"] > 0
    assert 0 < measures["peak_rss_gib_2000"] < 3
    assert "| scale_ratio_2000 |" in (tmp_path / "README.md").read_text()


def test_notebook_script_replaces_the_parameters_cell(tmp_path):

    script = bench.notebook_script("03_barriers", paths.ROOT)
    assert script.startswith("focus_country = 'United States'")
    assert "top_combinations = 10" in script


def test_peak_memory_is_read_without_the_unix_only_resource_module(monkeypatch):
    import sys
    import types

    info = types.SimpleNamespace(peak_wset=3 * 2**20)  # what psutil reports on Windows
    process = types.SimpleNamespace(memory_info=lambda: info)
    fake_psutil = types.SimpleNamespace(Process=lambda: process)
    monkeypatch.setitem(sys.modules, "resource", None)  # `import resource` now fails, as on Windows
    monkeypatch.setitem(sys.modules, "psutil", fake_psutil)
    assert bench._peak_rss_mb() == 3
