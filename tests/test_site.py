"""The built site (`make book`, which `make test` runs first): languages, twin links, math, widget state."""

import re
from pathlib import Path

import pytest

SITE = Path(__file__).parent.parent / "_build" / "html"
PAGES = {"en": sorted((SITE / "book" / "en").glob("*.html")), "zh": sorted((SITE / "zh" / "book" / "zh").glob("*.html"))}
SWITCH = re.compile(r'class="language-switch"><a href="([^"]+)" hreflang="([^"]+)"')


@pytest.fixture(scope="module", autouse=True)
def _site_is_built():
    assert (SITE / "index.html").exists() and (SITE / "zh" / "index.html").exists(), "run `make book` first"


def test_both_languages_have_the_same_pages():
    assert len(PAGES["en"]) >= 5
    assert [p.name for p in PAGES["en"]] == [p.name for p in PAGES["zh"]]


@pytest.mark.parametrize("lang, html_lang, other", [("en", "en", "zh-CN"), ("zh", "zh-CN", "en")])
def test_every_page_declares_its_language_and_links_to_its_twin(lang, html_lang, other):
    for page in PAGES[lang]:
        html = page.read_text(encoding="utf-8")
        assert f'<html lang="{html_lang}"' in html, page
        match = SWITCH.search(html)
        assert match and match.group(2) == other, f"{page} has no link to the other language"
        twin = (page.parent / match.group(1)).resolve()
        assert twin.name == page.name and twin.exists(), f"{page} links to missing {twin}"
        back = SWITCH.search(twin.read_text(encoding="utf-8"))
        assert (twin.parent / back.group(1)).resolve() == page.resolve()


def test_chinese_build_uses_the_themes_chinese_texts():
    zh = PAGES["zh"][1].read_text(encoding="utf-8")
    en = PAGES["en"][1].read_text(encoding="utf-8")
    assert "搜索" in zh and "搜索" not in en
    assert "Search" in en


def test_formulas_are_marked_up_for_mathjax():
    for lang in ("en", "zh"):
        html = (PAGES[lang][1]).read_text(encoding="utf-8")  # channel attention: display math
        assert re.search(r'<div class="math notranslate nohighlight">\s*\\\[', html), lang


def test_widget_page_carries_the_saved_widget_state():
    for lang in ("en", "zh"):
        html = next(p for p in PAGES[lang] if p.name.startswith("04_")).read_text(encoding="utf-8")
        assert "application/vnd.jupyter.widget-state+json" in html
        assert "application/vnd.jupyter.widget-view+json" in html


def test_exercise_answers_are_folded_away():
    for lang in ("en", "zh"):
        for page in [p for p in PAGES[lang][1:] if p.name[:2].isdigit()]:  # every chapter (not the preface, not the appendix)
            dropdowns = re.findall(r"<details[^>]*sd-dropdown[^>]*>", page.read_text(encoding="utf-8"))
            assert dropdowns, f"{page} has no answer dropdowns"
            assert not any(" open" in d for d in dropdowns), f"{page} shows an answer unfolded"


ALL_HTML = sorted(SITE.rglob("*.html"))
# Resources a browser fetches while rendering a page; <a href> links are only followed when clicked.
FETCHED = re.compile(r'<(script|img|link|source|iframe)\b[^>]*?\b(src|href)="([^"]+)"', re.IGNORECASE)


def external_resources(html: str) -> list[str]:
    """Scripts, stylesheets, fonts and images a page loads from outside the site."""
    return [url for _, _, url in FETCHED.findall(html) if re.match(r"(https?:)?//", url)]


def test_the_external_resource_scan_catches_cdn_assets():
    page = ('<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>'
            '<link rel="stylesheet" href="//fonts.googleapis.com/css"><img src="../_static/a.png">'
            '<a href="https://arxiv.org/abs/1807.06521">paper</a>')
    assert external_resources(page) == ["https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js", "//fonts.googleapis.com/css"]


def test_no_page_loads_anything_from_another_host():
    assert len(ALL_HTML) >= 20
    offenders = {str(p.relative_to(SITE)): external_resources(p.read_text(encoding="utf-8")) for p in ALL_HTML}
    assert not {page: urls for page, urls in offenders.items() if urls}


@pytest.mark.parametrize("asset", ["mathjax/tex-mml-chtml.js", "require.js", "widgets/embed-amd.js"])
def test_mathjax_and_the_widget_manager_are_served_by_the_site(asset):
    for root in (SITE, SITE / "zh"):
        assert (root / "_static" / asset).is_file()
    math_page = next(p for p in PAGES["en"] if "math notranslate" in p.read_text(encoding="utf-8"))
    assert "_static/mathjax/tex-mml-chtml.js" in math_page.read_text(encoding="utf-8")
    stylesheets = [css for css in (SITE / "_static").rglob("*.css") if re.search(r"url\((['\"]?)https?://", css.read_text(errors="ignore"))]
    assert not stylesheets, f"stylesheets that fetch from other hosts: {stylesheets}"
