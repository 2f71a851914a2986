"""Two fast paths for the paper's CBAM block: a hand-written backward pass, and torch.compile.

A CBAM block's cost is memory traffic, not arithmetic: its MLP and k x k convolution act on pooled
maps that are C or H*W times smaller than the input, while every element-wise step reads and writes
whole feature maps. Autograd keeps several full-size tensors of the eager block alive until backward
(about 4x the input's size, counted by :func:`cbam_lessons.benchmark.saved_bytes`) and allocates a
fresh full-size tensor for nearly every step of the backward pass.

- :class:`FastCBAMBlock` keeps only the input x and the small pooled maps and gates (about 1.05x),
  recomputes F' = x * M in backward and reuses one full-size buffer there. Plain PyTorch: no compiler.
- :class:`CompiledCBAMBlock` (:func:`compile_cbam`) hands the block's function to ``torch.compile``,
  which fuses its element-wise steps and reductions into a few generated loops and also recomputes
  instead of keeping. It needs a C++ compiler on a CPU (Triton on a GPU), and compiles once per shape.

How much each saves depends on the shapes and the machine: `make bench` and chapter 9 measure it.

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

import functools

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


def _refine(x: torch.Tensor, w0: torch.Tensor, w1: torch.Tensor, kernel: torch.Tensor):
    """The paper's block up to its last multiplication: F' and the pooled maps and gates.

    The same function as :class:`CBAMBlock`, written on raw weights: the MLP as two matrix products
    with both pools in one batch, not four 1x1 convolutions, which cost more than their arithmetic.
    """
    a = x.mean(dim=(2, 3))  # (N, C)
    m = x.amax(dim=(2, 3))  # (N, C)
    mc = torch.sigmoid(_channel_logits(a, m, w0, w1))[:, :, None, None]  # (N, C, 1, 1)
    f1 = x * mc  # F' (N, C, H, W)
    pooled = torch.cat([f1.mean(dim=1, keepdim=True), f1.amax(dim=1, keepdim=True)], dim=1)  # (N, 2, H, W)
    ms = torch.sigmoid(F.conv2d(pooled, kernel, padding=kernel.shape[-1] // 2))  # (N, 1, H, W)
    return f1, (a, m, mc, pooled, ms)


def _cbam(x: torch.Tensor, w0: torch.Tensor, w1: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """F'' = Ms(F') * F': the function :class:`CompiledCBAMBlock` hands to torch.compile."""
    f1, (*_, ms) = _refine(x, w0, w1, kernel)
    return f1 * ms


@functools.cache
def _compiled_cbam():
    return torch.compile(_cbam)  # created on first use: importing the compiler takes a moment


class _CBAMFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w0, w1, kernel):
        f1, (a, m, mc, pooled, ms) = _refine(x, w0, w1, kernel)
        ctx.save_for_backward(x, w0, w1, kernel, a, m, mc, pooled, ms)  # x is the only full-size tensor
        return f1.mul_(ms)  # F'' = Ms(F') * F', written over F'

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        x, w0, w1, kernel, a, m, mc, pooled, ms = ctx.saved_tensors
        n, c, h, w = x.shape
        g = g.contiguous()
        # One full-size buffer serves in turn as F', G * F', dL/dF' and dL/dx: every fresh full-size
        # tensor costs an allocation and, on a CPU, page faults, often more than the arithmetic.
        buf = x * mc  # F', recomputed: one pass instead of keeping it alive since forward
        at_channel_max = buf == pooled[:, 1:]  # (N, C, H, W) bool, where F' is the max over C

        # Spatial gate. dL/dP = sum over C of G * F'; then the sigmoid and the k x k convolution,
        # on (N, 2, H, W) maps. The convolution's input gradient is a convolution with the flipped
        # kernel, much faster on a CPU than the transposed convolution autograd would run.
        grad_ms = buf.mul_(g).sum(dim=1, keepdim=True)  # (N, 1, H, W)
        grad_logits = grad_ms * ms * (1 - ms)
        padding = kernel.shape[-1] // 2
        grad_pooled = F.conv2d(grad_logits, kernel.flip(-1, -2).transpose(0, 1), padding=padding)  # (N, 2, H, W)
        grad_kernel = torch.nn.grad.conv2d_weight(pooled, kernel.shape, grad_logits, padding=padding)
        grad_avg, grad_max = grad_pooled[:, :1], grad_pooled[:, 1:]

        # dL/dF' = G * P + dL/d(mean over C) / C + dL/d(max over C) split between tied maxima.
        torch.addcmul(grad_avg / c, g, ms, out=buf)
        buf.addcmul_(at_channel_max, grad_max / at_channel_max.sum(dim=1, keepdim=True))
        del at_channel_max
        grad_mc = torch.bmm(buf.view(n * c, 1, h * w), x.view(n * c, h * w, 1)).view(n, c)  # sum over HW

        # Channel gate: the sigmoid and the shared MLP act on (N, C) vectors; autograd does them.
        with torch.enable_grad():
            inputs = [t.detach().requires_grad_() for t in (a, m, w0, w1)]
            gate = torch.sigmoid(_channel_logits(*inputs))
            grad_a, grad_m, grad_w0, grad_w1 = torch.autograd.grad(gate, inputs, grad_mc)

        # dL/dx = M * dL/dF' + dL/d(mean over HW) / HW + dL/d(max over HW) split between tied maxima.
        torch.addcmul((grad_a / (h * w))[:, :, None, None], buf, mc, out=buf)
        at_spatial_max = x == m[:, :, None, None]
        buf.addcmul_(at_spatial_max, (grad_m / at_spatial_max.sum(dim=(2, 3)))[:, :, None, None])
        return buf, grad_w0, grad_w1, grad_kernel


class _PaperBlock(CBAMBlock):
    """A :class:`CBAMBlock` with the paper's arrangement and options only, computed by ``_run``."""

    def __init__(self, in_channels: int, ratio: int = 16, kernel_size: int = 7):
        super().__init__(in_channels, ratio, kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _validate.feature_map(type(self).__name__, x, self.in_channels)
        return self._run(x, self.ca.fc1.weight, self.ca.fc2.weight, self.sa.conv1.weight)


class FastCBAMBlock(_PaperBlock):
    """:class:`CBAMBlock` (channel then spatial) with a hand-written backward pass.

    Same constructor, parameters and state_dict keys as the eager block, so weights move freely
    between the two; the forward result is the same up to float rounding. Only the paper's
    arrangement and options are supported.
    """

    @staticmethod
    def _run(x, w0, w1, kernel):
        return _CBAMFunction.apply(x.contiguous(), w0, w1, kernel)  # the backward uses flattened views


class CompiledCBAMBlock(_PaperBlock):
    """:class:`CBAMBlock` (channel then spatial) as one function compiled by ``torch.compile``.

    Same constructor, parameters and state_dict keys as the eager block; outputs and gradients are
    the same up to float rounding. The first call with each new input shape compiles (seconds on a
    CPU, where a C++ compiler is needed). Only the paper's arrangement and options are supported.
    """

    @staticmethod
    def _run(x, w0, w1, kernel):
        return _compiled_cbam()(x, w0, w1, kernel)


def use_fast_cbam(model: nn.Module) -> nn.Module:
    """Switch every paper-style :class:`CBAMBlock` in ``model`` to :class:`FastCBAMBlock`, in place.

    The weights stay where they are (the classes share their parameters and keys); blocks with
    another arrangement or ablation options keep the eager implementation. Returns ``model``.
    """
    _switch_paper_blocks(model, FastCBAMBlock)
    return model


def compile_cbam(model: nn.Module) -> nn.Module:
    """Switch every paper-style :class:`CBAMBlock` in ``model`` to :class:`CompiledCBAMBlock`, in place.

    Only the blocks are compiled: the rest of the network stays eager, and parameters and state_dict
    keys do not change. Blocks with another arrangement or ablation options stay eager. Returns ``model``.
    Raises ``torch._dynamo.config.recompile_limit`` (process-wide) by 4 per switched block.
    """
    switched = _switch_paper_blocks(model, CompiledCBAMBlock)
    # All blocks share one compiled function, and dynamo keeps its versions (one per input shape) in a
    # single cache of `recompile_limit` entries, 8 by default; past it, further blocks silently run
    # eager. Make room for a few shapes per block.
    torch._dynamo.config.recompile_limit += 4 * switched
    return model


def _switch_paper_blocks(model: nn.Module, cls: type[_PaperBlock]) -> int:
    """Give every eager paper-style block in ``model`` the class ``cls``; returns how many."""
    blocks = [module for module in model.modules() if type(module) is CBAMBlock and _is_paper_block(module)]
    for block in blocks:
        block.__class__ = cls
    return len(blocks)


def _is_paper_block(block: CBAMBlock) -> bool:
    return (
        block.arrangement == "channel-spatial"
        and block.ca.pools == ("avg", "max")
        and block.sa.compress == "pool"
    )
