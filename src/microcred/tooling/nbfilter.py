"""Git's clean filter for the source notebooks (see .gitattributes; `make setup` installs it):
nbstripout's result (outputs, counts and run metadata removed, cell ids kept) when stripping
changes what the notebook says, and the bytes unchanged when it does not.

Passing an already clean notebook through byte for byte matters: nbstripout also re-serialises
(key order, indentation), so a notebook committed clean but laid out differently would otherwise
look modified in every checkout and stop rebases.

    git config filter.nbstripout.clean ".venv/bin/python -m microcred.tooling.nbfilter"
"""

from __future__ import annotations

import json
import subprocess
import sys


def clean(original: bytes) -> bytes:
    """A notebook stripped of its outputs by nbstripout, or its own bytes where it was clean."""
    stripped = subprocess.run([sys.executable, "-m", "nbstripout", "--keep-id"], input=original,
                              capture_output=True, check=True).stdout
    try:
        unchanged = json.loads(original) == json.loads(stripped)
    except ValueError:  # not JSON: let nbstripout's answer stand
        unchanged = False
    return original if unchanged else stripped


def main() -> None:
    """Git's clean filter: a notebook on stdin, stripped on stdout."""
    sys.stdout.buffer.write(clean(sys.stdin.buffer.read()))


if __name__ == "__main__":
    main()
