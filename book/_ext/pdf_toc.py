"""Write the PDF edition's table of contents: the site's, with the preface as a chapter of its own.

    python book/_ext/pdf_toc.py _toc.yml _build/pdf/_toc.en.yml

Sphinx's LaTeX writer takes the root page's title for the title page and turns the root's sections
into chapters. The site's root is the preface, so the PDF's root is ``book/<lang>/pdf_edition.md``,
which holds only the book's title, and the preface becomes the first chapter.
"""

import sys
from pathlib import Path

import yaml


def pdf_toc(site_toc: dict) -> dict:
    folder = site_toc["root"].rsplit("/", 1)[0]  # book/en
    chapters = [{"file": site_toc["root"]}, *site_toc["chapters"]]
    return {"format": site_toc["format"], "root": f"{folder}/pdf_edition", "chapters": chapters}


if __name__ == "__main__":
    source, target = map(Path, sys.argv[1:3])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(pdf_toc(yaml.safe_load(source.read_text(encoding="utf-8"))), allow_unicode=True),
                      encoding="utf-8")
