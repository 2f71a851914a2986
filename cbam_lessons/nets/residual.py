"""A ResNet basic block with CBAM where the paper puts it: on the residual branch, before the addition.

    y = ReLU( x + CBAM( BN(conv(ReLU(BN(conv(x))))) ) )

The shortcut carries x unchanged; CBAM only rescales what the branch adds to it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import _validate
from ..cbam_block import CBAMBlock


class ResidualCBAMBlock(nn.Module):
    """Basic residual block (two 3x3 convolutions, same width, stride 1) with CBAM on the branch.

    Args:
        channels: input and output channels C.
        ratio, kernel_size: passed to the :class:`CBAMBlock` ``cbam``.
    """

    def __init__(self, channels: int, ratio: int = 16, kernel_size: int = 7):
        super().__init__()
        _validate.positive_int("ResidualCBAMBlock", "channels", channels)
        self.channels = channels
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.cbam = CBAMBlock(channels, ratio, kernel_size)

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        """The residual branch before attention: BN(conv(ReLU(BN(conv(x)))))."""
        return self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _validate.feature_map("ResidualCBAMBlock", x, self.channels)
        return F.relu(x + self.cbam(self.branch(x)))  # (N, C, H, W) -> (N, C, H, W)
