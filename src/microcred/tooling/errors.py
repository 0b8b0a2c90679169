"""How a run that cannot go on says so: one sentence, naming the file or folder, never a
traceback. A full disk, a read-only folder or a missing permission all surface as an OSError
somewhere in the build (staging, the cache, a notebook's cell, publishing); this module words them
all the same way."""

from __future__ import annotations

import errno
import re
from pathlib import Path

from microcred.core import paths

# How Python prints an OSError: "[Errno 28] No space left on device: '/x/y'" (a notebook's failed
# cell reaches the build as this text only).
OS_ERROR_TEXT = re.compile(r"\[Errno (?P<errno>\d+)\] (?P<reason>[^:]+)(?:: '(?P<path>.+?)')?")


# Errors of the side that writes: a copy names its source first and its destination second, and
# the destination is the one a full or read-only disk is about.
WRITING = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}


class RunError(Exception):
    """A run stopped before publishing anything; the message says why in one sentence."""


def name(path) -> str:
    """A path as a user of this checkout reads it: relative to the project where it is inside."""
    path = Path(path)
    try:
        return path.resolve().relative_to(paths.ROOT).as_posix()
    except ValueError:
        return str(path)


def described(err: OSError) -> str:
    """"no space left on device: build/staging/figures/x.png"."""
    reason = (err.strerror or str(err)).rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    path = err.filename2 if err.errno in WRITING and err.filename2 else err.filename
    return f"{reason}: {name(path)}" if path else reason


def described_text(kind: str, text: str) -> str | None:
    """The same sentence from an OSError as a notebook's failed cell reports it (its class name
    and message), or None when the text is not an OSError's."""
    if kind not in ("OSError", "PermissionError", "FileNotFoundError", "IsADirectoryError"):
        return None
    found = OS_ERROR_TEXT.match(text)
    if not found:
        return None
    return described(OSError(int(found["errno"]), found["reason"], found["path"]))
