"""Run one notebook with papermill: its effective parameters, the project kernel, the notebooks
folder as working directory, an execution timeout. `python -m microcred report` runs this for each
notebook that is out of date, inside a staging folder; run alone, it writes in place.

Each notebook runs in a runner process of its own, with a fresh kernel of its own. With
--standby the runner imports papermill and starts that kernel first, then reads the notebook's
name from stdin: the report starts the next runner while the current notebook executes, so the
next notebook finds its kernel ready (kernel start-up was a second of every notebook's run).

The executed notebook appears only when the run succeeded (it is written under a temporary name
and renamed). When a cell fails, the run ends with one short message saying what was wrong and
where, and the failed notebook is kept for its traceback beside the executed ones."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# jsonschema (under nbformat and papermill) imports rfc3987_syntax, which spends a second building
# a grammar to check IRIs, a format no notebook uses: a second per notebook of `make report`.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
from jupyter_client import AsyncKernelManager  # noqa: E402  (nbclient's own default)
from jupyter_client.utils import run_sync  # noqa: E402

from microcred.core import manifest, paths  # noqa: E402
from microcred.tooling import signals  # noqa: E402
from microcred.tooling.build import watched  # noqa: E402
from microcred.tooling.errors import described, described_text  # noqa: E402
from microcred.tooling.params import ParameterError, effective  # noqa: E402

KERNEL = "microcred"
VOLATILE = ("papermill", "execution")  # timings and durations: they differ on every run
# The kernel's own log is noise a user reads as a problem: on every start a warning that it talks
# to papermill over local TCP without encryption, and under load an error when the interrupt that
# precedes every kernel shutdown lands mid-message. A failing cell still reaches the user through
# papermill, a dying kernel through nbclient.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
HISTORY_IN_MEMORY = "--HistoryManager.hist_file=:memory:"  # what nbclient adds when it starts one


def failed_path(notebook: str) -> Path:
    """Where a failed notebook is kept to see why."""
    return paths.EXECUTED / f"{notebook}.failed.ipynb"


def invalidate_from(notebook: str) -> None:
    """Remove the executed notebooks of this step and of every step that reads its outputs
    (not its siblings), and the report."""
    for later in manifest.downstream(notebook):
        manifest.executed(later).unlink(missing_ok=True)
    paths.REPORT_HTML.unlink(missing_ok=True)


def scrub(path: Path) -> None:
    """Drop run timings and random cell ids so an executed notebook changes only when its
    content does."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"  # the injected cell would otherwise get a random id
        if "outputs" in cell:
            cell.outputs = joined_streams(cell.outputs)
        for key in VOLATILE:
            cell.metadata.pop(key, None)
    meta = nb.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "environment_variables", "input_path",
                "output_path", "version"):
        meta.pop(key, None)
    nbformat.write(nb, path)


def joined_streams(outputs: list) -> list:
    """Consecutive outputs of one stream as one: the kernel sends printed text in chunks as time
    passes (every 0.2 s), so how a cell's text is split depended on the machine's load."""
    joined = []
    for output in outputs:
        last = joined[-1] if joined else None
        if (last is not None and output.output_type == last.output_type == "stream"
                and output.name == last.name):
            last.text += output.text
        else:
            joined.append(output)
    return joined


def start_kernel():
    """A fresh project kernel, started as nbclient would start it (which skips its own start when
    given a kernel manager whose kernel runs)."""
    km = AsyncKernelManager(kernel_name=KERNEL)
    try:
        run_sync(km.start_kernel)(extra_arguments=[*KERNEL_ARGUMENTS, HISTORY_IN_MEMORY],
                                  cwd=str(paths.NOTEBOOKS))
    except BaseException:  # interrupted while starting: no kernel left behind
        stop_kernel(km)
        raise
    return km


def stop_kernel(km) -> None:
    """Kill the kernel at once: its notebook's cells have all replied (or the run is over), so it
    has nothing left to do; a graceful shutdown waited half a second per notebook."""
    if _alive(km):
        run_sync(km.shutdown_kernel)(now=True)


