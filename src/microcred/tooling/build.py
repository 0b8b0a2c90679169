"""`python -m microcred report` (and `make report`): bring every output of a run up to date, all
together or not at all, in three steps.

Plan. A notebook is up to date when the record of its last successful run still holds: the same
effective parameters, the same content of everything it reads (its source, the package modules
it uses, its declared inputs, the files its parameters name, the outputs of every notebook it
comes after, directly or not) and every output it declares present and unchanged. Contents are
compared by hash, so a fresh clone's checkout times do not matter and a notebook whose inputs
come back identical is not rerun.

Run. Out-of-date notebooks run (siblings side by side with --jobs 2) in a staging folder that
starts as a copy of the run's current outputs; one whose record matches a result computed before
is copied from the cache instead (`tooling.cache`). Values that must be in the data are checked
after cleaning, before any analysis notebook starts (`tooling.data_check`).

Publish. Only when every notebook has succeeded are the staged outputs and the new records
published, as one step (`tooling.publication`). A failure publishes nothing: it keeps the failed
notebook, with its traceback, in report/notebooks/ and what cleaning set aside in that attempt in
data/interim/failed/.

A run publishes into the project's folders (the default run) or into runs/<name>/ (`tooling.runs`);
one run at a time works in a checkout (`tooling.lock`)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from microcred.core import manifest, paths
from microcred.tooling import (
    cache,
    data_check,
    dependencies,
    lock,
    params,
    publication,
    release_family,
    signals,
)
from microcred.tooling.errors import RunError, described, name
from microcred.tooling.runs import Run


def _in_outputs(path: Path) -> str:
    return path.relative_to(paths.OUTPUT_ROOT).as_posix()


EXECUTED_FOLDER = _in_outputs(paths.EXECUTED)
INTERIM_FOLDER = _in_outputs(paths.INTERIM)
CLEAN_LEADERS = _in_outputs(paths.CLEAN_LEADERS)
PROVENANCE = _in_outputs(paths.PROVENANCE)
FAILED_NOTEBOOK = "*.failed.ipynb"
FAILED_INTERIM = "failed"  # data/interim/failed/: what cleaning set aside in a failed attempt
STAGED_STATE = "state.json"  # beside the output folders in the staging folder


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
    under `view` (the run's folder, or the staging folder during a run)."""
    reads = {label(p): fingerprint(p) for p in dependencies.source_files(notebook)}
    for parameter in manifest.notebook(notebook).file_parameters:
        if values[parameter]:  # an optional file left empty reads nothing
            given = values[parameter]
            reads[f"{parameter}: {given}"] = fingerprint(paths.resolve(given))
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


# --------------------------------------------------------------------------- plan

def plan(values: dict[str, dict], run: Run) -> dict[str, str]:
    """Notebook -> why it would run, assuming a rerun changes every output (for --dry-run)."""
    state, out = run.read_state(), {}
    for notebook in manifest.notebooks():
        reason = why_stale(state.get(notebook), record(notebook, values[notebook], run.root))
        upstream = [b for b in manifest.notebook(notebook).after if b in out]
        if reason or upstream:
            out[notebook] = reason or f"after {upstream[0]}"
    return out


# --------------------------------------------------------------------------- run

