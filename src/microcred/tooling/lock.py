"""One run at a time in a checkout. Two runs would share the staging area, the cache and the
state, and publish each other's outputs; the second is refused, saying who holds the checkout.

The lock is the operating system's on build/run.lock (flock on Linux and macOS, a byte-range lock
on Windows), held as long as the process runs: it ends with the process, however it ends, so a
killed run never leaves a stale lock behind."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from microcred.core import paths
from microcred.tooling.errors import RunError


class Busy(RunError):
    """Another process holds the checkout."""


def _try_lock(handle) -> bool:
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextmanager
def held(doing: str, path: Path = paths.RUN_LOCK) -> Iterator[None]:
    """Hold the checkout while `doing` ("make report", "clean"); Busy when another process does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115  (closed below: that unlocks)
    try:
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise Busy(f"another run is working in this checkout ({holder}); this one stopped "
                       "before changing anything: wait for that one to end, or stop it")
        handle.seek(0)
        handle.truncate()
        handle.write(f"{doing}, process {os.getpid()}, since {time.strftime('%H:%M:%S')}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()  # released: a later reader finds no stale holder
    finally:
        handle.close()


@contextmanager
def held_if_free(doing: str, path: Path = paths.RUN_LOCK) -> Iterator[bool]:
    """The lock when nobody holds it (True), else go on without it (False): for commands that
    only read, such as `report --dry-run`."""
    with ExitStack() as stack:
        try:
            stack.enter_context(held(doing, path))
        except Busy:
            yield False
        else:
            yield True
