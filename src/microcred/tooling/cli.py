"""The project's commands, on any operating system, without make:

    python -m microcred report [--raw FILE] [--params FILE]   figures/, tables/, report/
    python -m microcred report --check                        exit 0 when all is up to date
    python -m microcred test                                  every test
    python -m microcred lint                                  ruff over src, tests, notebooks
    python -m microcred lab                                   JupyterLab with the project kernel
    python -m microcred bench                                 speed and scale benchmark
    python -m microcred clean                                 remove generated files

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


def report(args) -> int:
    from microcred.tooling import build
    from microcred.tooling.params import ParameterError

    try:
        return build.report(paths.resolve(args.params or paths.PARAMS), args.raw or None,
                            jobs=args.jobs, timeout=args.timeout, dry_run=args.dry_run,
                            check=args.check)
    except (ParameterError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _python(*arguments: str, env: dict | None = None) -> int:
    return subprocess.call([sys.executable, *arguments], cwd=paths.ROOT, env=env)


# The unit and end-to-end parts run on every core (pytest-xdist, at most 4 workers: beyond that
# each worker's start costs more than it saves); tests marked with one xdist_group (those sharing
# one built sandbox) stay together, so it is built once. nbval runs in one process, the notebooks
# in the pipeline's order: each reads what the one before it wrote (on a fresh clone 02 would
# otherwise start before 01 has written the clean data).
WORKERS = ["--numprocesses=auto", "--maxprocesses=4"]
# One BLAS thread per process (unless set otherwise): the workers already fill the cores, and
# BLAS threads competing for them spin (the disclosure audit's tests took twice as long).
ONE_BLAS_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
PARTS = {
    "unit": ["-m", "pytest", *WORKERS, "--dist=loadgroup", "-m", "not slow", "tests"],
    "notebooks": ["-m", "pytest", "-p", "no:cacheprovider",
                  "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
                  "tests/nbval_sanitize.cfg", paths.relative(paths.EXECUTED)],
    "end-to-end": ["-m", "pytest", *WORKERS, "--dist=loadgroup", "-m", "slow", "tests"],
}


def test(args) -> int:
    """Unit tests, nbval over the executed notebooks, end to end; stops at the first failing part."""
    for part in args.parts or list(PARTS):
        started = time.perf_counter()
        code = _python(*PARTS[part], *args.pytest_args, env={**ONE_BLAS_THREAD, **os.environ})
        print(f"test part {part}: {time.perf_counter() - started:.0f} s", flush=True)
        if code:
            return code
    return 0


def lint(args) -> int:
    return _python("-m", "ruff", "check", *(["--fix"] if args.fix else []), "src", "tests",
                   "notebooks")


def lab(args) -> int:
    command = ["-m", "jupyter", "lab", f"--notebook-dir={paths.NOTEBOOKS}",
               "--MappingKernelManager.default_kernel_name=microcred"]
    if getattr(os, "geteuid", lambda: 1)() == 0:  # containers run as root; Jupyter refuses it
        command.append("--allow-root")
    return _python(*command, *shlex.split(args.lab_args or ""))


def bench(args) -> int:
    from microcred.tooling import bench as benchmark

    return benchmark.main(["--smoke"] if args.smoke else [])


def generated():
    """Every file or folder a run writes (never data/raw, never the README files beside them)."""
    yield from (paths.BUILD, paths.REPORT_HTML, paths.REPORT_TABLES)
    yield from paths.EXECUTED.glob("*.ipynb")
    yield from (*paths.FIGURES.glob("*"), *paths.TABLES.glob("*"), *paths.INTERIM.glob("*.csv"))
    yield from (*paths.PROCESSED.glob("*.csv"), *paths.PROCESSED.glob("*.json"))


def clean(args) -> int:
    for path in generated():
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists() and path.name != "README.md":
            path.unlink()
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m microcred", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("report", help="run the out-of-date notebooks: figures/, tables/, report/")
    p.add_argument("--raw", default="", metavar="FILE", help="another leaders export")
    p.add_argument("--params", default="", metavar="FILE", help="another parameters file")
    p.add_argument("--jobs", type=int, default=1, help="notebooks run side by side (default 1)")
    p.add_argument("--timeout", type=int, default=1200, help="seconds per cell (default 1200)")
    p.add_argument("-n", "--dry-run", action="store_true", help="say what would run, run nothing")
    p.add_argument("--check", action="store_true",
                   help="as --dry-run, and exit 1 when anything would run (0: all up to date)")
    p.set_defaults(run=report)

    p = commands.add_parser("test", help="unit tests, nbval over the executed notebooks, end to end")
    p.add_argument("--part", dest="parts", action="append", choices=["unit", "notebooks", "end-to-end"],
                   help="only this part (repeatable)")
    p.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    p.set_defaults(run=test)

    p = commands.add_parser("lint", help="ruff over src, tests and notebooks")
    p.add_argument("--fix", action="store_true", help="let ruff fix what it can")
    p.set_defaults(run=lint)

    p = commands.add_parser("lab", help="JupyterLab with the project kernel in notebooks/")
    p.add_argument("--lab-args", default="", help="more arguments for jupyter lab, as one string")
    p.set_defaults(run=lab)

    p = commands.add_parser("bench", help="speed and scale benchmark: benchmarks/")
    p.add_argument("--smoke", action="store_true", help="a small, fast version")
    p.set_defaults(run=bench)

    p = commands.add_parser("clean", help="remove generated files (never data/raw)")
    p.set_defaults(run=clean)
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted (a report run leaves the previous outputs unchanged)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
