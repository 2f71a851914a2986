"""Channel attention: *which* feature channels matter.

CBAM (Woo et al., ECCV 2018, arXiv:1807.06521), Eq. (2):

    Mc(F) = sigmoid( MLP(AvgPool(F)) + MLP(MaxPool(F)) ),   MLP(z) = W1 ReLU(W0 z)

with W0: C -> C/r and W1: C/r -> C shared by both pooled vectors. The pools are
global (over H and W), so Mc(F) has shape (N, C, 1, 1) and broadcasts over F.
The paper's ablation (Sec. 4.1) also tries each pool alone: ``pools=("avg",)`` is
SE's channel attention, ``pools=("max",)`` its max-pooled twin.
"""

from __future__ import annotations

import torch
from torch import nn

from . import _validate

#: Global pools over H and W: (N, C, H, W) -> (N, C, 1, 1).
_POOLS = {
    "avg": lambda x: x.mean(dim=(2, 3), keepdim=True),
    "max": lambda x: x.amax(dim=(2, 3), keepdim=True),
}


class ChannelAttention(nn.Module):
    """Channel attention map Mc(F) of shape (N, C, 1, 1), values in (0, 1).

    Args:
        in_planes: number of channels C of the input feature map.
        ratio: reduction ratio r; the shared MLP's hidden width is C // r (must be >= 1).
        pools: the global pools whose MLP outputs are summed, any non-empty subset of
            ``("avg", "max")``; the paper's default uses both.

    The MLP is two bias-free 1x1 convolutions, ``fc1`` (C -> C/r) and ``fc2`` (C/r -> C),
    as in the widely copied implementation, so its state_dict keys are ``fc1.weight`` and
    ``fc2.weight``. Pooling uses ``mean``/``amax``: any input size, exportable to ONNX.
    """

    def __init__(self, in_planes: int, ratio: int = 16, *, pools: tuple[str, ...] = ("avg", "max")):
        super().__init__()
        _validate.positive_int("ChannelAttention", "in_planes", in_planes)
        _validate.positive_int("ChannelAttention", "ratio", ratio)
        hidden = _validate.hidden_width("ChannelAttention", in_planes, ratio)
        self.pools = _validate.choices("ChannelAttention", "pools", pools, _POOLS)
        self.in_planes = in_planes
        self.fc1 = nn.Conv2d(in_planes, hidden, 1, bias=False)  # W0
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Conv2d(hidden, in_planes, 1, bias=False)  # W1
        self.sigmoid = nn.Sigmoid()

    def mlp(self, z: torch.Tensor) -> torch.Tensor:
        """The shared MLP W1 ReLU(W0 z): (N, C, 1, 1) -> (N, C, 1, 1)."""
        return self.fc2(self.relu1(self.fc1(z)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _validate.feature_map("ChannelAttention", x, self.in_planes)
        pooled = [_POOLS[p](x) for p in self.pools]  # each (N, C, H, W) -> (N, C, 1, 1)
        return self.sigmoid(sum(self.mlp(z) for z in pooled))  # MLP(avg) + MLP(max): (N, C, 1, 1)

    def extra_repr(self) -> str:
        pools = "" if self.pools == ("avg", "max") else f", pools={self.pools}"  # only when not the paper's
        return f"in_planes={self.in_planes}, hidden={self.fc1.out_channels}{pools}"
