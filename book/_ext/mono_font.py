"""A monospace font served with the site, in which a Chinese character is exactly two columns wide.

The book's printed tables are padded by display width (:func:`cbam_lessons.labels.pad`: a wide or full-width
character, ``east_asian_width`` W or F, counts two columns, any other one). They line up on a page only if
the font draws them so, and no common monospace font does: DejaVu Sans Mono is 0.602 em wide and a CJK
glyph 1 em, so a row with more Chinese characters starts its next column later. So the site brings its own
font, "CBAM Mono", made at build time from two fonts the build machine has, subset to the characters its
code and outputs use:

- Noto Sans Mono CJK SC (Debian's ``fonts-noto-cjk``, which ``make fonts`` installs) for ASCII (0.5 em) and
  the wide characters (1 em): exactly 2:1 by design;
- DejaVu Sans Mono (matplotlib ships it) for the other one-column characters (±, ×, →, ...), which Noto
  draws 1 em wide although ``pad`` counts them as one column: scaled by ``size-adjust`` to 0.5 em.

Nothing is fetched from elsewhere, so the tables line up where font CDNs are slow or blocked. A build
without Noto Sans Mono CJK SC stops with a warning (``-W``) that says how to install it.
"""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

from sphinx.util import logging

from cbam_lessons.labels import width

logger = logging.getLogger(__name__)

FAMILY = "CBAM Mono"
CSS = "cbam-mono.css"
NOTO = "Noto Sans Mono CJK SC"
#: DejaVu Sans Mono's advance width, 1233 of 2048 units per em; Noto's ASCII is 500 of 1000.
DEJAVU_ADVANCE = 1233 / 2048
_MONO = re.compile(r"<(pre|code|kbd|samp)\b[^>]*>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def monospace_text(site: Path) -> set[str]:
    """Every character inside ``pre``, ``code``, ``kbd`` and ``samp`` of the HTML pages under ``site``."""
    found: set[str] = set()
    for page in site.rglob("*.html"):
        for match in _MONO.finditer(page.read_text(encoding="utf-8")):
            found |= set(html.unescape(_TAG.sub("", match[2])))
    return found - set("\n\r\t")


def noto_face() -> tuple[str, int]:
    """Path and collection index of Noto Sans Mono CJK SC, as fontconfig finds it."""
    try:
        found = subprocess.run(["fc-match", "-f", "%{family}|%{file}|%{index}", NOTO],
                               capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):  # no fontconfig, or it hangs
        found = ""
    families, _, rest = found.partition("|")
    path, _, index = rest.partition("|")
    if NOTO not in families.split(","):
        raise FileNotFoundError(f"{NOTO} is not installed (fontconfig offers {families or 'nothing'}): "
                                "install fonts-noto-cjk (Debian/Ubuntu; `make fonts` does it), then `fc-cache -f`")
    return path, int(index or 0)


def dejavu_mono() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSansMono.ttf"


def subset_font(source: Path | str, index: int, characters: set[str], target: Path) -> set[str]:
    """Write the glyphs of ``characters`` that ``source`` has to ``target`` (WOFF); return the ones it has."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, fontNumber=index, lazy=False)
    cmap = font.getBestCmap()
    present = {c for c in characters if ord(c) in cmap}
    options = subset.Options()
    options.flavor, options.layout_features, options.name_IDs = "woff", [], ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(map(ord, present)))
    subsetter.subset(font)
    font.flavor = "woff"
    font.save(target)
    return present


def unicode_range(characters: set[str]) -> str:
    """The CSS ``unicode-range`` of ``characters``, runs of consecutive code points merged."""
    points, runs = sorted(map(ord, characters)), []
    for point in points:
        if runs and point == runs[-1][1] + 1:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


def write_font(site: Path) -> str:
    """Make CBAM Mono for the pages under ``site`` into its ``_static``; returns the stylesheet's text."""
    static = site / "_static"
    characters = monospace_text(site) | {chr(c) for c in range(0x20, 0x7F)}
    wide = {c for c in characters if width(c) == 2}
    noto_path, noto_index = noto_face()
    drawn_by_noto = subset_font(noto_path, noto_index, {c for c in characters if c.isascii()} | wide,
                                static / "cbam-mono-cjk.woff")
    # DejaVu is scaled to one column, so it draws only what pad counts as one; a wide character Noto lacks
    # (an emoji) is left to the reader's fonts, at whatever width they give it.
    narrow_rest = {c for c in characters - drawn_by_noto if width(c) == 1}
    drawn_by_dejavu = subset_font(dejavu_mono(), 0, narrow_rest, static / "cbam-mono-symbols.woff")
    left = sorted(characters - drawn_by_noto - drawn_by_dejavu)
    if left:
        logger.info(f"CBAM Mono has no glyph for {''.join(left)!r}: the reader's fonts draw them")
    rules = [
        f'@font-face {{ font-family: "{FAMILY}"; src: url("cbam-mono-cjk.woff") format("woff"); '
        f"unicode-range: {unicode_range(drawn_by_noto)}; font-display: swap; }}",
        f'@font-face {{ font-family: "{FAMILY}"; src: url("cbam-mono-symbols.woff") format("woff"); '
        f"size-adjust: {100 * 0.5 / DEJAVU_ADVANCE:.2f}%; unicode-range: {unicode_range(drawn_by_dejavu)}; "
        "font-display: swap; }",
        f':root {{ --pst-font-family-monospace: "{FAMILY}", "{NOTO}", monospace; }}',
    ]
    text = "/* Made by book/_ext/mono_font.py at build time: do not edit. */\n" + "\n".join(rules) + "\n"
    (static / CSS).write_text(text, encoding="utf-8")
    return text


def _build_finished(app, exception):
    if exception is None and app.builder.format == "html":
        try:
            write_font(Path(app.outdir))
        except FileNotFoundError as err:
            logger.warning(f"the site's monospace font was not made: {err}")


def setup(app):
    app.add_css_file(CSS)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
