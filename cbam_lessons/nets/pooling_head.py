"""Global pooling before the classifier: the "head" of a small CNN.

    avg:      z_c = mean_{h,w} F_{c,h,w}                 (N, C, H, W) -> (N, C)
    max:      z_c = max_{h,w}  F_{c,h,w}                 (N, C, H, W) -> (N, C)
    avg+max:  z = [mean; max], concatenated             (N, C, H, W) -> (N, 2C)

The seed article's network (and most CNNs) use the average. When the object is small, its
features barely move the average but set the maximum, so a max-pooled head is a control
that any attention module pooling with max must be compared against (chapter 4).
"""

from __future__ import annotations

import torch
from torch import nn

#: The heads :class:`GlobalPool` offers, by name.
HEADS = ("avg", "max", "avg+max")


class GlobalPool(nn.Module):
    """Pool a feature map over its positions: ``"avg"``, ``"max"`` or both concatenated (``"avg+max"``).

    ``features(C)`` gives the width of the output for C input channels (2C for ``"avg+max"``).
    """

    def __init__(self, mode: str = "avg"):
        super().__init__()
        if mode not in HEADS:
            raise ValueError(f"GlobalPool: unknown head {mode!r}. Use one of {', '.join(map(repr, HEADS))}.")
        self.mode = mode

    def features(self, channels: int) -> int:
        return 2 * channels if self.mode == "avg+max" else channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "avg":
            return x.mean((2, 3))  # (N, C, H, W) -> (N, C)
        if self.mode == "max":
            return x.amax((2, 3))
        return torch.cat([x.mean((2, 3)), x.amax((2, 3))], dim=1)  # -> (N, 2C)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"
