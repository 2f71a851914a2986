"""The Convolutional Block Attention Module: channel attention, then spatial attention.

CBAM (Woo et al., ECCV 2018, arXiv:1807.06521), Eq. (1):

    F'  = Mc(F)  ⊗ F
    F'' = Ms(F') ⊗ F'

⊗ is element-wise multiplication with broadcasting. The block only rescales its
input: it adds nothing to it. (An addition appears only when CBAM sits inside a
residual block, where the block's output is added to the shortcut.)
"""

from __future__ import annotations

import torch
from torch import nn

from . import _validate
from .channel_attention import ChannelAttention
from .spatial_attention import SpatialAttention

#: The arrangements of the paper's ablation (Table 3), plus each gate alone.
ARRANGEMENTS = ("channel-spatial", "spatial-channel", "parallel", "channel", "spatial")


class CBAMBlock(nn.Module):
    """Refine a feature map (N, C, H, W) -> (N, C, H, W) with channel and spatial attention.

    Args:
        in_channels: number of channels C.
        ratio: reduction ratio r of the channel attention's MLP (C // r >= 1).
        kernel_size: odd kernel size of the spatial attention's convolution.
        arrangement: how the two gates are combined:

            - ``"channel-spatial"`` (the paper's CBAM): F'' = Ms(F') ⊗ F', F' = Mc(F) ⊗ F
            - ``"spatial-channel"``: F'' = Mc(F') ⊗ F', F' = Ms(F) ⊗ F
            - ``"parallel"``: both maps computed from F, F'' = Mc(F) ⊗ Ms(F) ⊗ F
            - ``"channel"`` / ``"spatial"``: one gate only, F' = M(F) ⊗ F

        channel_pools: pools of the channel attention, see :class:`ChannelAttention`.
        spatial_compress: ``"pool"`` or ``"conv"``, see :class:`SpatialAttention`.

    Submodules are ``ca`` (:class:`ChannelAttention`) and ``sa`` (:class:`SpatialAttention`);
    a single-gate block has only the one it uses.
    """

    def __init__(
        self,
        in_channels: int,
        ratio: int = 16,
        kernel_size: int = 7,
        *,
        arrangement: str = "channel-spatial",
        channel_pools: tuple[str, ...] = ("avg", "max"),
        spatial_compress: str = "pool",
    ):
        super().__init__()
        if arrangement not in ARRANGEMENTS:
            raise ValueError(
                f"CBAMBlock: unknown arrangement {arrangement!r}. Use one of {', '.join(map(repr, ARRANGEMENTS))}."
            )
        _validate.positive_int("CBAMBlock", "in_channels", in_channels)
        self.in_channels = in_channels
        self.arrangement = arrangement
        if arrangement != "spatial":
            self.ca = ChannelAttention(in_channels, ratio, pools=channel_pools)
        if arrangement != "channel":
            self.sa = SpatialAttention(kernel_size, compress=spatial_compress, in_channels=in_channels)
        # Names of the gates in the order they are applied (sequential arrangements).
        self._order = {"spatial-channel": ("sa", "ca"), "channel": ("ca",), "spatial": ("sa",)}.get(
            arrangement, ("ca", "sa")
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _validate.feature_map("CBAMBlock", x, self.in_channels)
        if self.arrangement == "parallel":
            return x * self.ca(x) * self.sa(x)  # (N,C,H,W) * (N,C,1,1) * (N,1,H,W)
        out = x
        for name in self._order:
            out = out * getattr(self, name)(out)  # multiply by the gate: shape unchanged
        return out

    def extra_repr(self) -> str:
        return f"arrangement={self.arrangement!r}"
