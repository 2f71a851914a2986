"""Where CBAM goes in a residual block: the paper's place (chapters 3 and 5) and the alternatives (chapter 10)."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ._drawing import arrow, box, check_lang, plus

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
        "bottleneck1": "conv 1×1, BN, ReLU",
        "bottleneck2": "conv 3×3, BN, ReLU",
        "bottleneck3": "conv 1×1, BN",
        "basic_title": "CBAM in a basic block (the paper's place)",
        "bottleneck_title": "CBAM in a bottleneck block (the paper's place)",
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
        "bottleneck1": "1×1 卷积、BN、ReLU",
        "bottleneck2": "3×3 卷积、BN、ReLU",
        "bottleneck3": "1×1 卷积、BN",
        "basic_title": "基本残差块中的 CBAM（论文的位置）",
        "bottleneck_title": "瓶颈残差块中的 CBAM（论文的位置）",
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


_BRANCH_LAYERS = {"basic": ("conv1", "conv2"), "bottleneck": ("bottleneck1", "bottleneck2", "bottleneck3")}


def _placement_panel(ax, t, placement, block="basic", title=None):
    """One residual block, top to bottom, with CBAM at ``placement``; ``block`` is basic or bottleneck."""
    ax.set_xlim(0, 5)
    ax.set_ylim(0, 10.6)
    ax.axis("off")
    ax.set_title(t[placement] if title is None else title, fontsize=10, linespacing=1.5)
    bx, sx = 1.7, 4.0  # the branch's column and the shortcut's column
    box(ax, bx, 9.9, t["input"], "feature", width=2.6, height=0.6)
    layers = _BRANCH_LAYERS[block]
    span = 1.4 if len(layers) == 2 else 1.8  # the branch's layers fill heights 8.5 to 7.1, or 8.7 to 6.9
    step = span / (len(layers) - 1)
    height = min(0.7, step - 0.3)
    top = 9.6
    for i, layer in enumerate(layers):
        y = 7.8 + span / 2 - i * step
        box(ax, bx, y, t[layer], "op", width=2.6, height=height)
        arrow(ax, (bx, top), (bx, y + height / 2))
        top = y - height / 2
    ax.text(0.1, 7.8, t["branch_path"], rotation=90, ha="center", va="center", fontsize=8, color="#555555")
    # The branch ends in the addition, through CBAM in the paper's placement.
    if placement == "branch":
        box(ax, bx, 5.6, t["cbam"], "channel", width=1.4, height=0.6)
        arrow(ax, (bx, top), (bx, 5.9))
        arrow(ax, (bx, 5.3), (bx, 4.48))
    else:
        arrow(ax, (bx, top), (bx, 4.48))
    plus(ax, bx, 4.2)
    # The shortcut: from the input, down the right-hand column, into the addition.
    ax.plot([bx + 1.3, sx, sx], [9.9, 9.9, 7.7], color="#333333", linewidth=1.2)
    ax.text(sx, 8.6, t["shortcut_path"], ha="center", va="center", fontsize=8, color="#555555",
            bbox=dict(facecolor="white", edgecolor="none", pad=1))
    if placement == "shortcut":
        box(ax, sx, 6.2, t["cbam"], "channel", width=1.4, height=0.6)
        arrow(ax, (sx, 7.7), (sx, 6.5))
        ax.plot([sx, sx], [5.9, 4.2], color="#333333", linewidth=1.2)
    else:
        ax.plot([sx, sx], [7.7, 4.2], color="#333333", linewidth=1.2)
    arrow(ax, (sx, 4.2), (bx + 0.3, 4.2))
    box(ax, bx, 3.0, t["relu"], "op", width=1.4, height=0.6)
    arrow(ax, (bx, 3.92), (bx, 3.3))
    # The block's output, through CBAM when it sits after the addition (= nn.Sequential(block, CBAM)).
    if placement == "after-add":
        box(ax, bx, 1.8, t["cbam"], "channel", width=1.4, height=0.6)
        arrow(ax, (bx, 2.7), (bx, 2.1))
        arrow(ax, (bx, 1.5), (bx, 0.9))
    else:
        arrow(ax, (bx, 2.7), (bx, 0.9))
    box(ax, bx, 0.6, t["output"], "feature", width=2.6, height=0.6)


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
            box(ax, x, y, t[part], "channel" if i in with_cbam else "op", width=1.6, height=0.6)
            if i:
                arrow(ax, (xs[i - 1] + 0.85, y), (x - 0.85, y))
    ax.text(7, 0.25, t["key"], ha="center", va="center", fontsize=9, color="#a0522d")


def draw_placements(lang: str = "en"):
    """Draw the three placements of CBAM in a basic block and the three stage choices; return the Figure.

    Four axes: "branch" (the paper's: after the branch's last BN, before the addition), "after-add"
    (on the block's output, as ``nn.Sequential(block, CBAM)``), "shortcut", and below them the stages
    that get CBAM in a 3-stage network. ``lang`` is ``"en"`` or ``"zh"`` (call
    :func:`cbam_lessons.viz.setup_cjk_font` first for Chinese).
    """
    t = check_lang("draw_placements", PLACEMENT_LABELS, lang)
    fig = plt.figure(figsize=(12, 9.6))
    grid = fig.add_gridspec(2, 3, height_ratios=(3, 1.15))
    for column, placement in enumerate(("branch", "after-add", "shortcut")):
        _placement_panel(fig.add_subplot(grid[0, column]), t, placement)
    _stages_panel(fig.add_subplot(grid[1, :]), t)
    fig.suptitle(t["title"], fontsize=13)
    fig.tight_layout()
    return fig


def draw_residual_cbam(lang: str = "en", block: str = "basic"):
    """Draw one residual block with CBAM where the paper puts it: on the branch, before the addition.

    ``block`` is ``"basic"`` (two 3×3 convolutions, ResNet-18/34, chapter 3) or ``"bottleneck"``
    (1×1, 3×3, 1×1, ResNet-50, chapter 5).
    """
    t = check_lang("draw_residual_cbam", PLACEMENT_LABELS, lang)
    if block not in _BRANCH_LAYERS:
        raise ValueError(f"draw_residual_cbam: block must be one of {sorted(_BRANCH_LAYERS)}, got {block!r}.")
    fig, ax = plt.subplots(figsize=(4.2, 7.4))
    _placement_panel(ax, t, "branch", block, title=t[f"{block}_title"] + "\n" + t["branch"].split("\n")[1])
    fig.tight_layout()
    return fig
