"""CBAM inside torchvision's ResNets, where the paper puts it: on the residual branch, before the addition.

    BasicBlock:  y = ReLU( shortcut(x) + CBAM(BN2(conv2(ReLU(BN1(conv1(x)))))) )
    Bottleneck:  y = ReLU( shortcut(x) + CBAM(BN3(conv3(...))) )

:func:`add_cbam` converts every block of any torchvision ResNet (resnet18 ... resnet152,
wide and ResNeXt variants) in place. The original state_dict keys are unchanged and each
block gains ``cbam.*`` keys, so ImageNet weights load with ``strict=False`` and only the
CBAM weights start fresh.
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

from .cbam_block import CBAMBlock


def _add(block: nn.Module, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The end of every residual block: refine the branch with CBAM, add the shortcut, ReLU."""
    identity = x if block.downsample is None else block.downsample(x)
    return block.relu(block.cbam(out) + identity)


class CBAMBasicBlock(BasicBlock):
    """torchvision's BasicBlock with ``cbam`` applied after ``bn2``, before the addition."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return _add(self, self.bn2(self.conv2(out)), x)


class CBAMBottleneck(Bottleneck):
    """torchvision's Bottleneck with ``cbam`` applied after ``bn3``, before the addition."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return _add(self, self.bn3(self.conv3(out)), x)


_CONVERTED = {BasicBlock: (CBAMBasicBlock, "bn2"), Bottleneck: (CBAMBottleneck, "bn3")}


def add_cbam(model: ResNet, ratio: int = 16, kernel_size: int = 7) -> ResNet:
    """Insert a :class:`CBAMBlock` into every residual block of a torchvision ResNet, in place.

    Returns the same model. Raises ValueError for a model that is not a torchvision ResNet
    or that already has CBAM.
    """
    if not isinstance(model, ResNet):
        raise ValueError(f"add_cbam: expected a torchvision ResNet (e.g. torchvision.models.resnet18()), got {type(model).__name__}.")
    blocks = [m for m in model.modules() if isinstance(m, (BasicBlock, Bottleneck))]
    if any(isinstance(m, (CBAMBasicBlock, CBAMBottleneck)) for m in blocks):
        raise ValueError("add_cbam: this ResNet already has CBAM blocks; call add_cbam once per model.")
    # Build every CBAM block first, so that bad arguments leave the model untouched.
    plans = []
    for block in blocks:
        cls, last_bn = _CONVERTED[type(block)]
        bn = getattr(block, last_bn)
        plans.append((block, cls, CBAMBlock(bn.num_features, ratio, kernel_size).to(bn.weight.device)))
    for block, cls, cbam in plans:
        block.cbam = cbam
        block.__class__ = cls
    return model
