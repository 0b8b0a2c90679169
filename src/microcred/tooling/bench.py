"""`make bench`: speed and scale, each figure a ratio of two timings taken in the same run so that
machine noise cancels. Writes benchmarks/results.csv and benchmarks/README.md.

- overhead: `python -m microcred report` (outputs removed) against the same notebooks' code run as
  plain scripts;
- parallel: `report --jobs 2` (02 and 03 side by side) against `report --jobs 1`;
- incremental: a second `report`, and one after changing only a parameter of 03_barriers, against
  a full run;
- scale: synthetic leader exports of 10,000 to 1,000,000 responses, reading + cleaning + every
  estimate of tables/estimates.csv against pandas.read_csv of the same file (the medians of three
  alternated runs of each), with the highest peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from microcred.core import manifest, paths
from microcred.tooling.params import effective
from microcred.tooling.sandbox import make_sandbox, microcred

OUT = paths.BENCHMARKS
SIZES = (10_000, 100_000, 1_000_000)
TARGETS = {  # what the issues ask; the README says met or missed
    "noop_seconds": ("<", 1.0), "parallel_speedup": (">=", 1.3), "papermill_overhead": ("<=", 1.3),
    "scale_ratio_1000000": ("<=", 1.0), "peak_rss_gib_1000000": ("<=", 1.5),
    "growth_100000_to_1000000": ("<=", 10.5),
}


def timed(function, *args) -> float:
    """Seconds the call takes."""
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


# --------------------------------------------------------------------------- pipeline

def notebook_script(notebook: str, folder: Path) -> str:
    """The notebook's code as a plain script, its parameters cell replaced by the values make
    would inject."""
    nb = json.loads((folder / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    values = effective(notebook, folder / "params.yaml")
    lines = [f"{k} = {v!r}" for k, v in values.items()]
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "parameters" not in cell["metadata"].get("tags", []):
            lines.append("".join(cell["source"]))
    return "\n".join(lines) + "\n"


def run_scripts(folder: Path) -> None:
    """Run each notebook's code as a plain script (the measure of papermill's overhead)."""
    env = {**os.environ, "MICROCRED_ROOT": str(folder), "MPLBACKEND": "Agg"}
    for notebook in manifest.notebooks():
        script = folder / "build" / f"{notebook}.py"
        script.parent.mkdir(exist_ok=True)
        script.write_text(notebook_script(notebook, folder), encoding="utf-8")
        subprocess.run([sys.executable, str(script)], cwd=folder / "notebooks", env=env, check=True,
                       capture_output=True)


def pipeline_timings(work: Path) -> dict:
    """The pipeline's timings: full runs, a run with nothing to do, a change to 03, scripts."""
    folder = make_sandbox(work / "pipeline")
    microcred(folder, "report")  # warm caches (fonts, bytecode) before anything is timed
    out = {}
    microcred(folder, "clean")
    out["full_j1_seconds"] = timed(microcred, folder, "report", "--jobs=1")
    out["noop_seconds"] = timed(microcred, folder, "report")
    changed = folder / "params_03.yaml"  # one parameter of 03_barriers only: 03 and 04 rerun
    changed.write_text((folder / "params.yaml").read_text(encoding="utf-8")
                       .replace("top_combinations: 10", "top_combinations: 9"), encoding="utf-8")
    out["change_03_seconds"] = timed(microcred, folder, "report", f"--params={changed}")
    microcred(folder, "clean")
    out["full_j2_seconds"] = timed(microcred, folder, "report", "--jobs=2")
    microcred(folder, "clean")
    out["scripts_seconds"] = timed(run_scripts, folder)
    out["parallel_speedup"] = out["full_j1_seconds"] / out["full_j2_seconds"]
    out["papermill_overhead"] = out["full_j1_seconds"] / out["scripts_seconds"]
    out["noop_fraction"] = out["noop_seconds"] / out["full_j1_seconds"]
    out["change_03_fraction"] = out["change_03_seconds"] / out["full_j1_seconds"]
    return out


# --------------------------------------------------------------------------- scale

def measure_read_csv(path: Path) -> dict:
    """Seconds and peak memory of pandas reading the export (the reference of the scale ratio)."""
    start = time.perf_counter()
    pd.read_csv(path, dtype=str, skiprows=[1, 2], keep_default_na=False, encoding="utf-8-sig")
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb()}


def measure_pipeline(path: Path) -> dict:
    """Reading, cleaning and every estimate of tables/estimates.csv, as 01 and 02 do them.
    Modules are imported before the clock starts, as pandas is for read_csv."""
    import pyarrow.pandas_compat  # noqa: F401  (loaded on first use by the reader)

    from microcred.release import tables
    from microcred.release.policy import Policy
    from microcred.statistics.design import SurveyDesign
    from microcred.survey import analysis_data, codebook, countries, region_schemes, validity
    from microcred.survey.reader import read_export

    region_schemes.country_table()  # the country library's table loads once per process too
    start = time.perf_counter()
    cb = codebook.load()
    export = read_export(path)
    resolved = countries.resolve_spellings(export.data["country"])
    cleaned = validity.apply_rules(export.data, validity.leader_rules(resolved, 1 / 3, "24h"))
    frame = analysis_data.analysis_frame(cleaned.kept, cb, resolved, "m49", "bench")
    del export, cleaned  # 02 estimates in a process of its own, from the clean data alone
    released = tables.release_table(SurveyDesign.of(frame, 0.95), cb, region_schemes.regions(),
                                    Policy(30, 5))
    table = tables.estimates_table(released)
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb(),
            "valid": len(frame), "rows": len(table)}


