"""`python -m microcred lab` (and `make lab`): the file browser lists each notebook once (its
jupytext pair hidden), and stopping the command (SIGTERM to its process, as `kill` or an IDE
sends it) stops the server and every kernel it started: nothing is left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import psutil
import pytest
from test_browser import api, api_when_up, free_port

from microcred.core import manifest
from microcred.tooling.sandbox import make_sandbox

pytestmark = pytest.mark.slow


def test_lab_hides_the_pairs_and_leaves_no_server_or_kernel_when_stopped(tmp_path):
    folder = make_sandbox(tmp_path)
    port, token = free_port(), uuid.uuid4().hex
    env = {**os.environ, "MICROCRED_ROOT": str(folder)}
    lab = subprocess.Popen([sys.executable, "-m", "microcred", "lab",
                            f"--lab-args=--no-browser --ip=127.0.0.1 --port={port} "
                            f"--IdentityProvider.token={token}"],
                           cwd=folder, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        listing = api_when_up(base, "/api/contents/", token, tries=240)
        names = {item["name"] for item in listing["content"]}
        notebooks = manifest.notebooks()
        assert {f"{nb}.ipynb" for nb in notebooks} <= names
        assert not names & {f"{nb}.py" for nb in notebooks}  # each notebook once
        kernel = api(base, "/api/kernels", token, "POST", {"name": "microcred"})
        started = psutil.Process(lab.pid).children(recursive=True)
        assert started and kernel["id"]
    finally:
        lab.send_signal(signal.SIGTERM)
        lab.wait(timeout=60)
    deadline = time.monotonic() + 30
    while (left := [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]) \
            and time.monotonic() < deadline:
        time.sleep(0.5)
    assert left == []
