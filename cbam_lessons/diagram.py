"""The CBAM architecture figure, drawn with matplotlib and labelled in English or Chinese.

Three rows: the block (F -> Mc ⊗ -> F' -> Ms ⊗ -> F''), then the inside of the
channel attention module, then the inside of the spatial attention module.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

LABELS = {
    "en": {
        "title": "Convolutional Block Attention Module (CBAM)",
        "input": "input feature\n$F$  (C×H×W)",
        "channel": "channel\nattention $M_c$",
        "spatial": "spatial\nattention $M_s$",
        "refined": "refined feature\n$F''$  (C×H×W)",
        "channel_row": "channel attention module",
        "spatial_row": "spatial attention module",
        "avg": "global\navg pool",
        "max": "global\nmax pool",
        "mlp": "shared MLP\nC → C/r → C",
        "sum": "sum, then\nsigmoid",
        "mc": "$M_c$\nC×1×1",
        "cavg": "mean over\nchannels",
        "cmax": "max over\nchannels",
        "concat": "concat\n2×H×W",
        "conv": "conv 7×7\n(padding 3)",
        "sig": "sigmoid",
        "ms": "$M_s$\n1×H×W",
    },
    "zh": {
        "title": "卷积块注意力模块（CBAM）",
        "input": "输入特征图\n$F$  (C×H×W)",
        "channel": "通道注意力\n$M_c$",
        "spatial": "空间注意力\n$M_s$",
        "refined": "细化后的特征图\n$F''$  (C×H×W)",
        "channel_row": "通道注意力模块",
        "spatial_row": "空间注意力模块",
        "avg": "全局\n平均池化",
        "max": "全局\n最大池化",
        "mlp": "共享多层感知机\nC → C/r → C",
        "sum": "相加后\nsigmoid 函数",
        "mc": "$M_c$\nC×1×1",
        "cavg": "沿通道\n求平均",
        "cmax": "沿通道\n求最大",
        "concat": "拼接\n2×H×W",
        "conv": "7×7 卷积\n（填充 3）",
        "sig": "sigmoid 函数",
        "ms": "$M_s$\n1×H×W",
    },
}

_COLOURS = {"feature": "#dbe9f6", "channel": "#fde0c5", "spatial": "#d5f0d5", "op": "#ffffff"}


def _box(ax, x, y, text, kind, width=1.5, height=0.8):
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2), width, height,
            boxstyle="round,pad=0.05", facecolor=_COLOURS[kind], edgecolor="#444444", linewidth=1.2,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=9, linespacing=1.5)


def _arrow(ax, start, end):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="#333333", linewidth=1.2))


def _times(ax, x, y):
    ax.add_patch(plt.Circle((x, y), 0.22, facecolor="white", edgecolor="#333333", linewidth=1.2))
    ax.text(x, y, "⊗", ha="center", va="center", fontsize=13, family="DejaVu Sans")


def draw_cbam_diagram(lang: str = "en"):
    """Draw the CBAM block and its two attention modules; return the Figure.

    ``lang`` is ``"en"`` or ``"zh"`` (call :func:`cbam_lessons.viz.setup_cjk_font` first for Chinese).
    """
    if lang not in LABELS:
        raise ValueError(f"draw_cbam_diagram: lang must be one of {sorted(LABELS)}, got {lang!r}.")
    t = LABELS[lang]
    fig, ax = plt.subplots(figsize=(11, 6.6))
    ax.set_xlim(0, 14)
    ax.set_ylim(0, 8.4)
    ax.axis("off")
    ax.set_title(t["title"], fontsize=13)

    # Row 1: the block. F' = Mc(F) ⊗ F, F'' = Ms(F') ⊗ F'.
    y = 7.2
    _box(ax, 1.2, y, t["input"], "feature", width=2.0)
    _box(ax, 4.2, y, t["channel"], "channel")
    _times(ax, 6.0, y)
    ax.text(6.9, y + 0.45, "$F'$", ha="center", fontsize=11)
    _box(ax, 8.3, y, t["spatial"], "spatial")
    _times(ax, 10.1, y)
    _box(ax, 12.5, y, t["refined"], "feature", width=2.2)
    _arrow(ax, (2.2, y), (3.45, y))
    _arrow(ax, (4.95, y), (5.78, y))
    _arrow(ax, (6.22, y), (7.55, y))
    _arrow(ax, (9.05, y), (9.88, y))
    _arrow(ax, (10.32, y), (11.4, y))
    # The skip paths that carry F and F' to the multiplications.
    ax.annotate("", xy=(6.0, y - 0.22), xytext=(2.6, y - 0.4),
                arrowprops=dict(arrowstyle="-|>", connectionstyle="arc3,rad=0.25", color="#777777"))
    ax.annotate("", xy=(10.1, y - 0.22), xytext=(6.9, y - 0.05),
                arrowprops=dict(arrowstyle="-|>", connectionstyle="arc3,rad=0.3", color="#777777"))

    # Row 2: channel attention. Mc(F) = σ(MLP(AvgPool(F)) + MLP(MaxPool(F))).
    ax.text(0.2, 5.55, t["channel_row"], fontsize=10, weight="bold", color="#a0522d")
    _box(ax, 1.2, 4.4, "$F$", "feature", width=1.0)
    _box(ax, 3.5, 5.0, t["avg"], "op")
    _box(ax, 3.5, 3.8, t["max"], "op")
    _box(ax, 6.3, 4.4, t["mlp"], "channel", width=2.2, height=1.5)
    _box(ax, 9.2, 4.4, t["sum"], "op", width=1.7)
    _box(ax, 11.8, 4.4, t["mc"], "channel", width=1.3)
    for yy in (5.0, 3.8):
        _arrow(ax, (1.7, 4.4), (2.75, yy))
        _arrow(ax, (4.25, yy), (5.2, yy))
        _arrow(ax, (7.4, yy), (8.35, 4.4))
    _arrow(ax, (10.05, 4.4), (11.15, 4.4))

    # Row 3: spatial attention. Ms(F') = σ(f7x7([AvgPool_c(F'); MaxPool_c(F')])).
    ax.text(0.2, 2.35, t["spatial_row"], fontsize=10, weight="bold", color="#2e7d32")
    _box(ax, 1.2, 1.2, "$F'$", "feature", width=1.0)
    _box(ax, 3.5, 1.8, t["cavg"], "op")
    _box(ax, 3.5, 0.6, t["cmax"], "op")
    _box(ax, 6.0, 1.2, t["concat"], "op", width=1.3)
    _box(ax, 8.2, 1.2, t["conv"], "spatial", width=1.7)
    _box(ax, 10.2, 1.2, t["sig"], "op", width=1.4)
    _box(ax, 12.2, 1.2, t["ms"], "spatial", width=1.3)
    for yy in (1.8, 0.6):
        _arrow(ax, (1.7, 1.2), (2.75, yy))
        _arrow(ax, (4.25, yy), (5.35, 1.2))
    _arrow(ax, (6.65, 1.2), (7.35, 1.2))
    _arrow(ax, (9.05, 1.2), (9.5, 1.2))
    _arrow(ax, (10.9, 1.2), (11.55, 1.2))
    fig.tight_layout()
    return fig
