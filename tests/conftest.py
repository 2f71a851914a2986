import sys
import threading
import time
from pathlib import Path

import pytest
import torch

# `import seed_cbam` from the tests folder.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for a test module (tests/site_browser.py finds it)."""
    from playwright.sync_api import sync_playwright
    from site_browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def pytest_sessionfinish(session):
    """Fail the run if a checker left a student's code running in a thread (it would spin a core until exit)."""
    from cbam_lessons.checks._sandbox import ABANDONED_THREAD_NAME

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(t.name == ABANDONED_THREAD_NAME for t in threading.enumerate()):
        time.sleep(0.1)
    if any(t.name == ABANDONED_THREAD_NAME for t in threading.enumerate()):
        print(f"\nleaked: a thread {ABANDONED_THREAD_NAME!r} still runs a student's code the checker abandoned")
        session.exitstatus = 1