class Attempt:
    """One attempt at bringing a run up to date, in a staging folder of its own."""

    def __init__(self, run: Run, params_file: Path, raw: str | None, values: dict[str, dict],
                 jobs: int, timeout: int):
        self.run, self.params_file, self.raw, self.values = run, params_file, raw, values
        self.jobs, self.timeout = jobs, timeout
        self.state = run.read_state()
        self.folder = paths.STAGING / str(os.getpid())  # never shared with a killed run's runners
        self.staging: Path | None = None  # the folder, once staged
        self.done: dict[str, dict] = {}  # notebook -> its record
        self.waiting: dict[str, str] = {}  # out of date, not in the cache: why, until a slot frees
        self.running: dict[str, tuple[subprocess.Popen, float, str]] = {}
        self.spares: list[subprocess.Popen] = []  # runners started ahead for what may follow
        self.ran = self.restored = 0
        self.checked = self.data_checked = self.family_checked = False  # see _check_data

    @property
    def view(self) -> Path:
        """Where this run's outputs are read: its staging folder, else its root."""
        return self.staging or self.run.root

    def execute(self) -> bool:
        """Every notebook run or restored, or one failed (False; it said why)."""
        notebooks = manifest.notebooks()
        while len(self.done) < len(notebooks):
            for notebook in notebooks:
                if (notebook not in self.done and notebook not in self.running
                        and set(manifest.notebook(notebook).after) <= set(self.done)):
                    self._advance(notebook)
            # A runner takes a second to start its kernel: while a core is free, start those of
            # the notebooks that may come next (as many as can run at once).
            left = len(notebooks) - len(self.done) - len(self.running)
            while (self.checked and len(self.spares) < min(self.jobs, left)
                   and len(self.running) < (os.cpu_count() or 1)):
                self.spares.append(self._runner())
            if not self._collect():
                return False
            if self.running:
                time.sleep(0.05)
        return True

    def _advance(self, notebook: str) -> None:
        """Up to date, restored from the cache, or started (when a slot is free)."""
        if notebook not in self.waiting:
            current = record(notebook, self.values[notebook], self.view)
            reason = why_stale(self.state.get(notebook), current)
            if reason is None:
                self.done[notebook] = current
                return
            self._stage()
            if self._restore(notebook, current, reason):
                return
            self.waiting[notebook] = reason
        if len(self.running) < self.jobs:
            self._launch(notebook, self.waiting.pop(notebook))

    def _check_data(self, notebook: str, restoring: bool = False) -> None:
        """Before the first notebook that takes a value found in the data: cleaning is done, so
        the runs published beside this one are checked (run or restored) and the values (run
        only: a restored result was computed from values checked then)."""
        if not manifest.notebook(notebook).in_data:
            return
        if not self.family_checked:
            for note in release_family.check_run(self.values, self.view / PROVENANCE, self.run):
                print(note, flush=True)
            self.family_checked = True
        if not restoring and not self.data_checked:
            data_check.check_clean(self.values, self.view / CLEAN_LEADERS)
            self.data_checked = True

    def _restore(self, notebook: str, current: dict, reason: str) -> bool:
        start = time.perf_counter()
        self._check_data(notebook, restoring=True)
        kept = cache.lookup(notebook, current)
        if kept is None:
            return False
        cache.restore(kept, self.staging)
        restored = record(notebook, self.values[notebook], self.staging)
        if restored["writes"] != kept:  # damaged: compute it again
            return False
        self.done[notebook] = restored
        self.restored += 1
        print(f"{notebook:<24} {time.perf_counter() - start:6.1f} s  (from the cache: {reason})",
              flush=True)
        return True

    def _launch(self, notebook: str, reason: str) -> None:
        if not self.checked:  # about to run something: check every parameter first
            self.spares.append(self._runner())  # its kernel starts meanwhile
            params.validate(self.params_file, self.raw, deep=True)
            self.checked = True
        self._check_data(notebook)
        if watched():
            print(f"{notebook} ...  ({reason})", flush=True)
        runner = self.spares.pop() if self.spares else self._runner()
        try:
            runner.stdin.write(notebook + "\n")
            runner.stdin.close()
        except BrokenPipeError:  # the runner has stopped: its exit code says so
            pass
        self.running[notebook] = (runner, time.perf_counter(), reason)

    def _runner(self) -> subprocess.Popen:
        """A runner on standby: it starts its kernel, then runs the notebook it is told."""
        command = [sys.executable, "-m", "microcred.tooling.runner", "--standby",
                   f"--params={self.params_file}", f"--raw={self.raw or ''}",
                   f"--timeout={self.timeout}"]  # a list: no shell reads the values
        env = {**os.environ, "MICROCRED_ROOT": str(paths.ROOT),
               "MICROCRED_STAGING": str(self.folder)}
        return subprocess.Popen(command, cwd=paths.ROOT, env=env, stdin=subprocess.PIPE, text=True)

    def _collect(self) -> bool:
        """Record the notebooks that finished; False when one failed."""
        for notebook, (process, start, reason) in list(self.running.items()):
            if process.poll() is None:
                continue
            del self.running[notebook]
            seconds = time.perf_counter() - start
            if process.returncode != 0:
                self._keep_failure(notebook, seconds)
                return False
            self.done[notebook] = record(notebook, self.values[notebook], self.staging)
            cache.store(notebook, self.done[notebook], self.staging)
            self.ran += 1
            print(f"{notebook:<24} {seconds:6.1f} s  ({reason})", flush=True)
        return True

    def _stage(self) -> None:
        """The staging folder: a copy of the run's current outputs (failures and temporary files
        aside), made once, before the first notebook runs or is restored."""
        if self.staging is not None:
            return
        publication.check_folders(published_folders(self.run))  # before hours of work, not after
        shutil.rmtree(paths.STAGING, ignore_errors=True)  # a killed run's (this one holds the lock)
        try:
            self.folder.mkdir(parents=True)
            for source, relative in published_files(self.run.root):
                target = self.folder / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        except OSError as err:
            raise RunError(f"{described(err)}: {publication.UNCHANGED}") from None
        self.staging = self.folder

    def _keep_failure(self, notebook: str, seconds: float) -> None:
        """Say so, and move what explains the failure to the run's folders: the failed notebook
        and the files of data/interim/ this attempt changed (the published ones stay those of
        the published clean data)."""
        print(f"{notebook:<24} failed after {seconds:.1f} s; the previous outputs are unchanged",
              file=sys.stderr, flush=True)
        kept = []
        try:
            for failed in (self.staging / EXECUTED_FOLDER).glob(FAILED_NOTEBOOK):
                kept.append(_move(failed, self.run.root / EXECUTED_FOLDER / failed.name))
            interim = self.run.root / INTERIM_FOLDER
            changed = [f for f in (self.staging / INTERIM_FOLDER).glob("*") if f.is_file()
                       and fingerprint(f) != fingerprint(interim / f.name)]
            if changed:
                shutil.rmtree(interim / FAILED_INTERIM, ignore_errors=True)
                for file in changed:
                    _move(file, interim / FAILED_INTERIM / file.name)
                kept.append(interim / FAILED_INTERIM)
        except OSError as err:
            print(f"the failed attempt's files could not be kept ({described(err)})",
                  file=sys.stderr, flush=True)
        if kept:
            print(f"kept to see why: {', '.join(name(k) for k in kept)}", file=sys.stderr,
                  flush=True)

    def stop(self) -> None:
        """Stop every runner and kernel this attempt started and remove its staging folder."""
        for spare in self.spares:  # not needed after all: told nothing, it stops its kernel
            spare.stdin.close()
        for process, _, _ in self.running.values():
            process.terminate()
        for process in [*self.spares, *(p for p, _, _ in self.running.values())]:
            process.wait()
        shutil.rmtree(paths.STAGING, ignore_errors=True)


