"""Find the CBAM modules inside a whole model, and the settings their own weights imply.

A module counts as a CBAM block or a spatial gate by its weights: exactly one 2 → 1 convolution (1, 2, k, k),
alone (a spatial gate) or with a channel gate's weights, an MLP C → h → C or one C × C 1×1 convolution
(Ultralytics'). A channel gate's weights alone look like squeeze-and-excitation, so a channel gate counts only
by its class's name: ``cbam`` in it (a block), or ``channel`` or ``spatial`` with ``att`` or ``gate``
(``ChannelAttention``, ``SpatialGate``, …). PyTorch's own layers never count. The search stops at each module
it finds (its gates are checked as part of it), and a module that counts only by its name but holds modules
that count is searched further instead (``CBAMBottleneck`` holds the ``CBAM`` it is named after).
"""

from __future__ import annotations

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


def kind_by_name(module: nn.Module) -> str | None:
    """"block", "channel" or "spatial" when the module's class name says so, else None."""
    if _is_torch_layer(module):
        return None
    name = type(module).__name__.lower().replace("_", "")
    if "cbam" in name:
        return "block"
    return next((word for word in ("channel", "spatial") if word in name and ("att" in name or "gate" in name)), None)


def find_attention_modules(model: nn.Module) -> list[tuple[str, nn.Module, str]]:
    """(path, module, kind) of each CBAM block, channel gate and spatial gate in ``model``, outermost first."""
    found = []

    def visit(path: str, module: nn.Module) -> None:
        by_structure = kind_by_structure(module)
        if by_structure and not any(kind_by_structure(c) == by_structure for c in module.children()):
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
