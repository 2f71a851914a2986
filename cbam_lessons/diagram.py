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


# --- where CBAM goes in a residual network (chapter 10) ----------------------------------------------

PLACEMENT_LABELS = {
    "en": {
        "title": "Where CBAM can go in a residual network",
        "branch": "branch (paper)\ny = ReLU(s(x) + CBAM(B(x)))",
        "after-add": "after the addition\ny = CBAM(ReLU(s(x) + B(x)))",
        "shortcut": "on the shortcut\ny = ReLU(CBAM(s(x)) + B(x))",
        "input": "block input x",
        "output": "block output y",
        "conv1": "conv 3×3, BN, ReLU",
        "conv2": "conv 3×3, BN",
        "branch_path": "branch B(x)",
        "shortcut_path": "shortcut s(x):\nidentity, or\n1×1 conv + BN",
        "relu": "ReLU",
        "cbam": "CBAM",
        "stages_title": "Which stages get CBAM (branch placement, a 3-stage network)",
        "all": "all stages",
        "first": "first stage only",
        "last": "last stage only",
        "stem": "stem",
        "stage1": "stage 1",
        "stage2": "stage 2",
        "stage3": "stage 3",
        "head": "pool + fc",
        "key": "orange stage: CBAM in every one of its blocks",
    },
    "zh": {
        "title": "CBAM 在残差网络中可以放在哪里",
        "branch": "残差分支上（论文）\ny = ReLU(s(x) + CBAM(B(x)))",
        "after-add": "相加之后\ny = CBAM(ReLU(s(x) + B(x)))",
        "shortcut": "捷径连接上\ny = ReLU(CBAM(s(x)) + B(x))",
        "input": "残差块的输入 x",
        "output": "残差块的输出 y",
        "conv1": "3×3 卷积、BN、ReLU",
        "conv2": "3×3 卷积、BN",
        "branch_path": "残差分支 B(x)",
        "shortcut_path": "捷径连接 s(x)：\n恒等映射，或\n1×1 卷积 + BN",
        "relu": "ReLU",
        "cbam": "CBAM",
        "stages_title": "哪些阶段加 CBAM（放在残差分支上，三个阶段的网络）",
        "all": "所有阶段",
        "first": "仅第一阶段",
        "last": "仅最后阶段",
        "stem": "输入卷积层",
        "stage1": "阶段 1",
        "stage2": "阶段 2",
        "stage3": "阶段 3",
        "head": "池化 + 全连接层",
        "key": "橙色的阶段：其中每个残差块都有 CBAM",
    },
}


def _plus(ax, x, y):
    ax.add_patch(plt.Circle((x, y), 0.28, facecolor="white", edgecolor="#333333", linewidth=1.2))
    ax.text(x, y, "+", ha="center", va="center", fontsize=13, family="DejaVu Sans")