def _peak_rss_mb() -> float:
    """This process's peak resident memory, on Linux, macOS and Windows."""
    try:
        import resource
    except ImportError:  # Windows: no resource module; psutil reads the peak working set
        import psutil

        return psutil.Process().memory_info().peak_wset / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _in_subprocess(kind: str, path: Path) -> dict:
    """Each measurement in its own process, so peak memory is its own."""
    command = [sys.executable, "-m", "microcred.tooling.bench", "--measure", kind, str(path)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


REPEATS = 3  # alternated runs of read_csv and the pipeline per size: medians, so that one slow
# minute of a shared machine moves neither side alone


def scale_timings(work: Path, sizes=SIZES, repeats: int = REPEATS) -> list[dict]:
    """At each size: the pipeline's and read_csv's medians over alternated runs, peak memory."""
    rows = []
    for size in sizes:
        path = work / f"leaders_{size}.csv"
        if not path.exists():  # in its own process: a child inherits its parent's peak memory
            subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                            "from microcred.synthetic import generator; "
                            "generator.write_exports(Path(sys.argv[1]), None, "
                            "size=int(sys.argv[2]))",
                            str(path), str(size)], check=True)
        pairs = [(_in_subprocess("read_csv", path), _in_subprocess("pipeline", path))
                 for _ in range(repeats)]
        base = statistics.median(b["seconds"] for b, _ in pairs)
        run = statistics.median(r["seconds"] for _, r in pairs)
        rows.append({"size": size, "records": pairs[0][1]["valid"], "read_csv_seconds": base,
                     "pipeline_seconds": run, "ratio": run / base,
                     "read_csv_peak_rss_mb": max(b["peak_rss_mb"] for b, _ in pairs),
                     "peak_rss_mb": max(r["peak_rss_mb"] for _, r in pairs)})  # the highest
    return rows


# --------------------------------------------------------------------------- report

def results_table(pipeline: dict, scale: list[dict]) -> pd.DataFrame:
    """The results, one measure a row, with each target and whether it is met."""
    rows = [{"measure": k, "value": v} for k, v in pipeline.items()]
    for s in scale:
        n = s["size"]
        rows += [{"measure": f"scale_ratio_{n}", "value": s["ratio"]},
                 {"measure": f"pipeline_seconds_{n}", "value": s["pipeline_seconds"]},
                 {"measure": f"read_csv_seconds_{n}", "value": s["read_csv_seconds"]},
                 {"measure": f"peak_rss_gib_{n}", "value": s["peak_rss_mb"] / 1024}]
    by_size = {s["size"]: s for s in scale}
    for small, large in zip(SIZES, SIZES[1:]):
        if small in by_size and large in by_size:
            growth = by_size[large]["pipeline_seconds"] / by_size[small]["pipeline_seconds"]
            rows.append({"measure": f"growth_{small}_to_{large}", "value": growth})
    table = pd.DataFrame(rows)
    table["target"] = table["measure"].map(
        lambda m: " ".join(map(str, TARGETS[m])) if m in TARGETS else "")
    table["met"] = [_met(m, v) for m, v in zip(table["measure"], table["value"])]
    return table


def _met(measure: str, value: float) -> str:
    if measure not in TARGETS:
        return ""
    op, bound = TARGETS[measure]
    ok = {"<": value < bound, "<=": value <= bound, ">=": value >= bound}[op]
    return "yes" if ok else "no"


def write_readme(table: pd.DataFrame, command: str, folder: Path) -> None:
    """benchmarks/README.md: the results table, then benchmarks/NOTES.md."""
    lines = ["# Benchmarks", "", f"Produced by `{command}` on {os.cpu_count()} cores; every ratio "
             "is of two timings taken in the same run (at scale, the medians of alternated runs).",
             "", "| measure | value | target | met |",
             "|---|---|---|---|"]
    lines += [f"| {r.measure} | {r.value:.3f} | {r.target} | {r.met} |" for r in table.itertuples()]
    notes = folder / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").strip()]
    (folder / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    """Run the benchmark (`make bench`; --smoke: a small one) and write its results."""
    parser = argparse.ArgumentParser(prog="python -m microcred.tooling.bench", description=__doc__)
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true", help="a small, fast version (scale only)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.measure:
        kind, path = args.measure
        measure = measure_read_csv if kind == "read_csv" else measure_pipeline
        result = measure(Path(path))
        print(json.dumps(result))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.out) as tmp:
        work = Path(tmp)
        pipeline = {} if args.smoke else pipeline_timings(work)
        scale = scale_timings(work, (2_000,), 1) if args.smoke else scale_timings(work)
    table = results_table(pipeline, scale)
    table.to_csv(args.out / "results.csv", index=False, float_format="%.4f")
    write_readme(table, "python -m microcred.tooling.bench --smoke" if args.smoke else "make bench",
                 args.out)
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
