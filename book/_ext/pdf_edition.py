"""The PDF edition's texts in the page language: LaTeX's own names (Contents, Figure, ...), the author, the quotes.

Both configs must stay identical apart from title and language (tests/test_notebooks.py), so what
differs between the English and the Chinese PDF is set here, from ``language``, for LaTeX builds only.
"""

#: LaTeX's fixed names and the title page's author, for the Chinese edition.
CHINESE = {
    "names": {"contentsname": "目录", "figurename": "图", "tablename": "表", "indexname": "索引"},
    "author": "CBAM 课程的作者们",
}


def _chinese(config) -> bool:
    return (config.language or "").startswith("zh")


#: For the English edition: xeCJK counts curly quotes as CJK punctuation and sets them full width from the
#: CJK font ("CBAM’ s"); in English text they are Latin punctuation.
LATIN_QUOTES = '\\xeCJKDeclareCharClass{Default}{"2018, "2019, "201C, "201D}\n'


def _localise_names(app, config):
    """At config-inited, before the LaTeX builder reads latex_elements."""
    if not _chinese(config):
        config.latex_elements = {**config.latex_elements,
                                 "preamble": config.latex_elements.get("preamble", "") + LATIN_QUOTES}
        return
    names = "".join(f"\\renewcommand{{\\{name}}}{{{text}}}\n" for name, text in CHINESE["names"].items())
    elements = dict(config.latex_elements)
    # babel resets \contentsname and the others at \begin{document}; set them again after it.
    elements["preamble"] = elements.get("preamble", "") + f"\\AtBeginDocument{{{names}}}\n"
    config.latex_elements = elements


def _localise_author(app, env):
    """After reading: Jupyter Book sets latex_documents once Sphinx has started, so not earlier."""
    if _chinese(app.config):
        app.config.latex_documents = [(doc, target, title, CHINESE["author"], *rest)
                                      for doc, target, title, _author, *rest in app.config.latex_documents]


def setup(app):
    app.connect("config-inited", _localise_names)
    app.connect("env-updated", _localise_author)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
