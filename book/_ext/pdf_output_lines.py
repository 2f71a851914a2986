"""Printed outputs fit the PDF's page width: long sentences are folded, wide tables get a smaller font.

LaTeX breaks a verbatim line that is wider than the page and marks the break with an arrow, which cuts a
table's row in two. A cell's output is set in ``\\footnotesize`` (``sphinxclasscell_output`` in the
configs' preamble), where about 105 display columns fit (a CJK character counts two, as in
:func:`cbam_lessons.labels.width`). For the LaTeX builder only, each output block is adjusted:

- a line of prose (no run of two spaces between its words) wider than :data:`FOLD_AT` is folded at a space
  or between Chinese characters (never before closing or after opening punctuation), its continuation
  indented two columns more than the line;
- a block that still has a line wider than :data:`FOOTNOTESIZE_FITS` (a table) is set in ``\\scriptsize``
  (class ``wide_output``, about 120 columns), one wider than :data:`SCRIPTSIZE_FITS` in ``\\tiny`` (class
  ``widest_output``, about 165 columns: PyTorch's profiler table); a wider one is reported, to be narrowed
  where it is printed.

The HTML site keeps the outputs as they are: a browser scrolls a wide ``pre``.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.util import logging

from cbam_lessons.labels import width

logger = logging.getLogger(__name__)

FOLD_AT = 100
FOOTNOTESIZE_FITS = 104
SCRIPTSIZE_FITS = 118
TINY_FITS = 160
WIDE_CLASS, WIDEST_CLASS = "wide_output", "widest_output"
#: No line starts with these (closing punctuation) ...
_CLOSING = set("，。、；：！？）」』】》〉,.;:!?)]}%")
#: ... and none ends with these (opening punctuation).
_OPENING = set("（「『【《〈([{")
_TABLE_ROW = re.compile(r"\S {2,}\S")


def _wide(char: str) -> bool:
    return width(char) == 2


def _breaks(text: str) -> list[int]:
    """Indices where ``text`` may continue on a new line: after a space, or between two characters one of
    which is wide, unless punctuation forbids it."""
    found = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if before == " " and after != " ":
            found.append(i)
        elif (_wide(before) or _wide(after)) and " " not in (before, after) \
                and after not in _CLOSING and before not in _OPENING:
            found.append(i)
    return found


def fold(line: str, limit: int = FOLD_AT) -> list[str]:
    """``line`` as lines of at most ``limit`` display columns where it can be broken (see :func:`_breaks`)."""
    if width(line) <= limit or _TABLE_ROW.search(line.strip()):
        return [line]
    lead = " " * (len(line) - len(line.lstrip(" ")) + 2)
    pieces, rest, prefix = [], line, ""
    while width(prefix + rest) > limit:
        fits = [i for i in _breaks(rest) if width(prefix + rest[:i].rstrip()) <= limit and rest[:i].strip()]
        if not fits:
            break
        pieces.append((prefix + rest[: fits[-1]]).rstrip())
        rest, prefix = rest[fits[-1]:].lstrip(" "), lead
    return [*pieces, prefix + rest]


def _in_output(node: nodes.Node) -> nodes.Element | None:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.container) and "cell_output" in parent.get("classes", []):
            return parent
        parent = parent.parent
    return None


def fit_outputs(app, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "latex":
        return
    for block in list(doctree.findall(nodes.literal_block)):
        output = _in_output(block)
        if output is None:
            continue
        text = "\n".join(piece for line in block.astext().split("\n") for piece in fold(line))
        if text != block.astext():
            block.children = [nodes.Text(text)]
            block.rawsource = text  # the LaTeX writer highlights a block only when the two agree
        widest = max(map(width, text.split("\n")))
        if widest > FOOTNOTESIZE_FITS and WIDE_CLASS not in output["classes"]:
            output["classes"].append(WIDE_CLASS)
        if widest > SCRIPTSIZE_FITS and WIDEST_CLASS not in output["classes"]:
            output["classes"].append(WIDEST_CLASS)
        if widest > TINY_FITS:
            line = max(text.split("\n"), key=width)
            logger.warning(f"an output line of {widest} columns wraps in the PDF even in \\tiny (at most "
                           f"{TINY_FITS}): narrow the table that prints it: {line.strip()[:60]!r}",
                           location=block, type="cbam", subtype="pdf_output_width")


def setup(app):
    app.connect("doctree-resolved", fit_outputs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
