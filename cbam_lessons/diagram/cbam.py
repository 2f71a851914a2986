"""The CBAM block and its two gates, each gate's data flow on its own or all three in one figure.

:func:`draw_cbam_diagram` has three rows: the block (F -> Mc ⊗ -> F' -> Ms ⊗ -> F''), then the inside
of the channel attention module, then the inside of the spatial attention module.
:func:`draw_channel_gate` (chapter 1) and :func:`draw_spatial_gate` (chapter 2) draw one gate each.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ._drawing import arrow, box, check_lang, times

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

def _block_row(ax, t, y):
    """F -> Mc ⊗ -> F' -> Ms ⊗ -> F'': F'= Mc(F) ⊗ F, F'' = Ms(F') ⊗ F'."""
    box(ax, 1.2, y, t["input"], "feature", width=2.0)
    box(ax, 4.2, y, t["channel"], "channel")
    times(ax, 6.0, y)
    ax.text(6.9, y + 0.45, "$F'$", ha="center", fontsize=11)
    box(ax, 8.3, y, t["spatial"], "spatial")
    times(ax, 10.1, y)
    box(ax, 12.5, y, t["refined"], "feature", width=2.2)
    arrow(ax, (2.2, y), (3.45, y))
    arrow(ax, (4.95, y), (5.78, y))
    arrow(ax, (6.22, y), (7.55, y))
    arrow(ax, (9.05, y), (9.88, y))
    arrow(ax, (10.32, y), (11.4, y))
    # The skip paths that carry F and F' to the multiplications.
    arrow(ax, (2.6, y - 0.4), (6.0, y - 0.22), colour="#777777", bend=0.25)
    arrow(ax, (6.9, y - 0.05), (10.1, y - 0.22), colour="#777777", bend=0.3)


def _channel_row(ax, t, y):
    """Mc(F) = σ(MLP(AvgPool(F)) + MLP(MaxPool(F))), centred on height y."""
    ax.text(0.2, y + 1.15, t["channel_row"], fontsize=10, weight="bold", color="#a0522d")
    box(ax, 1.2, y, "$F$", "feature", width=1.0)
    box(ax, 3.5, y + 0.6, t["avg"], "op")
    box(ax, 3.5, y - 0.6, t["max"], "op")
    box(ax, 6.3, y, t["mlp"], "channel", width=2.2, height=1.5)
    box(ax, 9.2, y, t["sum"], "op", width=1.7)
    box(ax, 11.8, y, t["mc"], "channel", width=1.3)
    for yy in (y + 0.6, y - 0.6):
        arrow(ax, (1.7, y), (2.75, yy))
        arrow(ax, (4.25, yy), (5.2, yy))
        arrow(ax, (7.4, yy), (8.35, y))
    arrow(ax, (10.05, y), (11.15, y))


def _spatial_row(ax, t, y):
    """Ms(F') = σ(f7x7([AvgPool_c(F'); MaxPool_c(F')])), centred on height y."""
    ax.text(0.2, y + 1.15, t["spatial_row"], fontsize=10, weight="bold", color="#2e7d32")
    box(ax, 1.2, y, "$F'$", "feature", width=1.0)
    box(ax, 3.5, y + 0.6, t["cavg"], "op")
    box(ax, 3.5, y - 0.6, t["cmax"], "op")
    box(ax, 6.0, y, t["concat"], "op", width=1.3)
    box(ax, 8.2, y, t["conv"], "spatial", width=1.7)
    box(ax, 10.2, y, t["sig"], "op", width=1.4)
    box(ax, 12.2, y, t["ms"], "spatial", width=1.3)
    for yy in (y + 0.6, y - 0.6):
        arrow(ax, (1.7, y), (2.75, yy))
        arrow(ax, (4.25, yy), (5.35, y))
    arrow(ax, (6.65, y), (7.35, y))
    arrow(ax, (9.05, y), (9.5, y))
    arrow(ax, (10.9, y), (11.55, y))


def _figure(height, ylim):
    fig, ax = plt.subplots(figsize=(11, height))
    ax.set_xlim(0, 14)
    ax.set_ylim(0, ylim)
    ax.axis("off")
    return fig, ax


def draw_cbam_diagram(lang: str = "en"):
    """Draw the CBAM block and its two attention modules; return the Figure."""
    t = check_lang("draw_cbam_diagram", LABELS, lang)
    fig, ax = _figure(6.6, 8.4)
    ax.set_title(t["title"], fontsize=13)
    _block_row(ax, t, 7.2)
    _channel_row(ax, t, 4.4)
    _spatial_row(ax, t, 1.2)
    fig.tight_layout()
    return fig


def _one_gate(function: str, row, lang: str):
    fig, ax = _figure(2.6, 2.6)
    row(ax, check_lang(function, LABELS, lang), 1.1)
    fig.tight_layout()
    return fig


def draw_channel_gate(lang: str = "en"):
    """Draw the channel attention module's data flow, F -> two pools -> shared MLP -> sum, σ -> Mc."""
    return _one_gate("draw_channel_gate", _channel_row, lang)


def draw_spatial_gate(lang: str = "en"):
    """Draw the spatial attention module's data flow, F' -> two channel pools -> concat -> conv -> σ -> Ms."""
    return _one_gate("draw_spatial_gate", _spatial_row, lang)
