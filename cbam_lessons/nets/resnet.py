"""CBAM inside ResNets built from torchvision's blocks, where the paper puts it or elsewhere.

The paper (Fig. 3) puts CBAM on the residual branch, after its last BatchNorm, before the addition:

    "branch"     y = ReLU( shortcut(x) + CBAM(B(x)) )        B(x) = BN2(conv2(ReLU(BN1(conv1(x)))))

For the placement comparison (chapter 10) two other positions are available:

    "after-add"  y = CBAM( ReLU( shortcut(x) + B(x) ) )     = nn.Sequential(block, CBAM): the block's output
    "shortcut"   y = ReLU( CBAM(shortcut(x)) + B(x) )

(Bottleneck blocks: B ends with BN3(conv3(...)).) :func:`add_cbam` converts the blocks of any
torchvision ResNet (resnet18 ... resnet152, wide and ResNeXt variants) or
:class:`~cbam_lessons.nets.cifar_resnet.CifarResNet` in place, in every stage or only in some. The
original state_dict keys are unchanged and each converted block gains ``cbam.*`` keys, so
pretrained weights load with ``strict=False`` and only the attention weights start fresh.
``attention="se"`` inserts a squeeze-and-excitation gate instead (CBAM's channel gate with average
pooling only), under the same key ``cbam``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck

from ..cbam_block import CBAMBlock

#: Where :func:`add_cbam` can put the attention module in a residual block.
PLACEMENTS = ("branch", "after-add", "shortcut")
#: Which module :func:`add_cbam` inserts.
ATTENTIONS = ("cbam", "se")


def _add(block: nn.Module, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The end of every residual block: attention where the block's placement says, the addition, ReLU."""
    identity = x if block.downsample is None else block.downsample(x)
    placement = block.cbam_placement
    if placement == "branch":
        return block.relu(block.cbam(out) + identity)
    if placement == "shortcut":
        return block.relu(out + block.cbam(identity))
    return block.cbam(block.relu(out + identity))  # "after-add"


class CBAMBasicBlock(BasicBlock):
    """torchvision's BasicBlock with ``cbam`` at ``cbam_placement`` (default: after ``bn2``, before the addition)."""

    cbam_placement = "branch"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return _add(self, self.bn2(self.conv2(out)), x)


class CBAMBottleneck(Bottleneck):
    """torchvision's Bottleneck with ``cbam`` at ``cbam_placement`` (default: after ``bn3``, before the addition)."""

    cbam_placement = "branch"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return _add(self, self.bn3(self.conv3(out)), x)


_CONVERTED = {BasicBlock: (CBAMBasicBlock, "bn2"), Bottleneck: (CBAMBottleneck, "bn3")}


def _blocks(model: nn.Module, stages: Sequence[int] | None) -> list[nn.Module]:
    """The residual blocks of ``model`` (in the stages ``layer{i}`` for i in ``stages``, if given)."""
    if stages is None:
        return [m for m in model.modules() if isinstance(m, (BasicBlock, Bottleneck))]
    available = [i for i in range(1, 10) if isinstance(getattr(model, f"layer{i}", None), nn.Module)]
    if isinstance(stages, (str, int)) or not stages or any(i not in available for i in stages):
        raise ValueError(
            f"add_cbam: stages must be a non-empty tuple of stage numbers from {tuple(available)}, got {stages!r}. "
            f"Use e.g. stages=({available[-1] if available else 1},) for the last stage only, or stages=None for all."
        )
    return [m for i in sorted(set(stages)) for m in getattr(model, f"layer{i}").modules()
            if isinstance(m, (BasicBlock, Bottleneck))]


def add_cbam(
    model: nn.Module,
    ratio: int = 16,
    kernel_size: int = 7,
    *,
    placement: str = "branch",
    stages: Sequence[int] | None = None,
    attention: str = "cbam",
) -> nn.Module:
    """Insert an attention module into the residual blocks of a ResNet, in place, and return the model.

    Args:
        model: a torchvision ResNet or any model made of torchvision's BasicBlock / Bottleneck
            (e.g. :class:`~cbam_lessons.nets.cifar_resnet.CifarResNet`).
        ratio, kernel_size: passed to each :class:`CBAMBlock`.
        placement: ``"branch"`` (the paper's), ``"after-add"`` or ``"shortcut"``, see the module docstring.
        stages: stage numbers (``layer1`` is 1) whose blocks get attention; ``None``: every block.
        attention: ``"cbam"`` or ``"se"`` (``CBAMBlock(arrangement="channel", channel_pools=("avg",))``).

    Raises ValueError for a model without such blocks, one that already has attention, or a bad
    option; a bad argument leaves the model untouched.
    """
    for name, value, allowed in (("placement", placement, PLACEMENTS), ("attention", attention, ATTENTIONS)):
        if value not in allowed:
            raise ValueError(f"add_cbam: unknown {name} {value!r}. Use one of {', '.join(map(repr, allowed))}.")
    if not isinstance(model, nn.Module) or not any(isinstance(m, (BasicBlock, Bottleneck)) for m in model.modules()):
        raise ValueError(
            f"add_cbam: expected a torchvision ResNet (e.g. torchvision.models.resnet18()) or a CifarResNet, "
            f"got {type(model).__name__}, which has no BasicBlock or Bottleneck."
        )
    if any(isinstance(m, (CBAMBasicBlock, CBAMBottleneck)) for m in model.modules()):
        raise ValueError("add_cbam: this ResNet already has CBAM blocks; call add_cbam once per model.")
    options = dict(arrangement="channel", channel_pools=("avg",)) if attention == "se" else {}
    # Build every attention module first, so that bad arguments leave the model untouched.
    plans = []
    for block in _blocks(model, stages):
        cls, last_bn = _CONVERTED[type(block)]
        bn = getattr(block, last_bn)
        plans.append((block, cls, CBAMBlock(bn.num_features, ratio, kernel_size, **options).to(bn.weight.device)))
    for block, cls, cbam in plans:
        block.cbam = cbam
        block.__class__ = cls
        if placement != cls.cbam_placement:
            block.cbam_placement = placement
    return model
