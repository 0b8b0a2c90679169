"""`python -m microcred report` (and `make report`): bring every output up to date, all together
or not at all.

A notebook is up to date when the record of its last successful run still holds: the same
effective parameters, the same content of everything it reads (its source, the package modules
it uses, its declared inputs, the files its parameters name, the outputs of every notebook it
comes after, directly or not) and every output it declares present and unchanged. Contents are compared by hash, so a
fresh clone's checkout times do not matter and a notebook whose inputs come back identical is
not rerun.

Out-of-date notebooks run (siblings side by side with --jobs 2) in a staging folder that starts
as a copy of the current outputs; only when every one has succeeded are the staged files moved
into place and the records written. A failure leaves the previous outputs untouched and keeps the
failed notebook, with its traceback, in report/notebooks/."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from microcred.core import manifest, paths
from microcred.tooling import dependencies, params

EXECUTED_FOLDER = paths.EXECUTED.relative_to(paths.OUTPUT_ROOT).as_posix()


def watched() -> bool:
    """A person is watching a terminal (not CI): show papermill's progress bar."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return sys.stderr.isatty() and not ci


def fingerprint(path: Path) -> str | None:
    """sha256 of a file's content, None when it does not exist."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except (FileNotFoundError, IsADirectoryError):
        return None


def label(path: Path) -> str:
    """A file's name in the records: relative to the project or the package, else absolute."""
    path = Path(path).resolve()
    for base, prefix in ((paths.ROOT, ""), (paths.PACKAGE, manifest.PACKAGE_PREFIX)):
        try:
            return prefix + path.relative_to(base).as_posix()
        except ValueError:
            pass
    return str(path)


def written(notebook: str) -> list[str]:
    """Everything a run of the notebook writes, relative to the outputs' root."""
    return [*manifest.output_names(notebook), f"{EXECUTED_FOLDER}/{notebook}.ipynb"]


def record(notebook: str, values: dict, view: Path) -> dict:
    """What a run of the notebook depends on and produced, as found now; outputs are looked up
    under `view` (the project, or the staging folder during a run)."""
    reads = {label(p): fingerprint(p) for p in dependencies.source_files(notebook)}
    for name in manifest.notebook(notebook).file_parameters:
        if values[name]:  # an optional file left empty reads nothing
            reads[f"{name}: {values[name]}"] = fingerprint(paths.resolve(values[name]))
    for before in manifest.upstream(notebook):  # 04 reads 01's provenance, not only 02 and 03
        reads.update({n: fingerprint(view / n) for n in manifest.output_names(before)})
    writes = {n: fingerprint(view / n) for n in written(notebook)}
    return json.loads(json.dumps({"parameters": values, "reads": reads, "writes": writes}))


def why_stale(previous: dict | None, current: dict) -> str | None:
    """Why the notebook must run, or None when its last run still holds."""
    if missing := [n for n, h in current["writes"].items() if h is None]:
        return f"output missing: {missing[0]}"
    if previous is None:
        return "no record of a previous run"
    if previous["parameters"] != current["parameters"]:
        changed = sorted(k for k in current["parameters"]
                         if previous["parameters"].get(k) != current["parameters"][k])
        return f"parameters changed: {', '.join(changed)}"
    for kind in ("reads", "writes"):
        if changed := [n for n in current[kind] if previous[kind].get(n) != current[kind][n]]:
            return f"{'input' if kind == 'reads' else 'output'} changed: {changed[0]}"
    return None


