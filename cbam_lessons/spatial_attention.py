"""Spatial attention: *where* in the feature map to look.

CBAM (Woo et al., ECCV 2018, arXiv:1807.06521), Eq. (3):

    Ms(F) = sigmoid( f^{k x k}( [AvgPool_c(F); MaxPool_c(F)] ) )

The pools run across channels, giving two (N, 1, H, W) maps; a k x k convolution
(k = 7 in the paper) with padding k // 2 turns them into one map of the same size.
The paper's ablation (Sec. 4.1) compares this channel pooling with a learned
1x1 convolution that reduces the C channels to one map: ``compress="conv"``.
"""

from __future__ import annotations

import torch
from torch import nn

from . import _validate


class SpatialAttention(nn.Module):
    """Spatial attention map Ms(F) of shape (N, 1, H, W), values in (0, 1).

    Args:
        kernel_size: any positive odd size k; padding is k // 2 so H and W are kept.
        compress: how the channels become the convolution's input: ``"pool"`` (the paper's
            [mean; max] across channels) or ``"conv"`` (a learned 1x1 convolution C -> 1).
        in_channels: C; required for ``compress="conv"``, optional otherwise (when given,
            inputs with another channel count are rejected).

    The convolution is ``conv1`` (2 -> 1 channels, no bias); its input channels are
    ordered [mean; max] as in the paper's equation. With ``compress="conv"`` it has one
    input channel and is preceded by ``reduce`` (C -> 1, no bias).
    """

    def __init__(self, kernel_size: int = 7, *, compress: str = "pool", in_channels: int | None = None):
        super().__init__()
        _validate.odd_kernel_size("SpatialAttention", kernel_size)
        if compress not in ("pool", "conv"):
            raise ValueError(
                f"SpatialAttention: compress must be 'pool' or 'conv', got {compress!r}. "
                "Use 'pool' for the paper's [mean; max] channel pooling."
            )
        if in_channels is not None:
            _validate.positive_int("SpatialAttention", "in_channels", in_channels)
        elif compress == "conv":
            raise ValueError(
                "SpatialAttention: compress='conv' learns a 1x1 convolution over the channels, so it "
                "needs in_channels. Pass in_channels=C, the channel count of the feature map."
            )
        self.in_channels = in_channels
        self.compress = compress
        if compress == "conv":
            self.reduce = nn.Conv2d(in_channels, 1, 1, bias=False)
        self.conv1 = nn.Conv2d(2 if compress == "pool" else 1, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _validate.feature_map("SpatialAttention", x, self.in_channels)
        if self.compress == "conv":
            pooled = self.reduce(x)  # (N, C, H, W) -> (N, 1, H, W)
        else:
            avg = x.mean(dim=1, keepdim=True)  # (N, C, H, W) -> (N, 1, H, W)
            mx = x.amax(dim=1, keepdim=True)  # (N, C, H, W) -> (N, 1, H, W)
            pooled = torch.cat([avg, mx], dim=1)  # (N, 2, H, W)
        return self.sigmoid(self.conv1(pooled))  # (N, 1, H, W)

    def extra_repr(self) -> str:
        return "" if self.compress == "pool" else f"compress={self.compress!r}"  # only when not the paper's
