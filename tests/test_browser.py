"""The built site in headless Chromium, as readers see it: both languages, offline, math, widgets, CJK, search.

The site is served from _build/html on localhost; every request to another host is aborted and
counted as a failure, so these tests also prove that the pages work where CDNs are blocked.
Needs Debian's `chromium` (`make browser` installs it) and the `playwright` package (requirements.txt).
"""

from urllib.parse import urlparse

import pytest
from site_browser import SITE, served_site

EN_PAGES = sorted(p.relative_to(SITE).as_posix() for p in (SITE / "book" / "en").glob("*.html"))
ZH_PAGES = sorted(p.relative_to(SITE).as_posix() for p in (SITE / "zh" / "book" / "zh").glob("*.html"))


@pytest.fixture(scope="module")
def base_url():
    with served_site() as url:
        yield url


class Visit:
    """A page opened with every console error, failed request and off-site request recorded."""

    def __init__(self, browser, base_url, path, **context):
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.problems = []
        host = urlparse(base_url).netloc
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))

        def only_this_site(route):
            if urlparse(route.request.url).netloc == host:
                route.continue_()
            else:
                self.problems.append(f"off-site request: {route.request.url}")
                route.abort()

        self.page.route("**/*", only_this_site)
        self.page.goto(base_url + path, wait_until="networkidle")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, base_url):
    opened = []

    def open_page(path, **context):
        opened.append(Visit(browser, base_url, path, **context))
        return opened[-1]

    yield open_page
    for v in opened:
        v.close()


@pytest.mark.parametrize("path", ["index.html", "zh/index.html", *EN_PAGES, *ZH_PAGES])
def test_page_loads_without_errors_or_off_site_requests(visit, path):
    v = visit(path)
    assert v.problems == []


@pytest.mark.parametrize("path", [p for p in EN_PAGES + ZH_PAGES if p.endswith("01_channel_attention.html")])
def test_formulas_are_rendered_by_mathjax(visit, path):
    page = visit(path).page
    page.wait_for_selector("mjx-container", timeout=15_000)
    assert page.locator("mjx-container").count() > 3
    assert page.locator(".math.notranslate:not(:has(mjx-container))").count() == 0  # every formula typeset


@pytest.mark.parametrize("path", [p for p in EN_PAGES + ZH_PAGES if p.endswith("04_cbam_model.html")])
def test_widget_explorer_is_shown_from_its_saved_state(visit, path):
    page = visit(path).page
    slider = page.locator(".widget-slider, .jupyter-widgets.widget-inline-hbox").first
    slider.wait_for(state="visible", timeout=15_000)
    assert page.locator(".widget-dropdown select, .widget-dropdown").count() >= 1


def test_chinese_text_is_drawn_with_a_cjk_font(visit):
    page = visit(next(p for p in ZH_PAGES if p.endswith("01_channel_attention.html"))).page
    page.evaluate("""() => [...document.querySelectorAll('main p')]
        .find(p => /[\\u4e00-\\u9fff]{4}/.test(p.textContent)).setAttribute('data-cjk', '')""")
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    paragraph = session.send("DOM.querySelector", {"nodeId": root, "selector": "main p[data-cjk]"})["nodeId"]
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": paragraph})["fonts"]
    cjk = [f for f in fonts if "CJK" in f["familyName"] or f["familyName"] in ("PingFang SC", "Microsoft YaHei")]
    assert cjk and sum(f["glyphCount"] for f in cjk) >= 4, (
        f"a Chinese paragraph's glyphs came from {fonts}: no CJK font is installed. Debian/Ubuntu: "
        "`apt-get install fonts-noto-cjk` (or `make fonts` as root), then `fc-cache -f`; macOS and Windows ship one.")


def test_language_switch_leads_to_the_twin_page(visit, base_url):
    for path in EN_PAGES + ZH_PAGES:
        page = visit(path).page
        page.click(".language-switch a")
        page.wait_for_load_state("networkidle")
        target = page.url[len(base_url):]
        twin = path.replace("zh/book/zh/", "book/en/") if path.startswith("zh/") else path.replace("book/en/", "zh/book/zh/")
        assert target == twin
        assert page.locator("html").get_attribute("lang") == ("en" if path.startswith("zh/") else "zh-CN")


@pytest.mark.parametrize("path, term", [("search.html", "channel attention"), ("zh/search.html", "通道注意力")])
def test_site_search_finds_the_term(visit, path, term):
    page = visit(f"{path}?q={term}").page
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=15_000)
    assert results.count() >= 1
    assert "01_channel_attention" in page.locator("#search-results").inner_html()
