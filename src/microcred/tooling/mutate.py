"""Mutation testing of the statistics layer and the disclosure gate (`make mutate`; not part of
`make test`). mutmut ([tool.mutmut] in pyproject.toml says which modules and which tests) makes
one small change at a time, an operator, a constant, an argument, and runs the tests that reach
the changed function: every such mutant must make a test fail.

A mutant no test kills is a gap in the tests (write the test that kills it) or equivalent: no
input tells it from the original. The equivalent ones are listed in
tests/mutation/equivalent.yaml, each with the change it makes and why nothing can tell it apart.
The run fails on any other survivor, and on a listed mutant that is killed now or whose change
is no longer the one written (mutmut numbers the mutants of a function in order, so editing the
function renumbers them): the list says what is true of the code as it is.

Mutant names (globs, as mutmut's: 'microcred.statistics.*', 'microcred.statistics.design.*')
restrict a run to those mutants: only they are run (each again, whatever an earlier run found)
and judged, and only the listed ones they match are checked, so one layer or one module can be
brought to zero survivors while another is still being written."""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import subprocess
import sys
from collections.abc import Callable

import yaml

from microcred.core import paths
from microcred.core.parallel import cores

EQUIVALENT = paths.EQUIVALENT_MUTANTS
# a test failed (or timed out: the mutant made it loop) with the mutant in place
KILLED = ("killed", "timeout")


def _mutmut(*arguments: str, capture: bool = False) -> subprocess.CompletedProcess:
    """mutmut in the project's root, the project pointed at it (its tests read the data there,
    while the package they import is mutmut's mutated copy in mutants/)."""
    env = {**os.environ, "MICROCRED_ROOT": str(paths.ROOT)}
    return subprocess.run([sys.executable, "-m", "mutmut", *arguments], cwd=paths.ROOT, env=env,
                          check=True, capture_output=capture, text=capture)


def statuses() -> dict[str, str]:
    """Every mutant's status (killed, survived, no tests, timeout, ...), by its name."""
    text = _mutmut("results", "--all", "true", capture=True).stdout
    found = (re.fullmatch(r"\s*(\S+): (.+?)\s*", line) for line in text.splitlines())
    return {m.group(1): m.group(2) for m in found if m}


def selected(by_name: dict, patterns: list[str]) -> dict:
    """The entries whose mutant name matches one of the globs (all of them without a glob)."""
    if not patterns:
        return by_name
    return {name: value for name, value in by_name.items()
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)}


def change(name: str) -> str:
    """What a mutant changes: the original lines ('-') and the mutant's ('+'), spaces folded."""
    diff = _mutmut("show", name, capture=True).stdout
    return _folded(line for line in diff.splitlines()
                   if line[:1] in "+-" and not line.startswith(("+++", "---")))


def _folded(lines) -> str:
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def listed(path=EQUIVALENT) -> dict[str, dict]:
    """The equivalent mutants, by name: each with its `change` and `why`."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {entry["mutant"]: entry for entry in entries}


def problems(found: dict[str, str], equivalent: dict[str, dict],
             change_of: Callable[[str], str]) -> list[str]:
    """What the run must not end with: a survivor not listed as equivalent, and a listed mutant
    that is gone, killed, or makes another change than the list says."""
    out = []
    for name, status in sorted(found.items()):
        if status in KILLED:
            if name in equivalent:
                out.append(f"{name}: listed as equivalent but {status}; take it off the list")
            continue
        if name not in equivalent:
            out.append(f"{name}: {status}\n{change_of(name)}")
        elif change_of(name) != _folded(equivalent[name]["change"].splitlines()):
            out.append(f"{name}: the list describes another change than the mutant's now "
                       f"(renumbered?):\n{change_of(name)}")
    out += [f"{name}: listed as equivalent, but there is no such mutant"
            for name in sorted(set(equivalent) - set(found))]
    return out


def score(found: dict[str, str], equivalent: dict[str, dict]) -> str:
    """The mutation score: mutants killed, of all and of those not equivalent."""
    killed = sum(status in KILLED for status in found.values())
    real = len(found) - len(set(equivalent) & set(found))
    return (f"mutation score: {killed} of {len(found)} mutants killed "
            f"({100 * killed / max(len(found), 1):.1f}%); {len(found) - real} listed as "
            f"equivalent; {killed} of the other {real} killed "
            f"({100 * killed / max(real, 1):.1f}%)")


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m microcred mutate` (defined once, for the command line too)."""
    parser.add_argument("--jobs", type=int, default=0,
                        help="mutants tested side by side (default: every core)")
    parser.add_argument("--judge-only", action="store_true",
                        help="judge the results of the last run without running mutmut")
    parser.add_argument("mutants", nargs="*", metavar="NAME",
                        help="only the mutants whose names match these globs, e.g. "
                        "'microcred.statistics.*' (default: every mutant)")


def main(argv: list[str] | None = None) -> int:
    """Run mutmut (unless --judge-only), print the score, and fail on an unexplained survivor."""
    parser = argparse.ArgumentParser(prog="python -m microcred mutate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_options(parser)
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """`main` on parsed options (`add_options`)."""
    if not args.judge_only:
        _mutmut("run", "--max-children", str(args.jobs or cores()), *args.mutants)
    found, equivalent = selected(statuses(), args.mutants), selected(listed(), args.mutants)
    print(score(found, equivalent))
    wrong = problems(found, equivalent, change)
    for problem in wrong:
        print(f"\n{problem}", file=sys.stderr)
    if wrong:
        print(f"\n{len(wrong)} mutants to look at: kill each with a test, or list it in "
              f"{paths.relative(EQUIVALENT)} with why it is equivalent", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
