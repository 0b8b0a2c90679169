"""Independent computations on every core this process may use. Arrow's kernels and numpy's
array passes release the GIL, so threads share the work of one process without copying its
data; each call computes exactly what it would alone, so results never depend on the cores."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def cores() -> int:
    """How many cores this process may use."""
    affinity = getattr(os, "sched_getaffinity", None)  # Linux: the cores this process may use
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def in_parallel(calls: list[Callable[[], T]]) -> list[T]:
    """The results of `calls`, in their order; the first error is raised as it would be alone."""
    if len(calls) < 2 or cores() < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=min(len(calls), cores())) as pool:
        return list(pool.map(lambda call: call(), calls))
