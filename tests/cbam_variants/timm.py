"""timm's CBAM (timm/layers/cbam.py: ChannelAttn, SpatialAttn, CbamModule), written from its documented layout.

``rd_ratio`` is a fraction (1/16), the hidden width ``make_divisible(channels * rd_ratio, rd_divisor,
round_limit=0.)``: with ``rd_divisor=1`` that rounds C/r to the nearest integer. The spatial gate's convolution is
timm's ConvNormAct(2, 1, k, apply_act=False): a convolution without bias and a BatchNorm, then the gate.
"""

import torch
from torch import nn


def make_divisible(v, divisor=8, min_value=None, round_limit=0.9):
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < round_limit * v:  # do not round down by more than 10 %
        new_v += divisor
    return new_v


def create_act_layer(name, inplace=None):
    return {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[name]() if isinstance(name, str) else name()


class BatchNormAct2d(nn.BatchNorm2d):  # BatchNorm, then an activation (none here)
    def __init__(self, num_features, apply_act=True, act_layer=nn.ReLU, **kwargs):
        super().__init__(num_features, **kwargs)
        self.act = act_layer() if apply_act else nn.Identity()

    def forward(self, x):
        return self.act(super().forward(x))


class ConvNormAct(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=1, stride=1, bias=False, apply_act=True):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding=kernel_size // 2, bias=bias)
        self.bn = BatchNormAct2d(out_channels, apply_act=apply_act)

    def forward(self, x):
        return self.bn(self.conv(x))


class ChannelAttn(nn.Module):
    """Original CBAM channel attention module, avg + max pool."""

    def __init__(self, channels, rd_ratio=1. / 16, rd_channels=None, rd_divisor=1, act_layer=nn.ReLU,
                 gate_layer="sigmoid", mlp_bias=False):
        super().__init__()
        if not rd_channels:
            rd_channels = make_divisible(channels * rd_ratio, rd_divisor, round_limit=0.)
        self.fc1 = nn.Conv2d(channels, rd_channels, 1, bias=mlp_bias)
        self.act = act_layer(inplace=True)
        self.fc2 = nn.Conv2d(rd_channels, channels, 1, bias=mlp_bias)
        self.gate = create_act_layer(gate_layer)

    def forward(self, x):
        x_avg = self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True))))
        x_max = self.fc2(self.act(self.fc1(x.amax((2, 3), keepdim=True))))
        return x * self.gate(x_avg + x_max)


class SpatialAttn(nn.Module):
    """Original CBAM spatial attention module."""

    def __init__(self, kernel_size=7, gate_layer="sigmoid"):
        super().__init__()
        self.conv = ConvNormAct(2, 1, kernel_size, apply_act=False)
        self.gate = create_act_layer(gate_layer)

    def forward(self, x):
        x_attn = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return x * self.gate(self.conv(x_attn))


class CbamModule(nn.Module):
    def __init__(self, channels, rd_ratio=1. / 16, rd_channels=None, rd_divisor=1, spatial_kernel_size=7,
                 act_layer=nn.ReLU, gate_layer="sigmoid", mlp_bias=False):
        super().__init__()
        self.channel = ChannelAttn(channels, rd_ratio=rd_ratio, rd_channels=rd_channels, rd_divisor=rd_divisor,
                                   act_layer=act_layer, gate_layer=gate_layer, mlp_bias=mlp_bias)
        self.spatial = SpatialAttn(spatial_kernel_size, gate_layer=gate_layer)

    def forward(self, x):
        return self.spatial(self.channel(x))