def _alive(km) -> bool:
    return run_sync(km.is_alive)()


def run(notebook: str, params_file: Path, raw: str | None, timeout: int, km=None) -> int:
    """Run the notebook in the kernel of `km` (started here when None), which is stopped after."""
    signals.stop_on_termination()
    if km is None:
        km = start_kernel()
    try:
        return _execute(notebook, params_file, raw, timeout, km)
    finally:
        stop_kernel(km)


def _execute(notebook: str, params_file: Path, raw: str | None, timeout: int, km) -> int:
    import papermill as pm

    out = manifest.executed(notebook)
    out.parent.mkdir(parents=True, exist_ok=True)
    running = out.with_name(f".{notebook}.running.ipynb")
    try:
        values = effective(notebook, params_file, raw)
        pm.execute_notebook(paths.NOTEBOOKS / f"{notebook}.ipynb", running, parameters=values,
                            kernel_name=KERNEL, km=km, cwd=str(paths.NOTEBOOKS),
                            execution_timeout=timeout, progress_bar=watched(), log_output=False,
                            # written once at the end (then renamed), not after every cell
                            request_save_on_cell_execute=False, autosave_cell_every=0)
    except ParameterError as err:
        invalidate_from(notebook)
        return _fail(notebook, f"ParameterError: {err}")
    except pm.PapermillExecutionError as err:
        failed = failed_path(notebook)
        failed.parent.mkdir(parents=True, exist_ok=True)
        running.replace(failed)
        invalidate_from(notebook)
        where = ("" if staged()
                 else f"the failed notebook, with its traceback: {paths.relative(failed)}")
        return _fail(notebook,
                     described_text(err.ename, err.evalue) or f"{err.ename}: {err.evalue}",
                     where)
    except OSError as err:  # writing the executed notebook: a full disk, a read-only folder
        running.unlink(missing_ok=True)
        invalidate_from(notebook)
        return _fail(notebook, described(err))
    except BaseException:
        running.unlink(missing_ok=True)
        invalidate_from(notebook)
        raise
    scrub(running)
    running.replace(out)
    return 0


def staged() -> bool:
    """Running for the build, in its staging folder (which says where a failure is kept)."""
    return paths.OUTPUT_ROOT != paths.ROOT


def _fail(notebook: str, message: str, detail: str = "") -> int:
    lines = [f"\n*** {notebook} failed ***", message]
    if detail:
        lines.append(detail)
    print("\n".join(lines) + "\n", file=sys.stderr)
    return 1


def standby(params_file: Path, raw: str | None, timeout: int) -> int:
    """Get ready (papermill imported, kernel started), then run the notebook named on stdin;
    stdin closed without a name: stop the kernel and exit 0."""
    import papermill  # noqa: F401  (imported while the previous notebook runs)

    signals.stop_on_termination()
    km = start_kernel()
    try:
        notebook = sys.stdin.readline().strip()
        if notebook and not _alive(km):  # it died while waiting: a fresh one
            stop_kernel(km)
            km = start_kernel()
    except BaseException:
        stop_kernel(km)
        raise
    if not notebook:
        stop_kernel(km)
        return 0
    return run(notebook, params_file, raw, timeout, km)


def main(argv=None) -> int:
    """Run one notebook (`python -m microcred.tooling.runner`), or stand by for one."""
    parser = argparse.ArgumentParser(prog="python -m microcred.tooling.runner", description=__doc__)
    parser.add_argument("notebook", nargs="?", choices=manifest.notebooks())
    parser.add_argument("--standby", action="store_true",
                        help="start the kernel, then run the notebook named on stdin")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--raw", default="")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per cell")
    args = parser.parse_args(argv)
    if args.standby == bool(args.notebook):
        parser.error("name a notebook, or --standby to read its name from stdin")
    if args.standby:
        return standby(paths.resolve(args.params), args.raw or None, args.timeout)
    return run(args.notebook, paths.resolve(args.params), args.raw or None, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
