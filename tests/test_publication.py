"""A run's outputs are published as one step (tooling.publication): every file or none, whatever
fails; a run killed in the middle is completed or undone by the next one; a folder that cannot
be written, or a full disk, is one sentence naming it. And the pieces around it: one run at a
time per checkout (tooling.lock), stops that wait for the publication (tooling.signals), errors
worded once (tooling.errors)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from microcred.tooling import errors, lock, publication, signals


@pytest.fixture
def site(tmp_path, monkeypatch):
    """Published files (old) and staged ones (new: two changed, one new, one unchanged)."""
    monkeypatch.setattr(publication, "JOURNAL", tmp_path / "build" / "publishing.json")
    published, staged = tmp_path / "published", tmp_path / "staging"
    for folder, files in ((published, {"figures/a.png": "old a", "tables/b.csv": "old b",
                                       "tables/same.csv": "same"}),
                          (staged, {"figures/a.png": "new a", "tables/b.csv": "new b",
                                    "tables/same.csv": "same", "report/c.html": "new c"})):
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
    pairs = [(p, published / p.relative_to(staged)) for p in staged.rglob("*") if p.is_file()]
    return published, publication.moves(pairs)


def contents(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file()}


OLD = {"figures/a.png": "old a", "tables/b.csv": "old b", "tables/same.csv": "same"}
NEW = {"figures/a.png": "new a", "tables/b.csv": "new b", "tables/same.csv": "same",
       "report/c.html": "new c"}


def test_only_changed_files_move_and_all_of_them_do(site):
    published, planned = site
    assert sorted(m.target.name for m in planned) == ["a.png", "b.csv", "c.html"]
    publication.publish(planned)
    assert contents(published) == NEW  # no temporary file or backup is left either
    assert not publication.JOURNAL.exists()


def test_an_error_while_renaming_puts_every_file_back(site, monkeypatch):
    published, planned = site
    real, calls = os.replace, []

    def fail_on_the_second_commit(source, target):
        if str(source).endswith(".publishing"):
            calls.append(target)
            if len(calls) == 2:
                raise OSError(errno.EIO, "Input/output error", str(target))
        return real(source, target)

    monkeypatch.setattr(os, "replace", fail_on_the_second_commit)
    with pytest.raises(errors.RunError, match="nothing was published"):
        publication.publish(planned)
    assert contents(published) == OLD
    assert not publication.JOURNAL.exists()


def test_a_full_disk_while_preparing_is_one_sentence_and_changes_nothing(site, monkeypatch):
    published, planned = site
    real = os.replace

    def disk_full(source, target):
        if str(target).endswith("b.csv.publishing"):
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        return real(source, target)

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(errors.RunError) as stopped:
        publication.publish(planned)
    message = str(stopped.value)
    assert message.startswith("no space left on device: ") and "b.csv.publishing" in message
    assert message.endswith("nothing was published; the previous outputs are unchanged")
    assert "\n" not in message
    assert contents(published) == OLD


class Killed(BaseException):
    """Stands for SIGKILL: nothing of the publication's own code runs after it."""


@pytest.mark.parametrize("phase,after", [("preparing", OLD), ("committing", NEW)])
def test_a_publication_killed_midway_is_undone_or_completed_by_the_next_run(site, monkeypatch,
                                                                           phase, after):
    published, planned = site
    real, seen = os.replace, []

    def killed(source, target):
        if str(target).endswith(".publishing" if phase == "preparing" else "b.csv"):
            seen.append(target)
            if len(seen) == 2 or phase == "committing":
                raise Killed
        return real(source, target)

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(Killed):
        publication.publish(planned)
    monkeypatch.setattr(os, "replace", real)
    assert contents(published) != after or phase == "preparing"  # a mix, or nothing, until then
    assert publication.recover()
    assert contents(published) == after
    assert publication.recover() is None  # nothing left to do


def test_a_folder_that_cannot_be_written_is_named_before_anything_changes(site, monkeypatch):
    published, planned = site
    tables = published / "tables"
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tables)
    with pytest.raises(errors.RunError, match=r"cannot write in .*published/tables/ \("):
        publication.publish(planned)
    assert contents(published) == OLD and not publication.JOURNAL.exists()


def test_staging_on_another_file_system_is_copied(site, monkeypatch):
    published, planned = site
    real = os.replace

    def across_devices(source, target):
        if f"{os.sep}staging{os.sep}" in str(source):
            raise OSError(errno.EXDEV, "Invalid cross-device link", str(source))
        return real(source, target)

    monkeypatch.setattr(os, "replace", across_devices)
    publication.publish(planned)
    assert contents(published) == NEW


def test_stops_during_a_publication_wait_until_it_ends():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with signals.deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.1)
            done.append("published")  # still running: the stop waited
    assert done == ["published"]
    assert signal.getsignal(signal.SIGTERM) is not None  # handlers put back


HOLD = ("import sys, time; from pathlib import Path; from microcred.tooling import lock; "
        "cm = lock.held('make report', Path(sys.argv[1])); cm.__enter__(); print('held', "
        "flush=True); "
        "time.sleep(60)")


def test_a_second_run_in_the_same_checkout_is_refused_and_a_killed_one_frees_it(tmp_path):
    path = tmp_path / "run.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(lock.Busy,
                           match=rf"another run is working in this checkout \(make report, "
                                            rf"process {holder.pid}, since"):
            with lock.held("make report", path):
                pass
        with lock.held_if_free("report --dry-run", path) as free:
            assert free is False
    finally:
        holder.kill()
        holder.wait()
    with lock.held("make report", path):  # the lock ended with its process: nothing stale
        pass


@pytest.mark.parametrize("kind,text,expected", [
    ("OSError", "[Errno 28] No space left on device: '/x/figures/a.png'",
     "no space left on device: /x/figures/a.png"),
    ("PermissionError", "[Errno 13] Permission denied: '/x/tables/b.csv'",
     "permission denied: /x/tables/b.csv"),
    ("ValueError", "[Errno 28] looks like one", None),
])
def test_an_os_error_from_a_notebook_cell_becomes_one_sentence(kind, text, expected):
    assert errors.described_text(kind, text) == expected


def test_a_copy_onto_a_full_disk_names_the_file_it_was_writing():
    full = OSError(errno.ENOSPC, "No space left on device", "/x/figures/a.png", None,
                   "/x/build/staging/figures/a.png")
    assert errors.described(full) == "no space left on device: /x/build/staging/figures/a.png"
    missing = OSError(errno.ENOENT, "No such file or directory", "/x/a.png", None, "/x/b.png")
    assert errors.described(missing) == "no such file or directory: /x/a.png"
