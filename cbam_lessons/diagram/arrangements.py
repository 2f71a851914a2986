"""The three ways of combining CBAM's two gates that the paper compares (its Table 3), as one figure (chapter 3).

- channel → spatial (CBAM):  F' = Mc(F) ⊗ F,  F'' = Ms(F') ⊗ F'
- spatial → channel:         F' = Ms(F) ⊗ F,  F'' = Mc(F') ⊗ F'
- parallel (our formula):    F'' = Mc(F) ⊗ Ms(F) ⊗ F, both gates read F
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ._drawing import arrow, box, check_lang, times

ARRANGEMENT_LABELS = {
    "en": {
        "title": "Three ways to combine the two gates",
        "channel-spatial": "channel → spatial (CBAM)",
        "spatial-channel": "spatial → channel",
        "parallel": "parallel: both gates read F",
        "mc": "channel\ngate $M_c$",
        "ms": "spatial\ngate $M_s$",
        "input": "$F$",
        "output": "$F''$",
    },
    "zh": {
        "title": "两个门控的三种组合方式",
        "channel-spatial": "通道→空间（CBAM）",
        "spatial-channel": "空间→通道",
        "parallel": "并行：两个门控都读取 F",
        "mc": "通道门控\n$M_c$",
        "ms": "空间门控\n$M_s$",
        "input": "$F$",
        "output": "$F''$",
    },
}

_KIND = {"mc": "channel", "ms": "spatial"}


def _sequential_row(ax, t, y, first, second):
    """F -> gate ⊗ -> F' -> gate ⊗ -> F'': each gate reads what arrives and multiplies it."""
    box(ax, 0.8, y, t["input"], "feature", width=0.9, height=0.6)
    box(ax, 3.0, y + 0.75, t[first], _KIND[first], width=1.6, height=0.75)
    times(ax, 4.6, y)
    ax.text(5.5, y + 0.25, "$F'$", ha="center", fontsize=11)
    box(ax, 7.4, y + 0.75, t[second], _KIND[second], width=1.6, height=0.75)
    times(ax, 9.0, y)
    box(ax, 10.6, y, t["output"], "feature", width=0.9, height=0.6)
    arrow(ax, (1.25, y), (4.38, y))  # the map itself goes on to be multiplied ...
    arrow(ax, (1.9, y), (2.2, y + 0.55), bend=-0.3)  # ... and the gate reads it
    arrow(ax, (3.8, y + 0.6), (4.5, y + 0.2), bend=-0.2)
    arrow(ax, (4.82, y), (8.78, y))
    arrow(ax, (6.2, y), (6.6, y + 0.55), bend=-0.3)
    arrow(ax, (8.2, y + 0.6), (8.9, y + 0.2), bend=-0.2)
    arrow(ax, (9.22, y), (10.15, y))


def _parallel_row(ax, t, y):
    """Both gates read F; their maps multiply F once: F'' = Mc(F) ⊗ Ms(F) ⊗ F."""
    box(ax, 0.8, y, t["input"], "feature", width=0.9, height=0.6)
    box(ax, 4.4, y + 0.75, t["mc"], "channel", width=1.6, height=0.75)
    box(ax, 4.4, y - 0.75, t["ms"], "spatial", width=1.6, height=0.75)
    times(ax, 7.2, y)
    box(ax, 10.6, y, t["output"], "feature", width=0.9, height=0.6)
    arrow(ax, (1.25, y), (6.98, y))
    arrow(ax, (2.2, y), (3.6, y + 0.65), bend=-0.2)
    arrow(ax, (2.2, y), (3.6, y - 0.65), bend=0.2)
    arrow(ax, (5.2, y + 0.65), (7.1, y + 0.2), bend=-0.2)
    arrow(ax, (5.2, y - 0.65), (7.1, y - 0.2), bend=0.2)
    arrow(ax, (7.42, y), (10.15, y))


def draw_arrangements(lang: str = "en"):
    """Draw channel → spatial, spatial → channel and parallel, one row each; return the Figure."""
    t = check_lang("draw_arrangements", ARRANGEMENT_LABELS, lang)
    fig, axes = plt.subplots(3, 1, figsize=(9, 6.6), height_ratios=(1, 1, 1.25))
    rows = (("channel-spatial", "mc", "ms"), ("spatial-channel", "ms", "mc"), ("parallel", None, None))
    for ax, (name, first, second) in zip(axes, rows):
        ax.set_xlim(0, 11.4)
        ax.axis("off")
        ax.set_title(t[name], fontsize=11, loc="left")
        if first:
            ax.set_ylim(0, 1.8)
            _sequential_row(ax, t, 0.6, first, second)
        else:
            ax.set_ylim(0, 2.4)
            _parallel_row(ax, t, 1.2)
    fig.suptitle(t["title"], fontsize=13)
    fig.tight_layout()
    return fig
