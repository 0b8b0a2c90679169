"""`make browser` says what it installs, lets apt show its progress without debconf's noise, and
steps aside where it cannot install: run against stand-ins for `id`, `apt-get` and `chromium`."""

from __future__ import annotations

import shutil
import subprocess

from microcred.core import paths

MAKE = shutil.which("make") or "make"


def make_browser(tmp_path, uid: int = 0, chromium: bool = False, apt: bool = True) -> list[str]:
    """The lines `make browser` prints with only these commands on the PATH; the stand-in apt-get
    prints its arguments and the environment debconf reads."""
    bin = tmp_path / "bin"
    bin.mkdir(parents=True)
    commands = {"id": f"echo {uid}"}
    if chromium:
        commands["chromium"] = "true"
    if apt:
        commands["apt-get"] = 'echo "apt-get $* [$DEBIAN_FRONTEND $DEBCONF_NOWARNINGS]"'
    for name, script in commands.items():
        (bin / name).write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
        (bin / name).chmod(0o755)
    command = [MAKE, "--no-print-directory", "-f", str(paths.ROOT / "Makefile"), "browser"]
    run = subprocess.run(command, cwd=paths.ROOT, env={"PATH": str(bin)}, capture_output=True,
                         text=True)
    assert run.returncode == 0 and not run.stderr, run.stderr
    return run.stdout.splitlines()


def test_it_says_what_it_installs_and_shows_apts_output(tmp_path):
    announce, update, install = make_browser(tmp_path)
    assert announce.startswith("installing Debian's Chromium for the browser test (about ")
    assert update == "apt-get update [noninteractive yes]"
    options = install.split()
    assert options[:2] == ["apt-get", "install"] and "chromium" in options
    assert "Dpkg::Progress-Fancy=0" in options and install.endswith("[noninteractive yes]")
    assert not [o for o in options if o.startswith("-q")], "apt's progress is hidden"


def test_nothing_to_do_where_chromium_is_installed(tmp_path):
    assert make_browser(tmp_path, chromium=True) == []


def test_it_steps_aside_without_root_or_apt(tmp_path):
    skipped = ["chromium could not be installed: the browser test will say so"]
    assert make_browser(tmp_path / "user", uid=1000) == skipped
    assert make_browser(tmp_path / "no apt", apt=False) == skipped