def published_folders(run: Run) -> list[Path]:
    """Every folder a run publishes files into."""
    root = run.root
    found = {run.state_file.parent, *(root / f for f in paths.OUTPUT_FOLDERS)}
    for folder in paths.OUTPUT_FOLDERS:
        found |= {p for p in (root / folder).rglob("*") if p.is_dir()}
    return sorted(found)


def published_files(root: Path):
    """(file, its path relative to `root`) for every output published under `root`; temporary
    files, backups and what failed attempts kept aside are not outputs."""
    for folder in paths.OUTPUT_FOLDERS:
        for file in sorted((root / folder).rglob("*")):
            relative = file.relative_to(root)
            if (file.is_file() and not any(part.startswith(".") for part in relative.parts)
                    and not file.match(FAILED_NOTEBOOK)
                    and not relative.is_relative_to(f"{INTERIM_FOLDER}/{FAILED_INTERIM}")):
                yield file, relative


def _move(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(source, target)
    return target


# --------------------------------------------------------------------------- publish

def publish(attempt: Attempt) -> None:
    """The staged outputs and the run's new state, as one step."""
    state = {**attempt.state, **attempt.done}
    staged_state = attempt.staging / STAGED_STATE
    staged_state.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    pairs = [(attempt.staging / relative, attempt.run.root / relative)
             for _, relative in published_files(attempt.staging)]
    publication.publish(publication.moves([*pairs, (staged_state, attempt.run.state_file)]))


def remove_failures(run: Run) -> None:
    """What earlier failed attempts kept aside, once a run has succeeded."""
    for failed in (run.root / EXECUTED_FOLDER).glob(FAILED_NOTEBOOK):
        failed.unlink()
    shutil.rmtree(run.root / INTERIM_FOLDER / FAILED_INTERIM, ignore_errors=True)


# --------------------------------------------------------------------------- the command

def report(params_file: Path, raw: str | None = None, jobs: int = 1, timeout: int = 1200,
           dry_run: bool = False, check: bool = False, run_name: str | None = None) -> int:
    """Bring the run up to date, siblings up to `jobs` at a time; 0 when all is done.
    `dry_run` says what would run; `check` too, and returns 1 when anything would."""
    run = Run.named(run_name)
    values = params.validate(params_file, raw, deep=False)
    data_check.check_scheme(values)
    if dry_run or check:
        with lock.held_if_free("report --dry-run") as free:
            if free:
                _say(publication.recover())
            todo = plan(values, run)
        for notebook, reason in todo.items():
            print(f"would run {notebook}  ({reason})")
        if not todo:
            print("Nothing to do: every output is up to date.")
        return int(check and bool(todo))
    with lock.held(f"report of the {run.label} run"):
        _say(publication.recover())
        signals.stop_on_termination()
        attempt = Attempt(run, params_file, raw, values, jobs, timeout)
        try:
            if not attempt.execute():
                return 1
            if attempt.staging is not None:
                publish(attempt)
        finally:
            attempt.stop()
        remove_failures(run)
    if not attempt.ran and not attempt.restored:
        print("Nothing to do: every output is up to date.")
    elif run.name:
        print(f"published in {run.label}/")
    return 0


def _say(recovered: str | None) -> None:
    if recovered:
        print(recovered, file=sys.stderr, flush=True)
