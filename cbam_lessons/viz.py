"""Plotting helpers: attention maps over images, channel weights, and a CJK font for Chinese labels."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib import font_manager

#: Font families that cover Simplified Chinese, in order of preference
#: (Debian/Ubuntu fonts-noto-cjk, Adobe's release of the same, macOS, Windows, Linux fallbacks).
CJK_FONT_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Microsoft YaHei",
    "SimHei",
    "WenQuanYi Zen Hei",
    "Noto Sans SC",
)

#: Files to register when matplotlib's font cache predates the font's installation.
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


def _first_known_family(families: Sequence[str]) -> str | None:
    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in families if family in known), None)


def setup_cjk_font(families: Sequence[str] = CJK_FONT_FAMILIES, files: Sequence[str] = CJK_FONT_FILES) -> str | None:
    """Make matplotlib draw Chinese text with a real CJK font; return the family used.

    Looks for the first installed family of ``families``; if matplotlib does not know
    any (its cache may predate the install), registers the first existing file of
    ``files`` and looks again. Warns and returns None when no CJK font is found:
    Chinese labels would then render as empty boxes.
    """
    family = _first_known_family(families)
    if family is None:
        for path in files:
            if Path(path).is_file():
                font_manager.fontManager.addfont(path)
        family = _first_known_family(families)
    if family is None:
        warnings.warn(
            "No CJK font found, so Chinese labels will show as boxes. Install one: "
            "`sudo apt-get install fonts-noto-cjk` on Debian/Ubuntu (then `fc-cache -f`); "
            "macOS and Windows ship PingFang SC / Microsoft YaHei.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212 MINUS SIGN
    return family


def _numpy(t: torch.Tensor) -> np.ndarray:
    """A float32 NumPy copy of any tensor, wherever it lives, for matplotlib."""
    return t.detach().float().cpu().numpy()


def _as_image(image: torch.Tensor) -> np.ndarray:
    """(3, H, W) or (1, H, W) tensor in [0, 1] -> (H, W, 3) or (H, W) array for imshow."""
    image = _numpy(image).clip(0, 1)
    return image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)


def show_attention(
    images: torch.Tensor,
    maps: torch.Tensor | Sequence[torch.Tensor],
    masks: torch.Tensor | None = None,
    *,
    titles: Sequence[str] | None = None,
    row_labels: Sequence[str] = ("image", "attention"),
    cmap: str = "jet",
    alpha: float = 0.5,
    normalize: bool = False,
):
    """Show each image above its attention map(s), upsampled to the image size and overlaid.

    Args:
        images: (N, 3, H, W) in [0, 1].
        maps: (N, 1, h, w) or (N, h, w) attention maps in [0, 1], any h, w; or a list of
            such tensors, one row each (e.g. spatial attention next to Grad-CAM).
        masks: optional (N, H, W) ground-truth object masks, outlined in white on the overlays.
        titles: one title per column; row_labels: the image row's name, then one per map row
            (translate them for Chinese).
        normalize: stretch each map to [0, 1] on its own, to compare where maps peak
            rather than their absolute values (Grad-CAM has no fixed scale).

    Returns:
        the matplotlib Figure.
    """
    rows = [maps] if isinstance(maps, torch.Tensor) else list(maps)
    rows = [m[:, None] if m.dim() == 3 else m for m in rows]
    n, _, height, width = images.shape
    if any(m.shape[0] != n for m in rows) or len(row_labels) != len(rows) + 1:
        raise ValueError(
            f"show_attention: got {n} images, maps for {[m.shape[0] for m in rows]} images and "
            f"{len(row_labels)} row labels. Pass one map per image and one label per row ({len(rows) + 1})."
        )
    fig, axes = plt.subplots(len(rows) + 1, n, figsize=(1.6 * n, 1.7 * (len(rows) + 1)), squeeze=False)
    for row, m in enumerate(rows, start=1):
        m = F.interpolate(m.detach().float().cpu(), size=(height, width), mode="bilinear", align_corners=False)
        if normalize:
            low, high = m.amin(dim=(2, 3), keepdim=True), m.amax(dim=(2, 3), keepdim=True)
            m = (m - low) / (high - low).clamp_min(1e-12)
        for i in range(n):
            axes[row, i].imshow(_as_image(images[i]))
            axes[row, i].imshow(_numpy(m[i, 0]), cmap=cmap, alpha=alpha, vmin=0, vmax=1)
            if masks is not None:
                axes[row, i].contour(_numpy(masks[i]), levels=[0.5], colors="white", linewidths=1)
    for i in range(n):
        axes[0, i].imshow(_as_image(images[i]))
        if titles is not None:
            axes[0, i].set_title(titles[i], fontsize=9)
    for row, label in enumerate(row_labels):
        axes[row, 0].set_ylabel(label)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_channel_weights(weights: torch.Tensor, ax=None, *, title: str | None = None, xlabel: str = "channel", ylabel: str = "weight"):
    """Bar chart of one channel-attention vector Mc(F): shape (C,), (C, 1, 1) or (1, C, 1, 1)."""
    weights = _numpy(weights).ravel()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 2.4))
    ax.bar(range(len(weights)), weights, width=1.0)
    ax.set_ylim(0, 1)
    ax.set_xlim(-0.5, len(weights) - 0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_seed_results(
    accuracy: dict[str, Sequence[float]],
    baseline: str,
    *,
    lang: str = "en",
    names: dict[str, str] | None = None,
    seeds: Sequence[int] | None = None,
    comparisons: int = 1,
):
    """Per-seed results of several models trained with the same seeds, and their paired differences.

    Left: every run's accuracy, one column per model, each seed in its own colour and its runs joined
    by a faint line (a legend names the seeds when there are at most 10). Right: each model's per-seed
    difference from ``baseline`` in points, with the mean and its 95 % interval
    (:func:`cbam_lessons.experiment.stats.paired_gap`) as a thick bar and, with ``comparisons`` = m > 1, the
    family-wise (Bonferroni) interval as a thin one; the dashed line is 0. Labels come from
    :mod:`cbam_lessons.labels` in ``lang``; returns the Figure.
    """
    from .labels import label
    from .experiment.stats import paired_gap

    models = list(accuracy)
    show = [(names or {}).get(m, label(m, lang)) for m in models]
    n = len(accuracy[baseline])
    seeds = list(seeds) if seeds is not None else list(range(n))
    colours = plt.get_cmap("tab10" if n <= 10 else "viridis")(np.arange(n) % 10 if n <= 10 else np.linspace(0, 0.9, n))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.45 * len(models) + 1.6), sharey=True)
    rows = np.arange(len(models))[::-1]  # first model at the top
    for s in range(n):
        values = [accuracy[m][s] for m in models]
        left.plot(values, rows, color=colours[s], alpha=0.25, lw=0.8)
        left.scatter(values, rows, color=colours[s], s=22 if n <= 10 else 12, zorder=3,
                     label=f"{label('seed', lang)} {seeds[s]}")
    left.set_yticks(rows, show)
    left.set_xlabel(label("accuracy", lang))
    left.grid(axis="x", alpha=0.3)
    if n <= 10:
        left.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.9 / (0.45 * len(models) + 1.6)),
                    ncol=min(n, 5))
    for row, model in zip(rows, models):
        if model == baseline:
            continue
        diffs = [100 * (a - b) for a, b in zip(accuracy[model], accuracy[baseline])]
        gap = paired_gap(diffs, [0.0] * n)
        if comparisons > 1:
            wide = paired_gap(diffs, [0.0] * n, comparisons=comparisons)
            right.plot([wide.low, wide.high], [row, row], color="black", lw=1, alpha=0.6)
        right.plot([gap.low, gap.high], [row, row], color="black", lw=3.5, alpha=0.6)
        right.plot([gap.mean], [row], marker="|", color="black", ms=14)
        right.scatter(diffs, [row + 0.18] * n, color=colours, s=18 if n <= 10 else 10, zorder=3)
    right.axvline(0, color="grey", ls="--", lw=1)
    right.set_xlabel(label("difference", lang, baseline=show[models.index(baseline)]))
    right.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
