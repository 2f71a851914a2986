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


# --- printed tables: a column starts at the same x in every row -------------------------------------------
_OFFSETS_JS = """([index, cuts]) => {
    // The x of the character at each [line, position] of the index-th pre, from the start of its line.
    const pre = document.querySelectorAll('main pre')[index];
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    const spots = [];  // [node, offset] of every character, in order
    for (let node = walker.nextNode(); node; node = walker.nextNode())
        for (let i = 0; i < node.data.length; i++) spots.push([node, i]);
    const x = (at) => { const r = document.createRange(); r.setStart(...spots[at]); r.setEnd(spots[at][0], spots[at][1] + 1);
                        return r.getBoundingClientRect().left; };
    const text = spots.map(([n, i]) => n.data[i]).join('');
    const starts = [0]; for (let i = 0; i < text.length; i++) if (text[i] === '\\n') starts.push(i + 1);
    return cuts.map(([line, position]) => x(starts[line] + position) - x(starts[line]));
}"""


def _column_cuts(text: str):
    """The printed tables in ``text``: for each run of 3+ rows with a column boundary at the same display
    column (a space, then a non-space, in every row) after some non-ASCII character in one row, the
    [(line, character index)] of that boundary."""
    from cbam_lessons.labels import width

    lines, found = text.split("\n"), []

    def boundaries(line):
        columns, cuts = 0, {}
        for i, ch in enumerate(line):
            if i >= 2 and line[i - 2:i] == "  " and ch != " ":
                cuts[columns] = i
            columns += width(ch)
        return cuts

    start = 0
    while start < len(lines):
        common, end = set(boundaries(lines[start])), start
        while end + 1 < len(lines) and common & set(boundaries(lines[end + 1])):
            common &= set(boundaries(lines[end + 1]))
            end += 1
        rows = range(start, end + 1)
        if len(rows) >= 3 and common:
            column = max(common)
            cuts = [(r, boundaries(lines[r])[column]) for r in rows]
            if any(not lines[r][:i].isascii() for r, i in cuts):
                found.append(cuts)
        start = end + 1
    return found


# The English page: chapter 6's score tables, whose columns follow "±" in every row.
@pytest.mark.parametrize("path", ["zh/book/zh/10_where_to_put_cbam.html", "zh/book/zh/04_cbam_model.html",
                                  "book/en/06_what_attention_looks_at.html"])
def test_printed_tables_line_up_in_the_browser(visit, path):
    page = visit(path).page
    texts = page.evaluate("() => [...document.querySelectorAll('main pre')].map(p => p.textContent)")
    measured = 0
    for index, text in enumerate(texts):
        for cuts in _column_cuts(text):
            offsets = page.evaluate(_OFFSETS_JS, [index, cuts])
            rows = [text.split("\n")[line] for line, _ in cuts]
            assert max(offsets) - min(offsets) < 0.5, (
                f"a column of a printed table starts at x = {[round(o, 1) for o in offsets]} px in its rows "
                f"{rows}: the monospace font does not draw a wide character exactly two columns wide "
                "(book/_ext/mono_font.py makes the one the site serves)")
            measured += 1
    assert measured >= 1, f"found {measured} printed tables with non-ASCII text to measure on {path}"


def test_the_column_finder_finds_a_table_with_chinese_rows():
    table = "模型        准确率\n无注意力    0.500\nCBAM        0.600\n"
    assert _column_cuts(table) == [[(0, 10), (1, 8), (2, 12)]]  # display column 12 in every row
    assert _column_cuts("one line only\n") == []
