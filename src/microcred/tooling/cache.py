"""Notebook results already computed, found again by the content of what produced them.

A notebook's run is determined by what the build already records of it: its effective
parameters and the hash of everything it reads (its source, its modules, its data files, the
outputs of the notebooks before it). The hash of that record is the key; the value lists the
hash of every output. Outputs are kept once each, named by their hash (build/cache/files/), so
going back to a parameter set computed before copies its outputs back instead of running the
notebooks again, and runs that share outputs share their copies.

The cache only saves time: a result missing or damaged is computed again, and a cache that
cannot be written (a full disk) is said once and skipped."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from microcred.core import paths
from microcred.tooling.errors import described

FILES = paths.CACHE / "files"
RESULTS = paths.CACHE / "results"


def key(notebook: str, record: dict) -> str:
    """What determines the notebook's outputs, hashed."""
    determined_by = {"notebook": notebook, "parameters": record["parameters"],
                     "reads": record["reads"]}
    text = json.dumps(determined_by, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file(fingerprint: str) -> Path:
    return FILES / fingerprint[:2] / fingerprint


def lookup(notebook: str, record: dict) -> dict[str, str] | None:
    """The outputs (name -> hash) of an earlier run with this record, when every one is kept."""
    try:
        writes = json.loads((RESULTS / f"{key(notebook, record)}.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if not all(h is not None and _file(h).is_file() for h in writes.values()):
        return None
    return writes


def restore(writes: dict[str, str], view: Path) -> None:
    """Copy the outputs into `view` (a staging folder)."""
    for output, fingerprint in writes.items():
        target = view / output
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_file(fingerprint), target)


def store(notebook: str, record: dict, view: Path) -> None:
    """Keep the outputs the record lists, found in `view`, under the record's key."""
    if None in record["writes"].values():  # an output missing: nothing to find again
        return
    try:
        for output, fingerprint in record["writes"].items():
            kept = _file(fingerprint)
            if not kept.is_file():
                _write_atomically(kept,
                                  lambda tmp, source=view / output: shutil.copyfile(source, tmp))
        result = RESULTS / f"{key(notebook, record)}.json"
        text = json.dumps(record["writes"], indent=1, sort_keys=True)
        _write_atomically(result, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except OSError as err:
        print(f"cache not updated ({described(err)}); results are computed again next time",
              file=sys.stderr, flush=True)


def _write_atomically(path: Path, write) -> None:
    """A file appears whole or not at all, even when the process is killed while writing it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
