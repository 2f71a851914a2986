"""Accessibility of the built site: axe-core on every page of both languages, alternative texts, dark mode.

axe-core (pinned, `make axe`) is injected into each page, served from localhost as in
tests/test_browser.py. No page may have a critical or serious finding; the summary of all findings,
by impact, is printed. Every figure, in the chapters' outputs and in chapter 4's widget, has a short
alternative text in its page's language that is not a file name. A dark-mode screenshot of chapter 4
goes to `_build/screenshots/`; its figures must be opaque and sit on a light panel on the dark page.
"""

import re
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from site_browser import SITE, launch_chromium, served_site

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "_build" / "axe" / "axe.min.js"
PAGES = (["index.html", "zh/index.html"]
         + sorted(p.relative_to(SITE).as_posix() for p in (SITE / "book" / "en").glob("*.html"))
         + sorted(p.relative_to(SITE).as_posix() for p in (SITE / "zh" / "book" / "zh").glob("*.html")))
FINDINGS: Counter = Counter()


@pytest.fixture(scope="module")
def browser_page():
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `make axe`")
    with served_site() as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield base, context.new_page()
        browser.close()
    if FINDINGS:
        print("\naxe findings over all pages, by impact:", dict(FINDINGS))


def _open(page, url):
    page.goto(url, wait_until="networkidle")
    if page.locator(".jupyter-widgets").count():
        page.wait_for_selector(".widget-slider", timeout=30_000)


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_nothing_critical_or_serious(browser_page, path):
    base, page = browser_page
    _open(page, base + path)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    for v in violations:
        FINDINGS[v["impact"]] += len(v["nodes"])
    bad = [f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes'][0]['target']}"
           for v in violations if v["impact"] in ("critical", "serious")]
    assert not bad, "\n".join(bad)


def _is_file_name(text: str) -> bool:
    return bool(re.search(r"\.(png|jpe?g|svg|gif)$", text.strip(), re.I)) or "/" in text


@pytest.mark.parametrize("path", [p for p in PAGES if "/book/" in p])
def test_every_figure_has_an_alternative_text_in_the_page_language(browser_page, path):
    base, page = browser_page
    _open(page, base + path)
    alts = page.evaluate("() => [...document.querySelectorAll('main img')].map(img => img.getAttribute('alt'))")
    for alt in alts:
        assert alt and alt.strip() and not _is_file_name(alt), f"image with alt {alt!r}"
        if path.startswith("zh/"):
            assert re.search(r"[\u4e00-\u9fff]", alt), f"alt text not in Chinese: {alt!r}"
        else:
            assert not re.search(r"[\u4e00-\u9fff]", alt), f"alt text not in English: {alt!r}"


def test_figures_stay_readable_in_dark_mode(browser_page):
    base, page = browser_page
    page.emulate_media(color_scheme="dark")
    page.goto(base + "book/en/04_cbam_model.html", wait_until="networkidle")
    page.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
    out = ROOT / "_build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    figure = page.locator("main .cell_output img").first
    figure.scroll_into_view_if_needed()
    page.screenshot(path=str(out / "dark-en-chapter4.png"))
    background = figure.evaluate("img => getComputedStyle(img).backgroundColor")
    body = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    # The figures draw dark text on their own canvas; in dark mode they must sit on a light panel.
    assert _luminance(body) < 0.1 and _luminance(background) > 0.5, f"a figure on {background} on a {body} page"
    opaque = figure.evaluate("""img => { const c = document.createElement('canvas'); c.width = img.naturalWidth;
        c.height = img.naturalHeight; const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        return g.getImageData(0, 0, 1, 1).data[3]; }""")
    assert opaque == 255, "the figure's canvas is transparent: its dark text would fall on the dark page"
    page.emulate_media(color_scheme="light")


def _luminance(css_colour: str) -> float:
    """Relative luminance (WCAG) of 'rgb(r, g, b)'."""
    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(int(v)) for v in re.findall(r"\d+", css_colour)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
