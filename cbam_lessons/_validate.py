"""Argument and input checks shared by the modules.

Mistakes are caught where they are made: constructor arguments in ``__init__``,
tensor shapes at the top of ``forward``. Every message names the bad value and
says how to fix it.
"""

from __future__ import annotations

import torch


def positive_int(owner: str, name: str, value: object) -> int:
    """Return ``value`` if it is an int >= 1, else raise a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"{owner}: {name} must be a positive int, got {value!r} "
            f"({type(value).__name__}). Pass a whole number such as 16."
        )
    if value < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {name}={value}. Use a value >= 1.")
    return value


def odd_kernel_size(owner: str, kernel_size: object) -> int:
    """Return ``kernel_size`` if it is a positive odd int (so padding k//2 keeps H and W)."""
    positive_int(owner, "kernel_size", kernel_size)
    if kernel_size % 2 == 0:
        raise ValueError(
            f"{owner}: kernel_size must be odd so that padding={kernel_size}//2 keeps the height "
            f"and width, got kernel_size={kernel_size}. Use {kernel_size - 1} or {kernel_size + 1} "
            f"(the paper uses 7)."
        )
    return kernel_size


def choices(owner: str, name: str, values: object, allowed) -> tuple[str, ...]:
    """Return ``values`` as a tuple if it is a non-empty sequence of distinct names from ``allowed``."""
    if isinstance(values, str):
        raise ValueError(f"{owner}: {name} must be a tuple of names, got the string {values!r}. Write ({values!r},).")
    values = tuple(values)
    unknown = [v for v in values if v not in allowed]
    if not values or unknown or len(set(values)) != len(values):
        raise ValueError(
            f"{owner}: {name} must be a non-empty tuple of distinct names from {tuple(allowed)}, "
            f"got {values!r}. Use e.g. {tuple(allowed)}."
        )
    return values


def hidden_width(owner: str, in_planes: int, ratio: int) -> int:
    """Width C // r of the bottleneck MLP; raise if the reduction leaves no hidden unit."""
    hidden = in_planes // ratio
    if hidden == 0:
        raise ValueError(
            f"{owner}: in_planes // ratio must be at least 1, got in_planes={in_planes}, ratio={ratio} "
            f"(hidden width {in_planes}//{ratio} = 0). Use ratio <= {in_planes} for {in_planes} channels, "
            f"e.g. ratio={max(1, in_planes // 2)}, or more channels."
        )
    return hidden


def feature_map(owner: str, x: torch.Tensor, channels: int | None = None) -> None:
    """Raise a ValueError unless ``x`` is (N, C, H, W), with C == ``channels`` when given."""
    expected = f"(N, {channels}, H, W)" if channels is not None else "(N, C, H, W)"
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{owner}: expected a tensor of shape {expected}, received {type(x).__name__}.")
    if x.dim() != 4:
        raise ValueError(
            f"{owner}: expected a 4-D tensor of shape {expected}, received shape {tuple(x.shape)}. "
            f"Add a batch dimension with x.unsqueeze(0) for a single image."
        )
    if channels is not None and x.shape[1] != channels:
        raise ValueError(
            f"{owner}: expected shape {expected}, received shape {tuple(x.shape)} "
            f"with {x.shape[1]} channels. Build the module with {x.shape[1]} channels or fix the input."
        )
