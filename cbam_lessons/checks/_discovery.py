"""Find the CBAM modules inside a whole model, and the settings their own weights imply.

A module counts as a CBAM block or a spatial gate by its weights: exactly one 2 → 1 convolution (1, 2, k, k),
alone (a spatial gate) or with a channel gate's weights, an MLP C → h → C or one C × C 1×1 convolution
(Ultralytics'). A channel gate's weights alone look like squeeze-and-excitation, so a channel gate counts only
by its class's name: ``cbam`` in it (a block), or ``channel`` or ``spatial`` with ``att`` or ``gate``
(``ChannelAttention``, ``SpatialGate``, …). PyTorch's own layers never count. The search stops at each module
it finds (its gates are checked as part of it), and a module that counts only by its name but holds modules
that count is searched further instead (``CBAMBottleneck`` holds the ``CBAM`` it is named after). So is a module
that counts by its weights only because a module inside it, at any depth, does (a stage holding
``nn.Sequential(CBAM)``), unless its name says that kind itself.
"""

from __future__ import annotations

import re

from torch import nn

from ._common import squeezed, weights_of

#: The batch and map sizes a found module is checked on, twice, with its own channels, ratio and kernel.
INPUTS = ((2, 9, 7), (3, 5, 4))


def _is_torch_layer(module: nn.Module) -> bool:
    return type(module).__module__.split(".")[0] == "torch"


def _is_spatial_kernel(shape: tuple[int, ...]) -> bool:
    return shape[:2] == (1, 2)


def _is_channel_gate(shapes: list[tuple[int, ...]]) -> bool:
    """Weights of an MLP C → h → C, (h, C) and (C, h), or of one C × C convolution."""
    if len(shapes) == 1:
        return len(shapes[0]) == 2 and shapes[0][0] == shapes[0][1]
    return len(shapes) == 2 and all(len(s) == 2 for s in shapes) and shapes[0] == shapes[1][::-1]


def kind_by_structure(module: nn.Module) -> str | None:
    """"block" or "spatial" when the module's weights are those of a CBAM block or a spatial gate, else None."""
    if _is_torch_layer(module):
        return None
    shapes = [squeezed(p.shape) for p in weights_of(module)]
    kernels = [s for s in shapes if _is_spatial_kernel(s)]
    rest = [s for s in shapes if not _is_spatial_kernel(s)]
    if len(kernels) != 1:
        return None
    if not rest:
        return "spatial"
    return "block" if _is_channel_gate(rest) else None


def kind_from_name(name: str) -> str | None:
    """The kind a class name says, for ``verify``'s guess and the search in a model; None when it says none.

    ``bottleneck`` and ``residual`` (or ``basicblock``) come first; ``channel`` and ``spatial`` together are a
    block (``ChannelSpatialAttention``); ``cbam`` with a gate's name is that gate (``CBAMChannelAttention``), else a
    block (``SpatialFirstCBAM``); then ``channel``, ``spatial``, and ``block``.
    """
    name = name.lower().replace("_", "")
    for word, kind in (("bottleneck", "bottleneck"), ("residual", "residual"), ("basicblock", "residual")):
        if word in name:
            return kind
    channel, spatial = "channel" in name, "spatial" in name
    if channel and spatial:
        return "block"
    if "cbam" in name:  # a gate only when it is named one: CBAMChannelAttention, but SpatialFirstCBAM is a block
        gate = next((g for g in ("channel", "spatial") if re.search(g + "(att|gate)", name)), None)
        return gate or "block"
    if channel or spatial:
        return "channel" if channel else "spatial"
    return "block" if "block" in name else None


def kind_by_name(module: nn.Module) -> str | None:
    """"block", "channel" or "spatial" when the module's class name says so, else None.

    The kind is :func:`kind_from_name`'s, but counts only with ``cbam`` in the name, or ``channel`` or ``spatial``
    with ``att`` or ``gate``; a residual block or a bottleneck named so is searched inside instead.
    """
    if _is_torch_layer(module):
        return None
    name = type(module).__name__.lower().replace("_", "")
    kind = kind_from_name(name)
    named = "cbam" in name or (("channel" in name or "spatial" in name) and ("att" in name or "gate" in name))
    return kind if named and kind in ("block", "channel", "spatial") else None


def find_attention_modules(model: nn.Module) -> list[tuple[str, nn.Module, str]]:
    """(path, module, kind) of each CBAM block, channel gate and spatial gate in ``model``, outermost first."""
    found = []

    def visit(path: str, module: nn.Module) -> None:
        by_structure = kind_by_structure(module)
        # A wrapper around a module of the same kind (at any depth) is searched inside, unless its name says that
        # kind: the official SpatialGate holds a conv-BatchNorm BasicConv with all of its weights.
        inner = any(kind_by_structure(m) == by_structure for m in module.modules() if m is not module)
        if by_structure and (not inner or kind_by_name(module) == by_structure):
            found.append((path, module, by_structure))
            return
        by_name = kind_by_name(module)
        if by_name and not any(kind_by_structure(m) or kind_by_name(m) for m in module.modules() if m is not module):
            found.append((path, module, by_name))
            return
        for name, child in module.named_children():
            visit(f"{path}.{name}" if path else name, child)

    visit("", model)
    return found


def settings_from_weights(module: nn.Module) -> list[tuple[int, int, int, int, int, int]]:
    """The checkers' settings (channels, ratio, kernel_size, batch, height, width) for a module as it was built.

    The channels are the widest dimension of its matrices and the ratio C // h for its narrowest h (16 channels
    and no ratio for a spatial gate, which works on any); the kernel is its spatial convolution's (7 without one).
    """
    shapes = [squeezed(p.shape) for p in weights_of(module)]
    kernel = next((s[2] if len(s) == 4 else 1 for s in shapes if _is_spatial_kernel(s)), 7)
    matrices = [s for s in shapes if len(s) == 2 and not _is_spatial_kernel(s)]
    channels = max((max(s) for s in matrices), default=16)
    hidden = min((min(s) for s in matrices), default=channels)
    ratio = max(channels // max(hidden, 1), 1)
    return [(channels, ratio, kernel, n, h, w) for n, h, w in INPUTS]
