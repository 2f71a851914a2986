"""The offline bundle (`make dist`): its files and checksums, and the site opened from disk in Chromium.

A reader who downloads `dist/cbam-lessons-site.zip` unpacks it and opens `index.html` from disk
(file://, no server). The test does the same: pages load without errors and without requests to any
other place, formulas are typeset, chapter 4's widget is drawn, the language switch opens the twin page,
and the search page finds pages and says, in the page's language, how to get the full search.
"""

import hashlib
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
FILES = ["cbam-lessons-site.zip", "cbam-lessons-notebooks.zip", "cbam-lessons-en.pdf", "cbam-lessons-zh.pdf",
         f"cbam_lessons-{VERSION}-py3-none-any.whl", f"cbam_lessons-{VERSION}.tar.gz"]


def _dist(name: str) -> Path:
    path = DIST / name
    if not path.exists():
        pytest.fail(f"dist/{name} is missing: run `make dist` first")
    return path


def test_the_bundle_has_every_file_and_their_checksums():
    sums = dict(reversed(line.split("  ")) for line in _dist("SHA256SUMS").read_text().splitlines())
    assert sorted(sums) == sorted(FILES)
    for name, digest in sums.items():
        assert hashlib.sha256(_dist(name).read_bytes()).hexdigest() == digest, name


def test_the_notebook_zip_has_every_chapter_and_student_notebook():
    on_disk = sorted(p.relative_to(ROOT / "book").as_posix() for lang in ("en", "zh")
                     for p in (ROOT / "book" / lang).rglob("*.ipynb"))
    with zipfile.ZipFile(_dist("cbam-lessons-notebooks.zip")) as archive:
        names = sorted(n.removeprefix("cbam-lessons-notebooks/") for n in archive.namelist())
    assert names == on_disk and any("/exercises/" in n for n in names)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(_dist("cbam-lessons-site.zip")) as archive:
        archive.extractall(folder)
    return folder / "cbam-lessons-site"


@pytest.fixture
def open_file(browser, site):
    """Open a page of the unpacked site from disk; every console error and non-file request is a problem."""
    contexts = []

    def open_page(path, query=""):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))

        def only_files(route):
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                page.problems.append(f"request off the disk: {route.request.url}")
                route.abort()

        page.route("**/*", only_files)
        page.goto((site / path).as_uri() + (f"?q={quote(query)}" if query else ""), wait_until="load")
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("path", ["index.html", "zh/index.html", "book/en/01_channel_attention.html",
                                  "zh/book/zh/01_channel_attention.html"])
def test_pages_and_formulas_work_from_disk(open_file, path):
    page = open_file(path)
    if "channel" in path:
        page.wait_for_selector("mjx-container", timeout=30_000)
        assert page.locator("mjx-container").count() > 10
    assert page.problems == []


@pytest.mark.parametrize("path", ["book/en/04_cbam_model.html", "zh/book/zh/04_cbam_model.html"])
def test_the_widget_is_drawn_from_disk(open_file, path):
    page = open_file(path)
    page.wait_for_selector(".widget-slider", timeout=30_000)
    assert page.locator(".jupyter-widgets img, .widget-output img").count() >= 1
    assert page.problems == []


def test_the_language_switch_works_from_disk(open_file):
    page = open_file("book/en/03_cbam_block.html")
    page.locator(".language-switch a").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("zh/book/zh/03_cbam_block.html") and page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.problems == []


@pytest.mark.parametrize("path, query, note", [
    ("search.html", "channel attention", "python -m http.server"),
    ("zh/search.html", "通道注意力", "python -m http.server"),
])
def test_search_from_disk_finds_pages_and_says_how_to_get_excerpts(open_file, path, query, note):
    page = open_file(path, query)
    found = page.wait_for_function(
        "() => { const m = (document.querySelector('#search-results p.search-summary') || {}).textContent || '';"
        " return m.match(/\\d+/) && Number(m.match(/\\d+/)[0]); }", timeout=30_000).json_value()
    assert found >= 2 and page.locator("#search-results li").count() == found
    text = page.locator(".offline-search-note").inner_text()
    assert note in text and ("解压" in text) == path.startswith("zh/")
    assert page.problems == [], "the excerpts' requests must be off from file://"
