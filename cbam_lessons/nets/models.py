"""Small image classifiers: the seed article's CBAMModel and the controls it is compared with.

Three stages of conv(3x3, stride 2) -> BatchNorm -> ReLU -> attention, then global
pooling and a linear classifier. With the default widths a 32x32 image becomes
(64, 16, 16) -> (128, 8, 8) -> (256, 4, 4) -> 256 features -> logits.

All models are one class, :class:`CBAMModel`, with different options:

- :class:`PlainModel`: no attention; its ``head`` pools with ``"avg"`` (the seed's), ``"max"`` or
  ``"avg+max"``, to separate what attention adds from what max pooling adds.
- :class:`SEModel`: the squeeze-and-excitation gate (Hu et al., CVPR 2018), i.e. CBAM's channel
  gate with average pooling only, the paper's main comparison.
- :func:`matched_plain_model`: a plain model widened until its parameter count matches a
  reference model's, to separate what attention adds from what more parameters add.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .. import _validate
from ..cbam_block import CBAMBlock
from .pooling_head import GlobalPool


class CBAMModel(nn.Module):
    """The seed article's classifier with a CBAM block after each stage.

    Args:
        num_classes: number of output logits.
        in_channels: channels of the input images (3 for RGB).
        widths: channels of the three stages; the seed uses (64, 128, 256).
        ratio, kernel_size, arrangement, channel_pools, spatial_compress: passed to every
            :class:`CBAMBlock` (the last three select the variants of the paper's ablations).
        head: the global pooling before ``fc``: ``"avg"`` (the seed's), ``"max"`` or ``"avg+max"``
            (see :class:`~cbam_lessons.nets.pooling_head.GlobalPool`).

    With the defaults the state_dict keys are exactly the seed's
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
        head: str = "avg",
    ):
        super().__init__()
        name = type(self).__name__
        _validate.positive_int(name, "num_classes", num_classes)
        _validate.positive_int(name, "in_channels", in_channels)
        if len(widths) != 3:
            raise ValueError(f"{name}: widths must give 3 stage widths, got {tuple(widths)!r}. Use e.g. (64, 128, 256).")
        for w in widths:
            _validate.positive_int(name, "each of widths", w)
        self.in_channels, self.num_classes, self.widths = in_channels, num_classes, tuple(widths)
        c1, c2, c3 = widths
        attention = dict(
            ratio=ratio,
            kernel_size=kernel_size,
            arrangement=arrangement,
            channel_pools=channel_pools,
            spatial_compress=spatial_compress,
        )
        # The backbone draws its random initial weights first and the attention after it, so that models
        # built with the same seed share every layer they have in common (plain, SE and CBAM alike).
        convs = [nn.Conv2d(c_in, c_out, kernel_size=3, stride=2, padding=1, bias=False)
                 for c_in, c_out in zip((in_channels, c1, c2), widths)]
        pool = GlobalPool(head)
        fc = nn.Linear(pool.features(c3), num_classes)
        gates = [self.make_attention(c, **attention) for c in widths]
        # Registered in the seed's order, so the state_dict lists conv1, bn1, cbam1, conv2, ... as the seed does.
        self.conv1, self.bn1, self.cbam1 = convs[0], nn.BatchNorm2d(c1), gates[0]
        self.conv2, self.bn2, self.cbam2 = convs[1], nn.BatchNorm2d(c2), gates[1]
        self.conv3, self.bn3, self.cbam3 = convs[2], nn.BatchNorm2d(c3), gates[2]
        self.pool, self.fc = pool, fc

    def make_attention(self, channels: int, **kwargs) -> nn.Module:
        """The module applied after each stage: a :class:`CBAMBlock` here."""
        return CBAMBlock(channels, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _validate.feature_map(type(self).__name__, x, self.in_channels)
        out = self.cbam1(F.relu(self.bn1(self.conv1(x))))  # (N, 3, H, W) -> (N, c1, H/2, W/2)
        out = self.cbam2(F.relu(self.bn2(self.conv2(out))))  # -> (N, c2, H/4, W/4)
        out = self.cbam3(F.relu(self.bn3(self.conv3(out))))  # -> (N, c3, H/8, W/8)
        return self.fc(self.pool(out))  # -> (N, c3), or (N, 2 c3) for "avg+max" -> (N, num_classes)


class PlainModel(CBAMModel):
    """CBAMModel's backbone without attention: the baseline to compare against.

    Same convolutions, BatchNorms and classifier; ``cbam1``..``cbam3`` are ``nn.Identity``.
    ``head="max"`` or ``"avg+max"`` gives the classifier the max-pooled summary that CBAM's
    gates see, without any attention.
    """

    def __init__(
        self, num_classes: int = 10, *, in_channels: int = 3, widths: Sequence[int] = (64, 128, 256), head: str = "avg"
    ):
        super().__init__(num_classes, in_channels=in_channels, widths=widths, head=head)

    def make_attention(self, channels: int, **kwargs) -> nn.Module:
        return nn.Identity()


class SEModel(CBAMModel):
    """CBAMModel with squeeze-and-excitation gates: Mc(F) = sigmoid(MLP(AvgPool(F))), F' = Mc(F) ⊗ F.

    SE (Hu, Shen and Sun, CVPR 2018) is the channel gate CBAM extends: the same shared MLP with
    reduction ratio r, average pooling only, and no spatial gate. Its blocks are
    ``CBAMBlock(arrangement="channel", channel_pools=("avg",))``, so the keys are ``cbam1.ca.fc1``, ...
    """

    def __init__(
        self,
        num_classes: int = 10,
        *,
        in_channels: int = 3,
        widths: Sequence[int] = (64, 128, 256),
        ratio: int = 16,
        head: str = "avg",
    ):
        super().__init__(
            num_classes, in_channels=in_channels, widths=widths, ratio=ratio, arrangement="channel",
            channel_pools=("avg",), head=head,
        )


def parameter_count(model: nn.Module) -> int:
    """Number of learnable parameters."""
    return sum(p.numel() for p in model.parameters())


def matched_plain_model(reference: CBAMModel, *, tolerance: float = 0.02, head: str = "avg") -> PlainModel:
    """A PlainModel whose stages are widened by one common factor until it has as many parameters as
    ``reference`` (within ``tolerance``, relative), with the reference's classes and input channels.

    The closest match over factors 1.000, 1.005, ..., 2.000 (widths rounded) is returned; its widths
    are in ``.widths``. Raises ValueError when no factor comes within ``tolerance``.
    """
    if not isinstance(reference, CBAMModel):
        raise ValueError(
            f"matched_plain_model: reference must be a CBAMModel (or SEModel, PlainModel), got "
            f"{type(reference).__name__}. Pass the model whose parameter count the plain model should match."
        )
    if not 0 < tolerance < 1:
        raise ValueError(f"matched_plain_model: tolerance must be in (0, 1), got {tolerance!r}. Use e.g. 0.02 (2 %).")
    target = parameter_count(reference)

    def plain(factor: float) -> PlainModel:
        widths = tuple(max(1, round(w * factor)) for w in reference.widths)
        return PlainModel(reference.num_classes, in_channels=reference.in_channels, widths=widths, head=head)

    with torch.random.fork_rng(devices=[]):  # the 201 probes leave the random stream where they found it
        best = min((plain(1 + k / 200) for k in range(201)), key=lambda m: abs(parameter_count(m) - target))
    best = PlainModel(reference.num_classes, in_channels=reference.in_channels, widths=best.widths, head=head)
    if abs(parameter_count(best) - target) > tolerance * target:
        raise ValueError(
            f"matched_plain_model: no widening of widths {reference.widths} gives {target:,d} parameters "
            f"within {tolerance:.0%} (closest: {parameter_count(best):,d} with widths {best.widths}). "
            f"Raise tolerance or use a reference with at least as many parameters as the plain model."
        )
    return best
