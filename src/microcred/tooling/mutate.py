"""Mutation testing of the statistics layer and the disclosure gate (`make mutate`; not part of
`make test`). mutmut ([tool.mutmut] in pyproject.toml says which modules and which tests) makes
one small change at a time, an operator, a constant, an argument, and runs the tests that reach
the changed function: every such mutant must make a test fail.

A mutant no test kills is a gap in the tests (write the test that kills it) or equivalent: no
input tells it from the original. The equivalent ones are listed in
tests/mutation/equivalent.yaml, each with the change it makes and why nothing can tell it apart.
The run fails on any other survivor, and on a listed mutant that is killed now or whose change
is no longer the one written (mutmut numbers the mutants of a function in order, so editing the
function renumbers them): the list says what is true of the code as it is."""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    """Run mutmut (unless --judge-only), print the score, and fail on an unexplained survivor."""
    parser = argparse.ArgumentParser(prog="python -m microcred mutate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=cores(), help="mutants tested side by side")
    parser.add_argument("--judge-only", action="store_true",
                        help="judge the results of the last run without running mutmut")
    args = parser.parse_args(argv)
    if not args.judge_only:
        _mutmut("run", "--max-children", str(args.jobs))
    found, equivalent = statuses(), listed()
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
