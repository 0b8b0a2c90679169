"""The project's commands, on any operating system, without make (`python` being the project
environment's: .venv/bin/python, or `python` once the environment is activated):

    python -m microcred report [--raw FILE] [--params FILE]   figures/, tables/, report/
    python -m microcred report --run NAME [--params FILE]     the same in runs/NAME/
    python -m microcred report --check                        exit 0 when all is up to date
    python -m microcred compare RUN_A RUN_B                   what changed between two runs
    python -m microcred params check [--raw FILE]             parameters (against an export)
    python -m microcred test                                  every test
    python -m microcred lint                                  ruff; mypy over statistics, release
    python -m microcred mutate [--jobs N] [NAME...]           mutation testing (not in `test`)
    python -m microcred lab                                   JupyterLab with the project kernel
    python -m microcred bench                                 speed and scale benchmark
    python -m microcred clean [--all]                         remove what is not committed

The Makefile's targets call these; there is one implementation."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time

from microcred.core import paths
from microcred.tooling import mutate as mutation


def report(args) -> int:
    """`report`: bring figures/, tables/ and report/ up to date."""
    from microcred.tooling import build

    return build.report(paths.resolve(args.params or paths.PARAMS), args.raw or None,
                        jobs=args.jobs, timeout=args.timeout, dry_run=args.dry_run,
                        check=args.check, run_name=args.run_name)


def compare(args) -> int:
    """`compare`: what changed between two runs."""
    from microcred.tooling import compare as comparison

    return comparison.main(args.first, args.second, args.out)


def params_check(args) -> int:
    """The parameters file checked as `report` checks it before anything runs; with --raw, also
    every value that must be in the data, against that export cleaned in memory."""
    from microcred.tooling import data_check, params
    from microcred.tooling.params import ParameterError

    values = params.validate(paths.resolve(args.params or paths.PARAMS), args.raw or None)
    data_check.check_scheme(values)
    try:
        found = f"; {data_check.check_export(values)}" if args.raw else ""
    except ValueError as err:  # the export itself: the reader's message names file, row, column
        raise ParameterError(str(err)) from None
    print(f"{args.params or paths.relative(paths.PARAMS)}: every parameter is valid{found}")
    return 0


def _python(*arguments: str, env: dict | None = None) -> int:
    return subprocess.call([sys.executable, *arguments], cwd=paths.ROOT, env=env)


# The unit and end-to-end parts run on every core (pytest-xdist, at most 4 workers: beyond that
# each worker's start costs more than it saves); tests marked with one xdist_group (those sharing
# one built sandbox) stay together, so it is built once. nbval runs in one process, the notebooks
# in the pipeline's order: each reads what the one before it wrote (on a fresh clone 02 would
# otherwise start before 01 has written the clean data).
WORKERS = ["--numprocesses=auto", "--maxprocesses=4"]
# One BLAS thread per process (unless set otherwise): the workers already fill the cores, and
# BLAS threads competing for them spin (benchmarks/NOTES.md).
ONE_BLAS_THREAD = {name: "1"
                   for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
PARTS = {
    "unit": ["-m", "pytest", *WORKERS, "--dist=loadgroup", "-m", "not slow", "tests"],
    "notebooks": ["-m", "pytest", "-p", "no:cacheprovider",
                  "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
                  "tests/nbval_sanitize.cfg", paths.relative(paths.EXECUTED)],
    "end-to-end": ["-m", "pytest", *WORKERS, "--dist=loadgroup", "-m", "slow", "tests"],
}


SAYS = {  # what each part does, said as it starts: the end-to-end part runs for minutes
    "unit": "unit tests of the package, on every core",
    "notebooks": "nbval re-runs the executed notebooks in order and compares their outputs",
    "end-to-end": "whole runs in scratch copies (one shared build first), faults, the README's "
                  "commands, the wheel, the browser",
}


def test(args) -> int:
    """`test`: unit tests, nbval over the executed notebooks, end to end; stops at the first
    failing part."""
    for part in args.parts or list(PARTS):
        print(f"test part {part}: {SAYS[part]}", flush=True)
        started = time.perf_counter()
        code = _python(*PARTS[part], *args.pytest_args, env={**ONE_BLAS_THREAD, **os.environ})
        print(f"test part {part}: {time.perf_counter() - started:.0f} s", flush=True)
        if code:
            return code
    return 0


TYPED = ["src/microcred/statistics", "src/microcred/release"]  # what mypy checks in `lint`


def lint(args) -> int:
    """`lint`: ruff over the whole project as pyproject.toml configures it (the same as `ruff
    check .`), mypy over the statistics and release layers."""
    ruff = _python("-m", "ruff", "check", *(["--fix"] if args.fix else []), ".")
    return _python("-m", "mypy", *TYPED) or ruff


def mutate(args) -> int:
    """`mutate`: mutation testing of the statistics and the disclosure gate."""
    return mutation.run(args)


# The file browser lists each notebook once: its jupytext pair (notebooks/<name>.py, for review)
# is hidden, as are Jupyter's own defaults.
HIDDEN_IN_LAB = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~"]


def lab(args) -> int:
    """JupyterLab in this process: stopping it (Ctrl-C, SIGTERM to its process, make's stop)
    stops the server and shuts down every kernel it started; nothing is left running."""
    from jupyterlab.labapp import LabApp

    from microcred.core import manifest

    hidden = [*HIDDEN_IN_LAB, *(f"{notebook}.py" for notebook in manifest.notebooks())]
    argv = [f"--notebook-dir={paths.NOTEBOOKS}",
            "--MappingKernelManager.default_kernel_name=microcred",
            f"--ContentsManager.hide_globs={hidden}"]
    if getattr(os, "geteuid", lambda: 1)() == 0:  # containers run as root; Jupyter refuses it
        argv.append("--allow-root")
    os.chdir(paths.ROOT)
    LabApp.launch_instance(argv=[*argv, *shlex.split(args.lab_args or "")])
    return 0


def bench(args) -> int:
    """`bench`: the speed and scale benchmark."""
    from microcred.tooling import bench as benchmark

    return benchmark.main(["--smoke"] if args.smoke else [])


def uncommitted():
    """What runs write and the repository never holds: the build's state, staging and cache, the
    named runs, mutation testing's work, the clean data and what cleaning set aside, failed
    notebooks, comparisons."""
    yield from (p for p in paths.BUILD.glob("*") if p != paths.RUN_LOCK)
    yield from (paths.RUNS, paths.MUTANTS, *paths.EXECUTED.glob("*.failed.ipynb"))
    yield from (p for folder in (paths.INTERIM, paths.PROCESSED) for p in folder.glob("*")
                if p.name != "README.md")


def committed_outputs():
    """The default run's outputs, committed so that a reader needs to run nothing."""
    yield from (*paths.FIGURES.glob("*"), *paths.TABLES.glob("*"), *paths.REPORT.glob("*"))


def clean(args) -> int:
    """`clean`: remove what runs wrote (with --all, the committed outputs too, after asking)."""
    from microcred.tooling import lock

    with lock.held("clean"):
        removed = _remove(uncommitted())
        kept = [p for p in committed_outputs() if p.exists()]
        if args.all and kept and (args.yes or _confirm(kept)):
            removed += _remove(kept)
        elif kept:
            print("kept the committed outputs (figures/, tables/, report/, report.pdf among them): "
                  "`clean --all` removes them too; `git checkout -- figures tables report` "
                  "brings them back")
    print(f"removed {removed} files and folders")
    return 0


def _confirm(kept: list) -> bool:
    question = (f"remove the {len(kept)} committed outputs in figures/, tables/ and report/ "
                "(report.pdf too)? [y/N] ")
    if not sys.stdin.isatty():
        print(f"{question.removesuffix(' [y/N] ')} Not without --yes.", file=sys.stderr)
        return False
    return input(question).strip().lower() in ("y", "yes")


def _remove(found) -> int:
    count = 0
    for path in list(found):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        else:
            continue
        count += 1
    return count


def parser() -> argparse.ArgumentParser:
    """The command line's parser, one subcommand per command."""
    top = argparse.ArgumentParser(prog="python -m microcred", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("report",
                            help="run the out-of-date notebooks: figures/, tables/, report/")
    p.add_argument("--raw", default="", metavar="FILE", help="another leaders export")
    p.add_argument("--params", default="", metavar="FILE", help="another parameters file")
    p.add_argument("--run", dest="run_name", default="", metavar="NAME",
                   help="publish into runs/NAME/ (default: the project's own folders)")
    p.add_argument("--jobs", type=int, default=1, help="notebooks run side by side (default 1)")
    p.add_argument("--timeout", type=int, default=1200, help="seconds per cell (default 1200)")
    p.add_argument("-n", "--dry-run", action="store_true", help="say what would run, run nothing")
    p.add_argument("--check", action="store_true",
                   help="as --dry-run, and exit 1 when anything would run (0: all up to date)")
    p.set_defaults(run=report)

    p = commands.add_parser("compare",
                            help="what changed between two runs: estimates, hidden cells")
    p.add_argument("first", metavar="RUN_A", help="`default`, or a run's name (runs/NAME)")
    p.add_argument("second", metavar="RUN_B")
    p.add_argument("--out", default="", metavar="FOLDER",
                   help="where to write (default build/compare/RUN_A-vs-RUN_B)")
    p.set_defaults(run=compare)

    p = commands.add_parser("params", help="check a parameters file (against an export with --raw)")
    p.add_argument("action", choices=["check"])
    p.add_argument("--params", default="", metavar="FILE", help="default: params.yaml")
    p.add_argument("--raw", default="", metavar="FILE",
                   help="a leaders export: clean it in memory and check the values against it")
    p.set_defaults(run=params_check)

    p = commands.add_parser("test",
                            help="unit tests, nbval over the executed notebooks, end to end")
    p.add_argument("--part", dest="parts", action="append",
                   choices=["unit", "notebooks", "end-to-end"],
                   help="only this part (repeatable)")
    p.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    p.set_defaults(run=test)

    p = commands.add_parser("lint", help="ruff over the project; mypy over "
                            "statistics and release")
    p.add_argument("--fix", action="store_true", help="let ruff fix what it can")
    p.set_defaults(run=lint)

    p = commands.add_parser("mutate", help="mutation testing of the statistics and the gate")
    mutation.add_options(p)
    p.set_defaults(run=mutate)

    p = commands.add_parser("lab", help="JupyterLab with the project kernel in notebooks/")
    p.add_argument("--lab-args", default="", help="more arguments for jupyter lab, as one string")
    p.set_defaults(run=lab)

    p = commands.add_parser("bench", help="speed and scale benchmark: benchmarks/")
    p.add_argument("--smoke", action="store_true", help="a small, fast version")
    p.set_defaults(run=bench)

    p = commands.add_parser("clean", help="remove what runs wrote and is not committed")
    p.add_argument("--all", action="store_true",
                   help="the committed outputs too (figures/, tables/, report/), after asking")
    p.add_argument("--yes", action="store_true", help="with --all: do not ask")
    p.set_defaults(run=clean)
    return top


def main(argv=None) -> int:
    """Run one command; errors end as one sentence and an exit code."""
    from microcred.core.choices import ParameterError
    from microcred.tooling.errors import RunError, described

    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted (a report run leaves the previous outputs unchanged)", file=sys.stderr)
        return 130
    except (ParameterError, RunError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2 if isinstance(err, ParameterError) else 1
    except OSError as err:  # a full disk, a folder that cannot be written: one sentence
        print(f"error: {described(err)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
