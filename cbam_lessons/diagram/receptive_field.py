"""Receptive-field growth: the input region each stage's spatial map sees, drawn over the image (chapter 2).

A k×k convolution at a stage whose pixels are s input pixels apart widens the receptive field by
(k - 1)·s, so the same 7×7 kernel covers more of the image at every stage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Rectangle

from ._drawing import check_lang

RECEPTIVE_FIELD_LABELS = {
    "en": {
        "title": "What the centre of each stage's spatial map sees",
        "kernel": "spatial kernel {k}×{k}",
        "stage": "stage {i}: {rf}×{rf} px",
        "image": "input image ({size}×{size})",
        "pixels": "input pixels",
    },
    "zh": {
        "title": "各阶段空间注意力图中心像素的感受野",
        "kernel": "空间卷积核 {k}×{k}",
        "stage": "阶段 {i}：{rf}×{rf} 像素",
        "image": "输入图像（{size}×{size}）",
        "pixels": "输入像素",
    },
}

_STAGE_COLOURS = ("#e6550d", "#3182bd", "#31a354", "#756bb1")


def draw_receptive_fields(fields: Mapping[int, Sequence[int]], image: torch.Tensor, lang: str = "en"):
    """Draw, for each kernel size, the image and one square per stage as wide as that stage's receptive field.

    Args:
        fields: kernel size -> receptive field of each stage in input pixels, e.g. ``{7: [15, 43, 99]}``.
        image: one (3, H, W) image with values in [0, 1], drawn under the squares, centred like them.
        lang: ``"en"`` or ``"zh"``.
    """
    t = check_lang("draw_receptive_fields", RECEPTIVE_FIELD_LABELS, lang)
    if image.dim() != 3 or image.shape[0] != 3:
        raise ValueError(f"draw_receptive_fields: image must be one (3, H, W) image, got shape {tuple(image.shape)}.")
    size = image.shape[-1]
    largest = max(max(rf) for rf in fields.values())
    reach = max(largest, size) / 2 + 3  # half the widest square, and a margin
    centre = size / 2
    fig, axes = plt.subplots(1, len(fields), figsize=(5.2 * len(fields), 6.2), squeeze=False,
                             layout="constrained")
    for ax, (k, stages) in zip(axes[0], fields.items()):
        ax.imshow(image.detach().cpu().permute(1, 2, 0).clamp(0, 1).numpy(), extent=(0, size, size, 0))
        ax.add_patch(Rectangle((0, 0), size, size, fill=False, edgecolor="black", linewidth=1.5,
                               label=t["image"].format(size=size)))
        for i, rf in enumerate(stages):
            ax.add_patch(Rectangle((centre - rf / 2, centre - rf / 2), rf, rf, fill=False, linewidth=2,
                                   edgecolor=_STAGE_COLOURS[i % len(_STAGE_COLOURS)], linestyle=("-", "--", ":")[i % 3],
                                   label=t["stage"].format(i=i + 1, rf=rf)))
        ax.set_xlim(centre - reach, centre + reach)
        ax.set_ylim(centre + reach, centre - reach)
        ax.set_aspect("equal")
        ax.set_title(t["kernel"].format(k=k))
        ax.set_xlabel(t["pixels"])
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=9, frameon=False)
    fig.suptitle(t["title"], fontsize=13)
    return fig
