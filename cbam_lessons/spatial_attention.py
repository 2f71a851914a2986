"""Spatial attention: *where* in the feature map to look.

CBAM (Woo et al., ECCV 2018, arXiv:1807.06521), Eq. (3):

    Ms(F) = sigmoid( f^{k x k}( [AvgPool_c(F); MaxPool_c(F)] ) )

The pools run across channels, giving two (N, 1, H, W) maps; a k x k convolution
(k = 7 in the paper) with padding k // 2 turns them into one map of the same size.
"""

from __future__ import annotations

import torch
from torch import nn

from . import _validate


class SpatialAttention(nn.Module):
    """Spatial attention map Ms(F) of shape (N, 1, H, W), values in (0, 1).

    Args:
        kernel_size: any positive odd size k; padding is k // 2 so H and W are kept.

    The convolution is ``conv1`` (2 -> 1 channels, no bias); its input channels are
    ordered [mean; max] as in the paper's equation.
    """

    def __init__(self, kernel_size: int = 7):
        super().__init__()
        _validate.odd_kernel_size("SpatialAttention", kernel_size)
        self.conv1 = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _validate.feature_map("SpatialAttention", x)
        avg = x.mean(dim=1, keepdim=True)  # (N, C, H, W) -> (N, 1, H, W)
        mx = x.amax(dim=1, keepdim=True)  # (N, C, H, W) -> (N, 1, H, W)
        pooled = torch.cat([avg, mx], dim=1)  # (N, 2, H, W)
        return self.sigmoid(self.conv1(pooled))  # (N, 1, H, W)
