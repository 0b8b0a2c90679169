"""Stopping a run. SIGTERM (an IDE's stop button, `kill`, make passing on its own stop) and
SIGHUP (a closed terminal) end a run the way Ctrl-C does: a KeyboardInterrupt where the process
is, so that every `finally` stops what it started and removes what it staged. While a run
publishes, every stop waits until the publication is complete."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

STOPS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def stop_on_termination() -> None:
    """SIGTERM and SIGHUP stop this process as Ctrl-C does."""
    for stop in STOPS:
        signal.signal(stop, _interrupt)


@contextmanager
def deferred() -> Iterator[None]:
    """Stops that arrive during the block (Ctrl-C too) take effect when it ends: the publication
    it holds is never left half done. (Handlers, not a signal mask: Windows has none.)"""
    arrived = []
    previous = {stop: signal.signal(stop, lambda signum, frame: arrived.append(signum))
                for stop in (signal.SIGINT, *STOPS)}
    try:
        yield
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
    if arrived:
        raise KeyboardInterrupt(f"signal {arrived[0]}")
