"""Sphinx extension: a link to the same page in the other language, on every page.

The book is built twice, English into ``_build/html`` and Chinese into
``_build/html/zh`` (see the Makefile). A page ``book/en/X`` has its twin at
``book/zh/X`` and the other way round; a page without a twin is a build warning,
which ``-W`` turns into an error.
"""

from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

TWINS = {"en": ("zh", "中文", "zh-CN"), "zh": ("en", "English", "en")}


def _twin_url(pagename: str, lang: str, other: str) -> str:
    up = "../" * pagename.count("/")  # from the page back to its build's root
    to_other_root = "zh/" if lang == "en" else "../"  # the Chinese build lives in zh/
    return f"{up}{to_other_root}book/{other}/{pagename.split('/', 2)[2]}.html"


def add_language_switch(app, pagename, templatename, context, doctree):
    parts = pagename.split("/")
    if len(parts) < 3 or parts[0] != "book" or parts[1] not in TWINS:
        return
    lang = parts[1]
    other, label, hreflang = TWINS[lang]
    twin_source = Path(app.srcdir, "book", other, *parts[2:])
    if not any(twin_source.with_suffix(ext).exists() for ext in (".ipynb", ".md")):
        logger.warning(f"{pagename} has no twin page in book/{other}/", location=pagename)
        return
    link = (
        f'<p class="language-switch">'
        f'<a href="{_twin_url(pagename, lang, other)}" hreflang="{hreflang}" lang="{hreflang}">{label}</a></p>\n'
    )
    context["body"] = link + context.get("body", "")


def setup(app):
    app.connect("html-page-context", add_language_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
