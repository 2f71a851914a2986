"""A generated classification task where *where* matters: find the shape in the clutter.

Each image holds one target shape (its class) at a random position and scale,
drawn over smooth colour noise and a few random line strokes. The ground-truth
mask of the target's pixels comes with every image, so we can measure how much
of a model's spatial attention falls on the object.
Everything is a pure function of ``seed``: the same seed gives the same tensors.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import TensorDataset

from .. import _validate

SHAPE_NAMES = ("disk", "square", "triangle", "cross", "ring", "diamond")


def _inside(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Which points (u, v), in units of the shape's radius around its centre, lie inside."""
    au, av = np.abs(u), np.abs(v)
    if shape == "disk":
        return u * u + v * v <= 1.0
    if shape == "square":
        return np.maximum(au, av) <= 0.8
    if shape == "triangle":  # apex up at v = -1, base at v = 0.8
        return (v <= 0.8) & (au <= 0.5 * (v + 1.0))
    if shape == "cross":
        return ((au <= 0.3) & (av <= 1.0)) | ((av <= 0.3) & (au <= 1.0))
    if shape == "ring":
        r2 = u * u + v * v
        return (r2 <= 1.0) & (r2 >= 0.55**2)
    if shape == "diamond":
        return au + av <= 1.0
    raise ValueError(f"unknown shape {shape!r}; known shapes: {SHAPE_NAMES}")


def _smooth_noise(rng: np.random.Generator, n: int, size: int, cells: int = 4) -> np.ndarray:
    """Low-frequency colour noise (n, 3, size, size): a cells x cells grid, bilinearly upsampled."""
    grid = rng.random((n, 3, cells, cells), dtype=np.float32)
    pos = np.clip((np.arange(size, dtype=np.float32) + 0.5) * cells / size - 0.5, 0, cells - 1)
    lo = np.minimum(pos.astype(int), cells - 2)
    frac = pos - lo
    interp = np.zeros((size, cells), dtype=np.float32)  # (size, cells) linear interpolation matrix
    interp[np.arange(size), lo] = 1 - frac
    interp[np.arange(size), lo + 1] = frac
    return np.einsum("hi,ncij,wj->nchw", interp, grid, interp, optimize=True)


def generate_shapes(
    num_samples: int,
    image_size: int = 32,
    seed: int = 0,
    *,
    num_classes: int = len(SHAPE_NAMES),
    strokes: int = 6,
    radius: tuple[float, float] = (0.1, 0.18),
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Generate ``num_samples`` images with one target shape each.

    Args:
        num_samples: number of images N.
        image_size: height and width S of the square images.
        seed: everything is drawn from ``numpy.random.default_rng(seed)``.
        num_classes: use the first ``num_classes`` of :data:`SHAPE_NAMES` (2 to 6).
        strokes: random line strokes of clutter per image.
        radius: range of the target's radius as a fraction of ``image_size``.

    Returns:
        images (N, 3, S, S) float32 in [0, 1], labels (N,) int64, masks (N, S, S) bool.
    """
    _validate.positive_int("generate_shapes", "num_samples", num_samples)
    _validate.positive_int("generate_shapes", "image_size", image_size)
    if not 2 <= num_classes <= len(SHAPE_NAMES):
        raise ValueError(f"generate_shapes: num_classes must be 2 to {len(SHAPE_NAMES)}, got {num_classes}.")
    if image_size < 8:
        raise ValueError(f"generate_shapes: image_size must be at least 8 pixels, got {image_size}.")
    if not 0 < radius[0] <= radius[1] < 0.5:
        raise ValueError(f"generate_shapes: radius must satisfy 0 < low <= high < 0.5, got {radius}.")
    if isinstance(strokes, bool) or not isinstance(strokes, int) or strokes < 0:
        raise ValueError(f"generate_shapes: strokes must be an int >= 0, got {strokes!r}.")
    rng = np.random.default_rng(seed)
    n, s = num_samples, image_size
    coords = np.arange(s, dtype=np.float32) + 0.5  # pixel centres
    ys, xs = coords[None, :, None], coords[None, None, :]  # (1, S, 1), (1, 1, S)

    # Background: dim smooth colour noise.
    images = 0.45 * _smooth_noise(rng, n, s)  # (N, 3, S, S)

    # Clutter: line strokes of random colour, length and direction, about one pixel wide.
    for _ in range(strokes):
        start = rng.uniform(0, s, (n, 2)).astype(np.float32)
        angle = rng.uniform(0, np.pi, n)
        length = rng.uniform(0.2, 0.45, n) * s
        delta = (np.stack([np.cos(angle), np.sin(angle)], 1) * length[:, None]).astype(np.float32)
        colour = rng.uniform(0.2, 0.8, (n, 3, 1, 1)).astype(np.float32)
        px = xs - start[:, 0, None, None]  # (N, 1, S)
        py = ys - start[:, 1, None, None]  # (N, S, 1)
        dx, dy = delta[:, 0, None, None], delta[:, 1, None, None]
        t = np.clip((px * dx + py * dy) / (dx * dx + dy * dy), 0, 1)  # (N, S, S) nearest point on segment
        on_stroke = (px - t * dx) ** 2 + (py - t * dy) ** 2 <= 0.6**2
        np.copyto(images, colour, where=on_stroke[:, None])

    # Target: one shape per image, fully inside the frame, drawn over the clutter.
    labels = rng.integers(0, num_classes, n)
    r = rng.uniform(*radius, n).astype(np.float32) * s
    cx = rng.uniform(r, s - r).astype(np.float32)
    cy = rng.uniform(r, s - r).astype(np.float32)
    colour = rng.uniform(0.55, 1.0, (n, 3, 1, 1)).astype(np.float32)
    masks = np.zeros((n, s, s), dtype=bool)
    for k in range(num_classes):
        idx = np.flatnonzero(labels == k)
        u = (xs - cx[idx, None, None]) / r[idx, None, None]
        v = (ys - cy[idx, None, None]) / r[idx, None, None]
        masks[idx] = _inside(SHAPE_NAMES[k], u, v)
    np.copyto(images, colour, where=masks[:, None])

    images += 0.03 * rng.standard_normal(images.shape, dtype=np.float32)  # sensor noise
    np.clip(images, 0, 1, out=images)
    return torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64)), torch.from_numpy(masks)


class ShapesDataset(TensorDataset):
    """The generated shapes task as a Dataset of ``(image, label, mask)`` triples.

    ``image`` is (3, S, S) float32 in [0, 1], ``label`` an int64 index into
    :attr:`classes`, ``mask`` (S, S) bool marking the target's pixels. Use different
    seeds for the training and test sets. Arguments as in :func:`generate_shapes`.
    """

    def __init__(self, num_samples: int, image_size: int = 32, seed: int = 0, **kwargs):
        images, labels, masks = generate_shapes(num_samples, image_size, seed, **kwargs)
        super().__init__(images, labels, masks)
        self.images, self.labels, self.masks = images, labels, masks
        self.classes = SHAPE_NAMES[: kwargs.get("num_classes", len(SHAPE_NAMES))]
