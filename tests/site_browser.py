"""Serve the built site on localhost and drive Debian's Chromium with Playwright.

Shared by tests/test_browser.py and `make screenshots` (python tests/site_browser.py).
"""

import contextlib
import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path

SITE = Path(__file__).resolve().parents[1] / "_build" / "html"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def served_site(site: Path = SITE):
    """Serve ``site`` on a free localhost port; yields the base URL ending in '/'."""
    if not (site / "index.html").exists():
        raise FileNotFoundError(f"{site / 'index.html'} is missing: run `make book` first")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def launch_chromium(playwright):
    """Headless Chromium: the system's (Debian's package) if there is one, else Playwright's own download."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is not None:
        return playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
    try:
        return playwright.chromium.launch(args=["--no-sandbox"])  # installed by `python -m playwright install chromium`
    except Exception as err:  # noqa: BLE001 - Playwright raises its own Error with a long text
        raise FileNotFoundError(
            "No Chromium for the browser tests: run `make browser`. It installs Debian's chromium with apt "
            "(root or sudo), or else Playwright's own build, `.venv/bin/python -m playwright install chromium` "
            f"(needs internet). Playwright said: {str(err).splitlines()[0]}"
        ) from None


SCREENS = {"desktop": dict(viewport={"width": 1280, "height": 800}),
           "phone": dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)}
SHOTS = {"en-home": "index.html", "en-chapter": "book/en/03_cbam_block.html",
         "zh-home": "zh/index.html", "zh-chapter": "zh/book/zh/03_cbam_block.html"}


def take_screenshots(out: Path) -> list[Path]:
    """Home page and one chapter in each language, at desktop and phone widths, as PNGs in ``out``."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with served_site() as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for screen, options in SCREENS.items():
            context = browser.new_context(**options)
            page = context.new_page()
            for name, path in SHOTS.items():
                page.goto(base + path, wait_until="networkidle")
                written.append(out / f"{name}-{screen}.png")
                page.screenshot(path=written[-1], full_page=False)
            context.close()
        browser.close()
    return written


if __name__ == "__main__":
    for path in take_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "_build/screenshots")):
        print(path)
