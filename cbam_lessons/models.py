"""Small image classifiers: the seed article's CBAMModel and its attention-free baseline.

Three stages of conv(3x3, stride 2) -> BatchNorm -> ReLU -> attention, then global
average pooling and a linear classifier. With the default widths a 32x32 image
becomes (64, 16, 16) -> (128, 8, 8) -> (256, 4, 4) -> 256 features -> logits.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from . import _validate
from .cbam_block import CBAMBlock


class CBAMModel(nn.Module):
    """The seed article's classifier with a CBAM block after each stage.

    Args:
        num_classes: number of output logits.
        in_channels: channels of the input images (3 for RGB).
        widths: channels of the three stages; the seed uses (64, 128, 256).
        ratio, kernel_size, arrangement, channel_pools, spatial_compress: passed to every
            :class:`CBAMBlock` (the last three select the variants of the paper's ablations).

    With the defaults the modules and state_dict keys are exactly the seed's
    (``conv1``, ``bn1``, ``cbam1.ca.fc1``, ..., ``fc``).
    """

    def __init__(
        self,
        num_classes: int = 10,
        *,
        in_channels: int = 3,
        widths: Sequence[int] = (64, 128, 256),
        ratio: int = 16,
        kernel_size: int = 7,
        arrangement: str = "channel-spatial",
        channel_pools: tuple[str, ...] = ("avg", "max"),
        spatial_compress: str = "pool",
    ):
        super().__init__()
        name = type(self).__name__
        _validate.positive_int(name, "num_classes", num_classes)
        _validate.positive_int(name, "in_channels", in_channels)
        if len(widths) != 3:
            raise ValueError(f"{name}: widths must give 3 stage widths, got {tuple(widths)!r}. Use e.g. (64, 128, 256).")
        for w in widths:
            _validate.positive_int(name, "each of widths", w)
        self.in_channels = in_channels
        c1, c2, c3 = widths
        attention = dict(
            ratio=ratio,
            kernel_size=kernel_size,
            arrangement=arrangement,
            channel_pools=channel_pools,
            spatial_compress=spatial_compress,
        )
        self.conv1 = nn.Conv2d(in_channels, c1, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.cbam1 = self.make_attention(c1, **attention)
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.cbam2 = self.make_attention(c2, **attention)
        self.conv3 = nn.Conv2d(c2, c3, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(c3)
        self.cbam3 = self.make_attention(c3, **attention)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c3, num_classes)

    def make_attention(self, channels: int, **kwargs) -> nn.Module:
        """The module applied after each stage: a :class:`CBAMBlock` here."""
        return CBAMBlock(channels, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _validate.feature_map(type(self).__name__, x, self.in_channels)
        out = self.cbam1(F.relu(self.bn1(self.conv1(x))))  # (N, 3, H, W) -> (N, c1, H/2, W/2)
        out = self.cbam2(F.relu(self.bn2(self.conv2(out))))  # -> (N, c2, H/4, W/4)
        out = self.cbam3(F.relu(self.bn3(self.conv3(out))))  # -> (N, c3, H/8, W/8)
        out = torch.flatten(self.avgpool(out), 1)  # -> (N, c3)
        return self.fc(out)  # -> (N, num_classes)


class PlainModel(CBAMModel):
    """CBAMModel's backbone without attention: the baseline to compare against.

    Same convolutions, BatchNorms and classifier; ``cbam1``..``cbam3`` are ``nn.Identity``.
    """

    def __init__(self, num_classes: int = 10, *, in_channels: int = 3, widths: Sequence[int] = (64, 128, 256)):
        super().__init__(num_classes, in_channels=in_channels, widths=widths)

    def make_attention(self, channels: int, **kwargs) -> nn.Module:
        return nn.Identity()
