"""The official code's CBAM (Jongchan/attention-module, MODELS/cbam.py), written from its documented structure."""

import torch
import torch.nn.functional as F
from torch import nn


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class BasicConv(nn.Module):  # conv (no bias) + BatchNorm(eps 1e-5, momentum 0.01) + optional ReLU
    def __init__(self, in_planes, out_planes, kernel_size, stride=1, padding=0, relu=True, bn=True, bias=False):
        super().__init__()
        self.conv = nn.Conv2d(in_planes, out_planes, kernel_size, stride=stride, padding=padding, bias=bias)
        self.bn = nn.BatchNorm2d(out_planes, eps=1e-5, momentum=0.01, affine=True) if bn else None
        self.relu = nn.ReLU() if relu else None

    def forward(self, x):
        x = self.conv(x)
        x = self.bn(x) if self.bn is not None else x
        return self.relu(x) if self.relu is not None else x


class ChannelGate(nn.Module):  # Linear with biases, returns x * scale
    def __init__(self, gate_channels, reduction_ratio=16, pool_types=["avg", "max"]):
        super().__init__()
        hidden = gate_channels // reduction_ratio
        self.mlp = nn.Sequential(Flatten(), nn.Linear(gate_channels, hidden), nn.ReLU(),
                                 nn.Linear(hidden, gate_channels))
        self.pool_types = pool_types

    def forward(self, x):
        total = None
        for kind in self.pool_types:
            size = (x.size(2), x.size(3))
            pooled = F.avg_pool2d(x, size, stride=size) if kind == "avg" else F.max_pool2d(x, size, stride=size)
            total = self.mlp(pooled) if total is None else total + self.mlp(pooled)
        return x * torch.sigmoid(total).unsqueeze(2).unsqueeze(3).expand_as(x)


class ChannelPool(nn.Module):  # [max; mean]
    def forward(self, x):
        return torch.cat((torch.max(x, 1)[0].unsqueeze(1), torch.mean(x, 1).unsqueeze(1)), dim=1)


class SpatialGate(nn.Module):  # no arguments, kernel 7, BatchNorm, returns x * scale
    def __init__(self):
        super().__init__()
        self.compress = ChannelPool()
        self.spatial = BasicConv(2, 1, 7, stride=1, padding=3, relu=False)

    def forward(self, x):
        return x * torch.sigmoid(self.spatial(self.compress(x)))


class CBAM(nn.Module):
    def __init__(self, gate_channels, reduction_ratio=16, pool_types=["avg", "max"], no_spatial=False):
        super().__init__()
        self.ChannelGate = ChannelGate(gate_channels, reduction_ratio, pool_types)
        self.no_spatial = no_spatial
        if not no_spatial:
            self.SpatialGate = SpatialGate()

    def forward(self, x):
        out = self.ChannelGate(x)
        return out if self.no_spatial else self.SpatialGate(out)
