"""Drop repeated <script> tags from every built page.

Jupyter Book 1 ends up with sphinx-thebe's and sphinx-togglebutton's inline scripts twice in every
page, so the browser reports "Identifier 'THEBE_JS_URL' has already been declared". The duplicates
reach the page through several Sphinx events, so the reliable place to remove them is the written
HTML: after the build, keep the first of identical one-line <script> tags of each page.
"""

from pathlib import Path


def drop_repeated_scripts(html: str) -> str:
    seen, kept = set(), []
    for line in html.splitlines(keepends=True):
        tag = line.strip()
        if tag.startswith("<script") and tag.endswith("</script>"):
            if tag in seen:
                continue
            seen.add(tag)
        kept.append(line)
    return "".join(kept)


def clean_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        cleaned = drop_repeated_scripts(html)
        if cleaned != html:
            page.write_text(cleaned, encoding="utf-8")


def setup(app):
    app.connect("build-finished", clean_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
