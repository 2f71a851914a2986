"""A student's path through a real JupyterLab: open a workspace notebook, solve an exercise, save, use a widget.

The test copies the student notebooks into a fresh workspace (as `make exercises` does), starts
`jupyter lab` from this environment on a free localhost port with a random token, and drives it with
Playwright and Debian's Chromium (`make browser`). In chapter 1 it types a wrong solution into the
exercise cell and runs it (the named mistake appears), then a correct one (✅ appears), saves, and
reads the file on disk. In chapter 4 it runs every cell, moves the attention explorer's slider and waits
for a different figure: the figure comes from the live kernel, not from saved widget state. The server
and its kernels are stopped at the end, whatever happens.
"""

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect, sync_playwright
from site_browser import launch_chromium

from cbam_lessons.checks import MESSAGES
from cbam_lessons.exercises import sync_workspace

ROOT = Path(__file__).resolve().parents[1]
#: Chapter 4 reads its recorded runs and re-trains three of them in the browser's kernel: well under a
#: minute on 2 cores when idle; the limit leaves room for a busy machine.
RUN_ALL_TIMEOUT_MS = 300_000

#: Settings for the test's JupyterLab: no news or update checks (no internet), every cell in the page.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and its kernels (one process group): SIGTERM, then SIGKILL after 20 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@contextlib.contextmanager
def running_lab(workspace: Path, scratch: Path):
    """``jupyter lab`` serving ``workspace``; yields (base URL, token) and always stops it."""
    settings = scratch / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "ws"),
           "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"), "CBAM_PROGRESS": "0"}
    log = open(scratch / "lab.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={workspace}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],  # CI and containers run as root
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{(scratch / 'lab.log').read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as answer:
                    if answer.status == 200:
                        break
            if time.monotonic() > deadline:
                raise TimeoutError(f"jupyter lab did not answer in 120 s:\n{(scratch / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, token
    finally:
        _stop(process)
        log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("lab")
    workspace = scratch / "my-exercises"
    sync_workspace(ROOT / "book", workspace)
    started = time.monotonic()
    with running_lab(workspace, scratch) as (base, token), sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            yield workspace, base, token, context
        finally:
            context.close()
            browser.close()
    print(f"\nJupyterLab test: {time.monotonic() - started:.0f} s from the server's start to its stop")


def _open(context, base, token, notebook):
    page = context.new_page()
    page.goto(f"{base}/lab/tree/{notebook}?token={token}")
    expect(page.locator(f"{VISIBLE} .jp-Cell").first).to_be_visible(timeout=120_000)
    # JupyterLab restores the tabs an earlier test left open: make this notebook the active one, so that the
    # Run menu acts on it and not on the restored one.
    page.locator(".lm-TabBar-tab", has_text=notebook.rsplit("/", 1)[-1]).first.click()
    page.locator(f"{VISIBLE} .jp-Cell").first.click()
    _wait_for_idle(page, 120_000)
    return page


#: The notebook panel on screen (others restored from the workspace are in the page, hidden).
VISIBLE = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def _wait_for_idle(page, timeout_ms):
    """Until the kernel is connected and idle (the status bar says so) and no cell of the visible notebook
    waits to run ([*])."""
    page.wait_for_function(
        """() => {
            const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
            const bar = document.querySelector('#jp-main-statusbar');
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const busy = [...panel.querySelectorAll('.jp-InputArea-prompt')].some(p => p.textContent.includes('*'));
            return status && status.getAttribute('data-status') === 'idle' && bar && /\\| Idle/.test(bar.textContent)
                && !busy;
        }""",
        timeout=timeout_ms,
    )


def _run_all(page, timeout_ms):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    page.wait_for_function("() => [...document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)')"
                           ".querySelectorAll('.jp-InputArea-prompt')].some(p => p.textContent.includes('*'))",
                           timeout=30_000)
    _wait_for_idle(page, timeout_ms)


def _replace_and_run(cell, page, source):
    """Replace the cell's text by ``source`` (pasted in one go: no auto-indent) and run it in place."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)
    page.keyboard.press("Control+Enter")


def _chapter_solution(name, marker):
    chapter = nbformat.read(ROOT / "book" / "en" / name, as_version=4)
    return next(c.source for c in chapter.cells if c.cell_type == "code" and marker in c.source)


def test_a_student_solves_an_exercise_and_saves_it(lab):
    workspace, base, token, context = lab
    notebook = workspace / "en" / "01_channel_attention.ipynb"
    before = notebook.read_bytes()
    page = _open(context, base, token, "en/01_channel_attention.ipynb")
    _run_all(page, 300_000)
    cell = page.locator(".jp-CodeCell", has_text="check_channel_attention(LinearChannelAttention")
    output = cell.locator(".jp-OutputArea")
    expect(output).to_contain_text("Not implemented yet")

    solution = _chapter_solution("01_channel_attention.ipynb", "check_channel_attention(LinearChannelAttention")
    wrong = solution.replace("x.amax(dim=(2, 3))", "x.mean(dim=(2, 3))")
    assert wrong != solution
    _replace_and_run(cell, page, wrong)
    named = MESSAGES["only_avg"][0].split(".")[0]  # the verdict's first sentence: "❌ Only average pooling is used"
    expect(output).to_contain_text(named, timeout=60_000)

    _replace_and_run(cell, page, solution)
    expect(output).to_contain_text("✅ Passed", timeout=60_000)
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while notebook.read_bytes() == before and time.monotonic() < deadline:
        time.sleep(0.5)
    saved = nbformat.read(notebook, as_version=4)
    mine = next(c for c in saved.cells if c.cell_type == "code" and "check_channel_attention(LinearChannelAttention" in c.source)
    assert mine.source == solution
    assert "✅ Passed" in "".join(o.get("text", "") for o in mine.outputs)
    page.close()


def test_the_chapter_4_explorer_redraws_from_the_live_kernel(lab):
    workspace, base, token, context = lab
    page = _open(context, base, token, "en/04_cbam_model.ipynb")
    _run_all(page, RUN_ALL_TIMEOUT_MS)
    explorer = page.locator(".jp-CodeCell", has_text="explorer = widgets.interactive(")
    slider = explorer.locator(".widget-slider .noUi-handle, .widget-slider .slider-handle, .widget-hslider [role=slider]").first
    figure = explorer.locator(".jp-OutputArea img").first
    expect(figure).to_be_visible(timeout=60_000)
    first = figure.get_attribute("src")
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(explorer.locator(".widget-readout")).to_contain_text("1", timeout=30_000)
    deadline = time.monotonic() + 60  # the kernel draws a new figure; the output area replaces the old one
    while figure.get_attribute("src", timeout=60_000) == first and time.monotonic() < deadline:
        time.sleep(0.5)
    assert figure.get_attribute("src") != first, "the explorer's figure did not change when the slider moved"
    page.close()
