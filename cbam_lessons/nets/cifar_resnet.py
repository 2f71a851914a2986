"""A ResNet for 32x32 images, built from torchvision's BasicBlock.

He et al. (CVPR 2016, Sec. 4.2) and the official CBAM code train CIFAR ResNets with a 3x3 stem
convolution and no max-pool, because an ImageNet stem (7x7 stride 2, then a stride-2 max-pool)
shrinks a 32x32 image to 8x8 before the first block and to 1x1 by the last stage:

    conv 3x3 (stride s) -> BN -> ReLU -> stage 1 -> ... -> stage K -> global average -> fc
    stage i: depths[i] BasicBlocks of widths[i] channels, the first with stride 2 (except stage 1)

With the defaults (widths 64-512, two blocks per stage) this is the usual "CIFAR ResNet-18". The
book trains narrow versions on a CPU. Stages are ``layer1``..``layerK`` and blocks keep
torchvision's names, so :func:`cbam_lessons.nets.resnet.add_cbam` converts it like any torchvision ResNet.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, conv1x1

from .. import _validate


class CifarResNet(nn.Module):
    """ResNet with a 3x3 stem for small images: (N, 3, 32, 32) -> (N, num_classes).

    Args:
        num_classes: number of output logits.
        widths: channels of each stage (one entry per stage).
        depths: BasicBlocks per stage, as many entries as ``widths``.
        stem_stride: stride of the stem convolution; 1 is the CIFAR ResNet, 2 quarters the cost of
            stage 1 (used where a CPU must train many of them).
        in_channels: channels of the input images.
    """

    def __init__(
        self,
        num_classes: int = 10,
        *,
        widths: Sequence[int] = (64, 128, 256, 512),
        depths: Sequence[int] = (2, 2, 2, 2),
        stem_stride: int = 1,
        in_channels: int = 3,
    ):
        super().__init__()
        name = type(self).__name__
        _validate.positive_int(name, "num_classes", num_classes)
        _validate.positive_int(name, "in_channels", in_channels)
        if len(widths) != len(depths) or not widths:
            raise ValueError(
                f"{name}: widths and depths need one entry per stage, got widths={tuple(widths)!r} and "
                f"depths={tuple(depths)!r}. Use e.g. widths=(16, 32, 64), depths=(1, 1, 1)."
            )
        for value in (*widths, *depths):
            _validate.positive_int(name, "each of widths and depths", value)
        if stem_stride not in (1, 2):
            raise ValueError(f"{name}: stem_stride must be 1 (the CIFAR ResNet) or 2, got {stem_stride!r}.")
        self.in_channels, self.widths, self.depths = in_channels, tuple(widths), tuple(depths)
        self.conv1 = nn.Conv2d(in_channels, widths[0], kernel_size=3, stride=stem_stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        channels = widths[0]
        for i, (width, depth) in enumerate(zip(widths, depths), start=1):
            stride = 1 if i == 1 else 2
            blocks = []
            for b in range(depth):
                downsample = None
                if b == 0 and (stride != 1 or channels != width):
                    downsample = nn.Sequential(conv1x1(channels, width, stride), nn.BatchNorm2d(width))
                blocks.append(BasicBlock(channels, width, stride if b == 0 else 1, downsample))
                channels = width
            setattr(self, f"layer{i}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    @property
    def stages(self) -> list[nn.Sequential]:
        return [getattr(self, f"layer{i}") for i in range(1, len(self.widths) + 1)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _validate.feature_map(type(self).__name__, x, self.in_channels)
        out = self.relu(self.bn1(self.conv1(x)))  # (N, 3, H, W) -> (N, widths[0], H/s, W/s)
        for stage in self.stages:
            out = stage(out)  # each stage after the first halves H and W
        return self.fc(torch.flatten(self.avgpool(out), 1))  # -> (N, widths[-1]) -> (N, num_classes)
