"""The report in a real browser (Debian's headless Chromium, driven by Playwright): every image
loads, no request leaves the page, every figure and table is there, and it reads on a phone.
And JupyterLab as researchers use it: `make lab` offers the project kernel and runs 01_clean."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from microcred.core import manifest, paths
from microcred.tooling.sandbox import make_sandbox

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.xdist_group("browser")]  # one Chromium
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_or_skip():
    if not os.path.exists(CHROMIUM):
        message = "Debian's chromium is not installed (`make browser` installs it as root)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must install it")
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def open_report(browser, width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((paths.REPORT / "report.html").as_uri(), wait_until="load")
    return page, requests


def test_report_loads_every_image_offline_and_shows_every_output(browser):
    page, requests = open_report(browser, 1366, 900)
    outside = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert not outside, outside
    widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
    figures = sorted(p.stem for p in paths.FIGURES.glob("*.png"))
    assert len(widths) == len(figures) and all(w > 0 for w in widths)
    ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    assert {f"fig-{f}" for f in figures} <= ids
    assert {f"csv-{t.stem}" for t in paths.TABLES.glob("*.csv")} <= ids  # the appendix
    assert page.locator("pre").count() == 0  # no code cells
    shot = paths.ROOT / "build" / "report-laptop.png"
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000


def test_report_reads_on_a_phone(browser):
    page, _ = open_report(browser, 390, 844)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    widths = page.eval_on_selector_all("figure img", "imgs => imgs.map(i => i.clientWidth)")
    assert max(widths) <= 390
    page.screenshot(path=str(paths.ROOT / "build" / "report-phone.png"))


SCREENS = [(1280, 900), (390, 844)]


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_no_table_column_hides_behind_a_scroll(browser, width, height):
    page, _ = open_report(browser, width, height)
    hidden = page.eval_on_selector_all("figure.table", """tables => tables.flatMap(t =>
        [t, ...t.querySelectorAll('div, table')].filter(e => e.scrollWidth > e.clientWidth + 1)
          .map(e => t.id + ' ' + e.tagName + ' ' + e.scrollWidth + '>' + e.clientWidth))""")
    assert not hidden
    # every cell is on screen, inside the page's width (on a phone the header row is read to
    # screen readers only, each cell carrying its column's label)
    right = page.eval_on_selector_all("figure.table td",
                                      "cells => Math.max(...cells.map(c => "
                                      "c.getBoundingClientRect().right))")
    assert right <= width
    assert page.locator("figure.table").count() >= 10


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_every_contents_link_lands_on_its_section(browser, width, height):
    page, _ = open_report(browser, width, height)
    links = page.eval_on_selector_all("nav.toc a",
                                      "links => links.map(a => a.getAttribute('href'))")
    assert len(links) == len(manifest.report_sections())
    for href in links:
        page.click(f"nav.toc a[href='{href}']")
        top = page.evaluate(f"document.querySelector('{href} h2').getBoundingClientRect().top")
        stamp = page.evaluate("(document.querySelector('.stamp') || {offsetHeight: "
                              "0}).offsetHeight")
        assert stamp <= top <= stamp + 80, (href, top)  # at the top, not under the banner
        page.evaluate("window.scrollTo(0, 0)")


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_every_figure_opens_full_size_and_closes(browser, width, height):
    page, _ = open_report(browser, width, height)
    figures = page.eval_on_selector_all("figure[id^='fig-']", "fs => fs.map(f => f.id)")
    assert len(figures) == len(list(paths.FIGURES.glob("*.svg")))
    for anchor in figures:
        page.click(f"#{anchor} .zoom-open")
        opened = page.evaluate(f"""(() => {{ const z = document.querySelector('#zoom-{anchor}');
            const img = z.querySelector('img'); const box = z.getBoundingClientRect();
            return [getComputedStyle(z).position, img.clientWidth, img.naturalWidth, box.top,
                    box.width]; }})()""")
        assert opened[0] == "fixed" and opened[3] == 0 and opened[4] == width, anchor
        assert opened[1] >= max(1100, opened[2]), anchor  # larger than the drawing's own size
        page.click(f"#zoom-{anchor} .zoom-close")
        position = page.evaluate(
            f"getComputedStyle(document.querySelector('#zoom-{anchor}')).position")
        assert position == "static", anchor


def serious_violations(page) -> list[tuple]:
    """What axe-core (bundled with axe-playwright-python: nothing is fetched) finds serious."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page).response
    return [(v["id"], v["help"], len(v["nodes"])) for v in results["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_axe_finds_no_serious_accessibility_violation(browser, width, height):
    page, requests = open_report(browser, width, height)
    assert not serious_violations(page)
    assert not [u for u in requests if not u.startswith(("file:", "data:"))]


def test_axe_would_find_a_figure_without_alt_text(browser):
    page, _ = open_report(browser, 1280, 900)
    page.evaluate("document.querySelector('figure img').removeAttribute('alt')")
    assert "image-alt" in [v[0] for v in serious_violations(page)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, path: str, token: str, method: str = "GET", body: dict | None = None):
    request = urllib.request.Request(f"{base}{path}", method=method,
                                     data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"token {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def api_when_up(base: str, path: str, token: str, tries: int):
    """The server's answer at `path` once it is up: asked every half second, `tries` times."""
    for _ in range(tries - 1):
        try:
            return api(base, path, token)
        except OSError:
            time.sleep(0.5)
    return api(base, path, token)


async def run_cells(base: str, kernel_id: str, token: str, cells: list[str]) -> list[dict]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = base.replace("http", "ws") + f"/api/kernels/{kernel_id}/channels"
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    replies = []
    for code in cells:
        msg_id = uuid.uuid4().hex
        ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                       "session": uuid.uuid4().hex, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        while True:
            msg = json.loads(await asyncio.wait_for(ws.read_message(), timeout=300))
            if msg["channel"] == "shell" and msg["parent_header"].get("msg_id") == msg_id:
                replies.append(msg["content"])
                break
    ws.close()
    return replies


def test_make_lab_offers_the_project_kernel_and_runs_the_cleaning_notebook(tmp_path, browser):
    folder = make_sandbox(tmp_path)
    port, token = free_port(), uuid.uuid4().hex
    env = {**os.environ, "MICROCRED_ROOT": str(folder)}
    args = f"LAB_ARGS=--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    server = subprocess.Popen(["make", "lab", args], cwd=folder, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        specs = api_when_up(base, "/api/kernelspecs", token, tries=120)
        assert "microcred" in specs["kernelspecs"]
        page = browser.new_page()
        page.goto(f"{base}/lab/tree/01_clean.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        page.wait_for_selector("text=Python (microcred)", timeout=60_000)
        page.screenshot(path=str(paths.ROOT / "build" / "jupyterlab.png"))
        session = api(base, "/api/sessions", token, "POST",
                      {"path": "01_clean.ipynb", "type": "notebook",
                       "kernel": {"name": "microcred"}})
        notebook = json.loads((folder / "notebooks" / "01_clean.ipynb").read_text())
        cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
        with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
            replies = pool.submit(asyncio.run,
                                  run_cells(base, session["kernel"]["id"], token, cells)).result()
        failed = [r for r in replies if r["status"] != "ok"]
        assert [r["status"] for r in replies] == ["ok"] * len(cells), failed
        assert (folder / "data" / "processed" / "leaders_clean.csv").exists()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
