"""CBAM with a hand-written backward pass: the same function, a third of the memory kept for backward.

A CBAM block's cost is memory traffic, not arithmetic: its MLP and k x k convolution act on pooled
maps that are C or H*W times smaller than the input. Autograd keeps several full-size tensors of the
eager block alive until backward (about 4x the input's size, counted by
:func:`cbam_lessons.benchmark.saved_bytes`); this block keeps only the input x and the small pooled
maps and gates (about 1.05x), and recomputes F' = x * M in backward. Whether it is also faster depends
on the shapes and the machine: `make bench` and chapter 9 measure it.

With M = Mc(x) (N, C, 1, 1) and P = Ms(x * M) (N, 1, H, W), the block is out = x * M * P. For an
upstream gradient g:

    dL/dP = sum_c g * x * M                 dL/dM = sum_hw dL/dF' * x
    dL/dF' = g * P + d_avg / C + (d_max split between the channel maxima)
    dL/dx = M * dL/dF' + d_a / (HW) + (d_m split between the spatial maxima)

where d_avg, d_max come from backpropagating dL/dP through the sigmoid and the k x k convolution,
and d_a, d_m from backpropagating dL/dM through the sigmoid and the shared MLP. Max pools split
their gradient evenly between tied maxima, exactly as ``amax`` in the eager block does, so outputs
and gradients equal the eager block's, ties included (tests/test_fast.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

from . import _validate
from .cbam_block import CBAMBlock


def _channel_logits(a: torch.Tensor, m: torch.Tensor, w0: torch.Tensor, w1: torch.Tensor) -> torch.Tensor:
    """MLP(a) + MLP(m) for pooled vectors (N, C), both pools in one batched call: -> (N, C)."""
    hidden = F.relu(torch.cat([a, m]) @ w0.flatten(1).t())  # (2N, C) -> (2N, C/r)
    both = hidden @ w1.flatten(1).t()  # (2N, C)
    return both[: a.shape[0]] + both[a.shape[0] :]


def _max_gradient(x: torch.Tensor, maxima: torch.Tensor, grad: torch.Tensor, dim) -> torch.Tensor:
    """Gradient of amax over ``dim``: ``grad`` split evenly between the tied maxima, 0 elsewhere."""
    at_max = x == maxima
    return torch.where(at_max, grad / at_max.sum(dim=dim, keepdim=True), 0.0)


class _CBAMFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w0, w1, kernel):
        a = x.mean(dim=(2, 3))  # (N, C)
        m = x.amax(dim=(2, 3))  # (N, C)
        mc = torch.sigmoid(_channel_logits(a, m, w0, w1))[:, :, None, None]  # (N, C, 1, 1)
        f1 = x * mc  # F' (N, C, H, W)
        pooled = torch.cat([f1.mean(dim=1, keepdim=True), f1.amax(dim=1, keepdim=True)], dim=1)  # (N, 2, H, W)
        ms = torch.sigmoid(F.conv2d(pooled, kernel, padding=kernel.shape[-1] // 2))  # (N, 1, H, W)
        ctx.save_for_backward(x, w0, w1, kernel, a, m, mc, pooled, ms)  # x is the only full-size tensor
        return f1.mul_(ms)  # F'' = Ms(F') * F', written over F'

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        x, w0, w1, kernel, a, m, mc, pooled, ms = ctx.saved_tensors
        n, c, h, w = x.shape
        f1 = x * mc  # recomputed: one pass instead of keeping it alive since forward

        # Spatial gate. dL/dP = sum over C of g * F'; then the sigmoid and the k x k convolution,
        # on (N, 2, H, W) maps. The convolution's input gradient is a convolution with the flipped
        # kernel, much faster on a CPU than the transposed convolution autograd would run.
        grad_ms = (g * f1).sum(dim=1, keepdim=True)  # (N, 1, H, W)
        grad_logits = grad_ms * ms * (1 - ms)
        padding = kernel.shape[-1] // 2
        grad_pooled = F.conv2d(grad_logits, kernel.flip(-1, -2).transpose(0, 1), padding=padding)  # (N, 2, H, W)
        grad_kernel = torch.nn.grad.conv2d_weight(pooled, kernel.shape, grad_logits, padding=padding)
        grad_avg, grad_max = grad_pooled[:, :1], grad_pooled[:, 1:]

        # dL/dF' = g * P + (mean and max pools' gradients), then F' = x * M gives dL/dM and dL/dx.
        grad_f1 = torch.addcmul(grad_avg / c, g, ms)  # broadcast to (N, C, H, W)
        grad_f1 += _max_gradient(f1, pooled[:, 1:], grad_max, dim=1)
        del f1
        grad_mc = torch.bmm(grad_f1.view(n * c, 1, h * w), x.view(n * c, h * w, 1)).view(n, c)  # sum over HW

        # Channel gate: the sigmoid and the shared MLP act on (N, C) vectors; autograd does them.
        with torch.enable_grad():
            inputs = [t.detach().requires_grad_() for t in (a, m, w0, w1)]
            gate = torch.sigmoid(_channel_logits(*inputs))
            grad_a, grad_m, grad_w0, grad_w1 = torch.autograd.grad(gate, inputs, grad_mc)
        grad_x = torch.addcmul((grad_a / (h * w))[:, :, None, None], grad_f1, mc)  # M * dL/dF' + mean pool's
        grad_x += _max_gradient(x, m[:, :, None, None], grad_m[:, :, None, None], dim=(2, 3))
        return grad_x, grad_w0, grad_w1, grad_kernel


class FastCBAMBlock(CBAMBlock):
    """:class:`CBAMBlock` (channel then spatial) with a hand-written backward pass.

    Same constructor, parameters and state_dict keys as the eager block, so weights move freely
    between the two; the forward result is the same up to float rounding. Only the paper's
    arrangement and options are supported.
    """

    def __init__(self, in_channels: int, ratio: int = 16, kernel_size: int = 7):
        super().__init__(in_channels, ratio, kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not x.is_contiguous():
            x = x.contiguous()  # the backward indexes flattened views
        _validate.feature_map("FastCBAMBlock", x, self.in_channels)
        return _CBAMFunction.apply(x, self.ca.fc1.weight, self.ca.fc2.weight, self.sa.conv1.weight)


def use_fast_cbam(model: nn.Module) -> nn.Module:
    """Switch every paper-style :class:`CBAMBlock` in ``model`` to :class:`FastCBAMBlock`, in place.

    The weights stay where they are (the two classes share their parameters and keys); blocks with
    another arrangement or ablation options keep the eager implementation. Returns ``model``.
    """
    for module in model.modules():
        if type(module) is CBAMBlock and _is_paper_block(module):
            module.__class__ = FastCBAMBlock
    return model


def _is_paper_block(block: CBAMBlock) -> bool:
    return (
        block.arrangement == "channel-spatial"
        and block.ca.pools == ("avg", "max")
        and block.sa.compress == "pool"
    )