def _placement_panel(ax, t, placement):
    """One basic block, top to bottom, with CBAM at ``placement``."""
    ax.set_xlim(0, 5)
    ax.set_ylim(0, 10.6)
    ax.axis("off")
    ax.set_title(t[placement], fontsize=10, linespacing=1.5)
    bx, sx = 1.7, 4.0  # the branch's column and the shortcut's column
    _box(ax, bx, 9.9, t["input"], "feature", width=2.6, height=0.6)
    _box(ax, bx, 8.5, t["conv1"], "op", width=2.6, height=0.7)
    _box(ax, bx, 7.1, t["conv2"], "op", width=2.6, height=0.7)
    ax.text(0.1, 7.8, t["branch_path"], rotation=90, ha="center", va="center", fontsize=8, color="#555555")
    _arrow(ax, (bx, 9.6), (bx, 8.85))
    _arrow(ax, (bx, 8.15), (bx, 7.45))
    # The branch ends in the addition, through CBAM in the paper's placement.
    if placement == "branch":
        _box(ax, bx, 5.6, t["cbam"], "channel", width=1.4, height=0.6)
        _arrow(ax, (bx, 6.75), (bx, 5.9))
        _arrow(ax, (bx, 5.3), (bx, 4.48))
    else:
        _arrow(ax, (bx, 6.75), (bx, 4.48))
    _plus(ax, bx, 4.2)
    # The shortcut: from the input, down the right-hand column, into the addition.
    ax.plot([bx + 1.3, sx, sx], [9.9, 9.9, 7.7], color="#333333", linewidth=1.2)
    ax.text(sx, 8.6, t["shortcut_path"], ha="center", va="center", fontsize=8, color="#555555",
            bbox=dict(facecolor="white", edgecolor="none", pad=1))
    if placement == "shortcut":
        _box(ax, sx, 6.2, t["cbam"], "channel", width=1.4, height=0.6)
        _arrow(ax, (sx, 7.7), (sx, 6.5))
        ax.plot([sx, sx], [5.9, 4.2], color="#333333", linewidth=1.2)
    else:
        ax.plot([sx, sx], [7.7, 4.2], color="#333333", linewidth=1.2)
    _arrow(ax, (sx, 4.2), (bx + 0.3, 4.2))
    _box(ax, bx, 3.0, t["relu"], "op", width=1.4, height=0.6)
    _arrow(ax, (bx, 3.92), (bx, 3.3))
    # The block's output, through CBAM when it sits after the addition (= nn.Sequential(block, CBAM)).
    if placement == "after-add":
        _box(ax, bx, 1.8, t["cbam"], "channel", width=1.4, height=0.6)
        _arrow(ax, (bx, 2.7), (bx, 2.1))
        _arrow(ax, (bx, 1.5), (bx, 0.9))
    else:
        _arrow(ax, (bx, 2.7), (bx, 0.9))
    _box(ax, bx, 0.6, t["output"], "feature", width=2.6, height=0.6)


def _stages_panel(ax, t):
    """Three rows: CBAM in all stages, in the first only, in the last only."""
    ax.set_xlim(0, 14)
    ax.set_ylim(0, 4.4)
    ax.axis("off")
    ax.set_title(t["stages_title"], fontsize=10)
    xs = (3.6, 5.7, 7.8, 9.9, 12.2)
    for y, (row, with_cbam) in zip((3.5, 2.3, 1.1), (("all", (1, 2, 3)), ("first", (1,)), ("last", (3,)))):
        ax.text(0.2, y, t[row], ha="left", va="center", fontsize=10)
        for i, (x, part) in enumerate(zip(xs, ("stem", "stage1", "stage2", "stage3", "head"))):
            _box(ax, x, y, t[part], "channel" if i in with_cbam else "op", width=1.6, height=0.6)
            if i:
                _arrow(ax, (xs[i - 1] + 0.85, y), (x - 0.85, y))
    ax.text(7, 0.25, t["key"], ha="center", va="center", fontsize=9, color="#a0522d")


def draw_placements(lang: str = "en"):
    """Draw the three placements of CBAM in a basic block and the three stage choices; return the Figure.

    Four axes: "branch" (the paper's: after the branch's last BN, before the addition), "after-add"
    (on the block's output, as ``nn.Sequential(block, CBAM)``), "shortcut", and below them the stages
    that get CBAM in a 3-stage network. ``lang`` is ``"en"`` or ``"zh"`` (call
    :func:`cbam_lessons.viz.setup_cjk_font` first for Chinese).
    """
    if lang not in PLACEMENT_LABELS:
        raise ValueError(f"draw_placements: lang must be one of {sorted(PLACEMENT_LABELS)}, got {lang!r}.")
    t = PLACEMENT_LABELS[lang]
    fig = plt.figure(figsize=(12, 9.6))
    grid = fig.add_gridspec(2, 3, height_ratios=(3, 1.15))
    for column, placement in enumerate(("branch", "after-add", "shortcut")):
        _placement_panel(fig.add_subplot(grid[0, column]), t, placement)
    _stages_panel(fig.add_subplot(grid[1, :]), t)
    fig.suptitle(t["title"], fontsize=13)
    fig.tight_layout()
    return fig
