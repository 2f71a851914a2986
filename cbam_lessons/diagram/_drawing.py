"""Drawing primitives shared by the book's diagrams: boxes, arrows, ⊗ and + nodes, one colour per role."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

COLOURS = {"feature": "#dbe9f6", "channel": "#fde0c5", "spatial": "#d5f0d5", "op": "#ffffff"}


def check_lang(function: str, labels: dict, lang: str) -> dict:
    """Return ``labels[lang]``, or raise a ValueError that names the languages there are."""
    if lang not in labels:
        raise ValueError(f"{function}: lang must be one of {sorted(labels)}, got {lang!r}.")
    return labels[lang]


def box(ax, x, y, text, kind, width=1.5, height=0.8, fontsize=9):
    """A rounded box centred at (x, y); ``kind`` picks the colour (feature, channel, spatial, op)."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2), width, height,
            boxstyle="round,pad=0.05", facecolor=COLOURS[kind], edgecolor="#444444", linewidth=1.2,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, linespacing=1.5)


def arrow(ax, start, end, colour="#333333", bend=0.0):
    """An arrow from ``start`` to ``end``; ``bend`` curves it (matplotlib's arc3 radius)."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=colour, linewidth=1.2,
                                 connectionstyle=f"arc3,rad={bend}"))


def _node(ax, x, y, symbol, radius):
    ax.add_patch(plt.Circle((x, y), radius, facecolor="white", edgecolor="#333333", linewidth=1.2))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=13, family="DejaVu Sans")


def times(ax, x, y):
    """The elementwise product ⊗ (with broadcasting)."""
    _node(ax, x, y, "⊗", 0.22)


def plus(ax, x, y):
    """The residual addition."""
    _node(ax, x, y, "+", 0.28)