def read_state() -> dict:
    try:
        return json.loads(paths.BUILD_STATE.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_state(state: dict) -> None:
    # the one atomic writer; it imports pandas, so only here
    from microcred.core.files import write_bytes

    write_bytes(paths.BUILD_STATE, (json.dumps(state, indent=1) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- staging

def stage() -> Path:
    """A staging folder holding a copy of the current outputs (failed notebooks aside)."""
    shutil.rmtree(paths.STAGING, ignore_errors=True)
    for folder in paths.OUTPUT_FOLDERS:
        if paths.resolve(folder).is_dir():
            shutil.copytree(paths.resolve(folder), paths.STAGING / folder,
                            ignore=shutil.ignore_patterns("*.failed.ipynb", ".*"))
    paths.STAGING.mkdir(parents=True, exist_ok=True)
    return paths.STAGING


def publish(staging: Path) -> None:
    """Move every staged file that differs from its counterpart into place, then drop staging."""
    for staged in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = paths.resolve(staged.relative_to(staging))
        if fingerprint(target) != fingerprint(staged):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
    shutil.rmtree(staging, ignore_errors=True)


def remove_failed_notebooks() -> None:
    for failed in paths.FAILED_NOTEBOOKS.glob("*.failed.ipynb"):
        failed.unlink()


# --------------------------------------------------------------------------- running

def plan(values: dict[str, dict], state: dict) -> dict[str, str]:
    """Notebook -> why it would run, assuming a rerun changes every output (for --dry-run)."""
    out = {}
    for notebook in manifest.notebooks():
        reason = why_stale(state.get(notebook), record(notebook, values[notebook], paths.ROOT))
        upstream = [b for b in manifest.notebook(notebook).after if b in out]
        if reason or upstream:
            out[notebook] = reason or f"after {upstream[0]}"
    return out


def _runner(params_file: Path, raw: str | None, timeout: int, staging: Path) -> subprocess.Popen:
    """A runner on standby: it starts its kernel, then runs the notebook _launch names."""
    command = [sys.executable, "-m", "microcred.tooling.runner", "--standby", f"--params={params_file}",
               f"--raw={raw or ''}", f"--timeout={timeout}"]  # a list: no shell reads the values
    env = {**os.environ, "MICROCRED_ROOT": str(paths.ROOT), "MICROCRED_STAGING": str(staging)}
    return subprocess.Popen(command, cwd=paths.ROOT, env=env, stdin=subprocess.PIPE, text=True)


def _launch(runner: subprocess.Popen, notebook: str) -> subprocess.Popen:
    try:
        runner.stdin.write(notebook + "\n")
        runner.stdin.close()
    except BrokenPipeError:  # the runner has stopped: its exit code says so
        pass
    return runner


def _raise_on_sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def report(params_file: Path, raw: str | None = None, jobs: int = 1, timeout: int = 1200,
           dry_run: bool = False, check: bool = False) -> int:
    """Run every out-of-date notebook, siblings up to `jobs` at a time; 0 when all is done.
    `dry_run` says what would run; `check` too, and returns 1 when anything would."""
    values = params.validate(params_file, raw, deep=False)
    state = read_state()
    if dry_run or check:
        todo = plan(values, state)
        for notebook, reason in todo.items():
            print(f"would run {notebook}  ({reason})")
        if not todo:
            print("Nothing to do: every output is up to date.")
        return int(check and bool(todo))
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    done, running, staging, ran = {}, {}, None, 0
    spares = []  # runners started ahead for the notebooks that may follow the running ones
    try:
        while len(done) < len(manifest.notebooks()):
            for notebook in manifest.notebooks():
                if (notebook in done or notebook in running or len(running) >= jobs
                        or not set(manifest.notebook(notebook).after) <= set(done)):
                    continue
                current = record(notebook, values[notebook], staging or paths.ROOT)
                reason = why_stale(state.get(notebook), current)
                if reason is None:
                    done[notebook] = current
                    continue
                if staging is None:  # about to run something: check everything first
                    spares.append(_runner(params_file, raw, timeout, paths.STAGING))  # meanwhile
                    params.validate(params_file, raw, deep=True)
                    staging = stage()
                if watched():
                    print(f"{notebook} ...  ({reason})", flush=True)
                runner = spares.pop() if spares else _runner(params_file, raw, timeout, staging)
                running[notebook] = (_launch(runner, notebook), time.perf_counter(), reason)
            # A runner takes a second to start its kernel: while a core is free, start those of
            # the notebooks that may come next (as many as can run at once).
            waiting = len(manifest.notebooks()) - len(done) - len(running)
            while (staging is not None and len(spares) < min(jobs, waiting)
                   and len(running) < (os.cpu_count() or 1)):
                spares.append(_runner(params_file, raw, timeout, staging))
            for notebook, (process, start, reason) in list(running.items()):
                if process.poll() is None:
                    continue
                del running[notebook]
                if process.returncode != 0:
                    print(f"{notebook:<24} failed after {time.perf_counter() - start:.1f} s; "
                          "the previous outputs are unchanged", file=sys.stderr, flush=True)
                    return 1
                done[notebook] = record(notebook, values[notebook], staging)
                ran += 1
                print(f"{notebook:<24} {time.perf_counter() - start:6.1f} s  ({reason})", flush=True)
            if running:
                time.sleep(0.05)
        if staging is not None:
            publish(staging)
            write_state({**state, **done})
            staging = None
        remove_failed_notebooks()
        if not ran:
            print("Nothing to do: every output is up to date.")
        return 0
    finally:
        for spare in spares:  # not needed after all: told nothing, it stops its kernel and exits
            spare.stdin.close()
        for process, _, _ in running.values():
            process.terminate()
        for process in [*spares, *(p for p, _, _ in running.values())]:
            process.wait()
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
