import sys
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
