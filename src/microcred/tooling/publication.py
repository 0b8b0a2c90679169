"""Publishing a run: its staged outputs (clean data and what cleaning set aside, figures, tables,
report, executed notebooks, the run's state) replace the published ones as one step.

1. Check: every folder that receives a file is writable; else one sentence names it and nothing
   changes.
2. Prepare: each changed file moves beside its target under a temporary name (`.x.publishing`,
   copied when staging sits on another file system) and the target is linked aside as its backup
   (`.x.previous`). An error here (a full disk) removes what was prepared.
3. Commit: the journal (build/publishing.json) records the list, then each temporary file is
   renamed over its target. An error undoes the renames from the backups.
4. The backups and the journal are removed.

Ctrl-C and SIGTERM wait until the publication ends (`signals.deferred`). A run killed outright
(SIGKILL, a power cut) leaves the journal: the next command that takes the checkout's lock calls
`recover`, which completes a committed publication and undoes any other, so that the published
files are always those of one run."""

from __future__ import annotations

import errno
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from microcred.core import paths
from microcred.tooling import signals
from microcred.tooling.errors import RunError, described, name

JOURNAL = paths.BUILD / "publishing.json"
UNCHANGED = "nothing was published; the previous outputs are unchanged"


@dataclass(frozen=True)
class Move:
    staged: Path
    target: Path
    had_previous: bool

    @property
    def temporary(self) -> Path:
        """Where the new file waits before it takes the target's place."""
        return self.target.with_name(f".{self.target.name}.publishing")

    @property
    def backup(self) -> Path:
        """Where the previous file waits until the publication succeeded."""
        return self.target.with_name(f".{self.target.name}.previous")


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        return a.read_bytes() == b.read_bytes()
    except FileNotFoundError:
        return False


def moves(pairs) -> list[Move]:
    """(staged file, target) pairs whose bytes differ, as moves to make."""
    return [Move(staged, target, target.exists()) for staged, target in pairs
            if not _same_bytes(staged, target)]


def publish(planned: list[Move]) -> None:
    """Every move, or none (RunError naming the path when one cannot be made)."""
    if not planned:
        return
    check_writable(planned)
    with signals.deferred():
        _write_journal("preparing", planned)
        try:
            for move in planned:
                _prepare(move)
        except OSError as err:
            _undo(planned)
            raise RunError(f"{described(err)}: {UNCHANGED}") from None
        _write_journal("committing", planned)
        try:
            for move in planned:
                os.replace(move.temporary, move.target)
        except OSError as err:
            _write_journal("undoing", planned)
            _undo(planned)
            raise RunError(f"{described(err)}: {UNCHANGED}") from None
        _complete(planned)


def check_folders(folders) -> None:
    """Each folder (or the nearest one that exists, where it will be made) can be written."""
    for folder in sorted(set(folders)):
        existing = folder
        while not existing.exists():
            existing = existing.parent
        if not os.access(existing, os.W_OK | os.X_OK):
            raise RunError(f"cannot write in {name(existing)}/ ({_why_not(existing)}): {UNCHANGED}")


def check_writable(planned: list[Move]) -> None:
    """Stop before anything moves where a target cannot be written."""
    check_folders(m.target.parent for m in planned)
    for move in planned:
        if move.target.is_dir():
            raise RunError(f"{name(move.target)} is a folder where the run writes a file: "
                           f"{UNCHANGED}")


def _why_not(folder: Path) -> str:
    read_only = hasattr(os, "statvfs") and os.statvfs(folder).f_flag & getattr(os, "ST_RDONLY", 1)
    return "a read-only file system" if read_only else "no permission to write"


def _prepare(move: Move) -> None:
    move.target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(move.staged, move.temporary)
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise
        shutil.copy2(move.staged, move.temporary)  # staging is on another file system
    if move.had_previous:
        move.backup.unlink(missing_ok=True)
        try:
            os.link(move.target, move.backup)  # a second name, no second copy
        except OSError:
            shutil.copy2(move.target, move.backup)  # a file system without hard links


def _undo(planned: list[Move]) -> None:
    """Back to the previous outputs, whichever moves were made (safe to repeat)."""
    for move in planned:
        if move.had_previous and move.backup.exists():
            os.replace(move.backup, move.target)
            move.backup.unlink(missing_ok=True)  # still there when it was the target's own link
        elif not move.had_previous and not move.temporary.exists():
            move.target.unlink(missing_ok=True)  # a new file, committed
        move.temporary.unlink(missing_ok=True)
    JOURNAL.unlink(missing_ok=True)


def _complete(planned: list[Move]) -> None:
    """Forward to the new outputs (safe to repeat)."""
    for move in planned:
        if move.temporary.exists():
            os.replace(move.temporary, move.target)
        move.backup.unlink(missing_ok=True)
    JOURNAL.unlink(missing_ok=True)


def _write_journal(phase: str, planned: list[Move]) -> None:
    entries = [[str(m.staged), str(m.target), m.had_previous] for m in planned]
    JOURNAL.parent.mkdir(parents=True, exist_ok=True)
    temporary = JOURNAL.with_name(f".{JOURNAL.name}.tmp")
    temporary.write_text(json.dumps({"phase": phase, "moves": entries}), encoding="utf-8")
    os.replace(temporary, JOURNAL)


def recover() -> str | None:
    """Complete or undo the publication a killed run left; what was done, or None. Call it with
    the checkout's lock held."""
    try:
        journal = json.loads(JOURNAL.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:  # killed while writing it: the temporary file only was cut short
        JOURNAL.unlink()
        return None
    planned = [Move(Path(staged), Path(target), had) for staged, target, had in journal["moves"]]
    if journal["phase"] == "committing":
        _complete(planned)
        return f"completed the publication of an interrupted run ({len(planned)} files)"
    _undo(planned)
    return "undid the partial publication of an interrupted run"
