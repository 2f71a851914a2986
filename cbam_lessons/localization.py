"""Where does a model look? Attention maps, Grad-CAM, and two scores against object masks.

- :func:`attention_maps` reads the spatial maps of any model's CBAM gates with forward hooks (:func:`spatial_gates`).
- :func:`grad_cam` (Selvaraju et al., ICCV 2017) weights a layer's activations A_k by the
  spatially averaged gradient of the class score y_c:

      L_c = ReLU( sum_k  alpha_k A_k ),   alpha_k = mean_{i,j} dy_c / dA_k[i, j]

- :func:`pointing_game` (Zhang et al., ECCV 2016): a hit when a map's highest point falls on
  the object (mask dilated by ``tolerance`` pixels).
- :func:`share_inside`: the fraction of a map's total weight that lies on the object.

Maps of any resolution are upsampled bilinearly to the masks' size before scoring.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class GateMaps(dict):
    """{module path: spatial map}; a tuple key is joined with dots, so ``maps["cbam1", "sa"]`` is ``maps["cbam1.sa"]``."""

    def __getitem__(self, key):
        return super().__getitem__(".".join(key) if isinstance(key, tuple) else key)

    def __contains__(self, key):
        return super().__contains__(".".join(key) if isinstance(key, tuple) else key)


def _is_pooled_map_conv(module: nn.Module) -> bool:
    """The convolution that turns the two channel-pooled maps into one: a Conv2d(2 -> 1), in every CBAM."""
    return isinstance(module, nn.Conv2d) and module.in_channels == 2 and module.out_channels == 1


def spatial_gates(model: nn.Module) -> dict[str, nn.Module]:
    """{module path: module} of every spatial gate in ``model``, found by structure, whatever its class.

    A spatial gate holds a ``Conv2d(2, 1, k)`` over the stacked channel-pooled maps (the book's
    ``SpatialAttention``, the official code's ``SpatialGate``, timm's ``SpatialAttn``, Ultralytics'
    ``SpatialAttention``). The gate is the convolution's nearest enclosing module whose class name contains
    "Spatial", or else the module directly around the convolution; pass ``gates`` to
    :func:`attention_maps` for any other layout.
    """
    gates = {}
    for conv_path, conv in model.named_modules():
        if not _is_pooled_map_conv(conv):
            continue
        parts = conv_path.split(".")
        enclosing = [".".join(parts[:i]) for i in range(len(parts) - 1, -1, -1)]  # the parent first, the model last
        named = [p for p in enclosing if "spatial" in type(model.get_submodule(p)).__name__.lower()]
        path = (named or enclosing)[0]
        gates[path] = model.get_submodule(path)
    return gates


def _map_source(gate: nn.Module) -> nn.Module | None:
    """The child of ``gate`` whose output, through a sigmoid, is the map: the one holding the Conv2d(2, 1)."""
    return next((child for child in gate.children()
                 if any(_is_pooled_map_conv(m) for m in child.modules())), None)


def attention_maps(model: nn.Module, images: torch.Tensor, gates: dict[str, nn.Module] | None = None) -> GateMaps:
    """Run ``model`` on ``images`` and return {module path: (N, 1, h, w) spatial map} for each spatial gate.

    ``gates`` defaults to :func:`spatial_gates` (any CBAM implementation); pass {path: module} to choose.
    A gate that returns its map (the book's) is read directly. A gate that returns the refined ``x * M``
    (the official code, timm, Ultralytics) is read inside: ``M = sigmoid(z)``, where ``z`` is the output of
    its child that holds the ``Conv2d(2, 1)`` (with the official code's BatchNorm, if any). Maps are detached.
    """
    gates = spatial_gates(model) if gates is None else gates
    maps, inner_outputs, hooks = GateMaps(), {}, []

    def keep_inner(module, inputs, output):
        inner_outputs[module] = output

    def read_gate(path, source):
        def read(module, inputs, output):
            if output.shape[1] == 1:  # the gate returns M itself
                maps[path] = output.detach()
            elif source in inner_outputs:
                maps[path] = torch.sigmoid(inner_outputs.pop(source)).detach()
        return read

    for path, gate in gates.items():
        source = _map_source(gate)
        if source is not None:
            hooks.append(source.register_forward_hook(keep_inner))
        hooks.append(gate.register_forward_hook(read_gate(path, source)))
    try:
        with torch.no_grad():
            model.eval()(images.to(next(model.parameters()).device))
    finally:
        for hook in hooks:
            hook.remove()
    return maps


def grad_cam(model: nn.Module, layer: nn.Module, images: torch.Tensor, targets: torch.Tensor | None = None) -> torch.Tensor:
    """Grad-CAM of ``layer``'s output for class ``targets`` (default: the predicted class).

    Returns (N, 1, h, w) non-negative maps at the layer's resolution, detached.
    """
    store = {}

    def keep(module, inputs, output):
        output.retain_grad()
        store["a"] = output

    hook = layer.register_forward_hook(keep)
    try:
        model.eval()
        with torch.enable_grad():
            logits = model(images.to(next(model.parameters()).device))  # (N, classes)
            if targets is None:
                targets = logits.argmax(dim=1)
            score = logits.gather(1, targets.to(logits.device).view(-1, 1)).sum()
            model.zero_grad(set_to_none=True)
            score.backward()
    finally:
        hook.remove()
    activations, gradients = store["a"], store["a"].grad  # (N, K, h, w) each
    alpha = gradients.mean(dim=(2, 3), keepdim=True)  # (N, K, 1, 1)
    return F.relu((alpha * activations).sum(dim=1, keepdim=True)).detach()  # (N, 1, h, w)


def _to_mask_size(maps: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """(N, 1, h, w) maps -> (N, H, W) on the masks' grid and device, bilinear."""
    if maps.dim() != 4 or maps.shape[1] != 1 or masks.dim() != 3 or maps.shape[0] != masks.shape[0]:
        raise ValueError(
            f"expected maps (N, 1, h, w) and masks (N, H, W) with the same N, received {tuple(maps.shape)} "
            f"and {tuple(masks.shape)}. Spatial maps have one channel; pass masks without a channel axis."
        )
    maps = maps.to(device=masks.device, dtype=torch.float32)
    return F.interpolate(maps, size=masks.shape[-2:], mode="bilinear", align_corners=False).squeeze(1)


def pointing_game(maps: torch.Tensor, masks: torch.Tensor, tolerance: int = 1) -> torch.Tensor:
    """Per image, True when the map's maximum lies on the object or within ``tolerance`` pixels.

    A map without a single peak (all values equal, e.g. a Grad-CAM that is zero everywhere)
    counts as a miss: it points nowhere.
    """
    maps = _to_mask_size(maps, masks).flatten(1)  # (N, H*W)
    target = masks.float().unsqueeze(1)
    if tolerance > 0:  # dilate the mask by `tolerance` pixels
        target = F.max_pool2d(target, 2 * tolerance + 1, stride=1, padding=tolerance)
    hit = target.flatten(1).gather(1, maps.argmax(dim=1, keepdim=True)).squeeze(1) > 0
    return hit & (maps.amax(dim=1) > maps.amin(dim=1))


def share_inside(maps: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Per image, the share of the map's total weight on the object's pixels (maps must be >= 0).

    A uniform map scores the mask's area fraction, the chance level; a map that is zero
    everywhere scores 0.
    """
    maps = _to_mask_size(maps, masks)
    if (maps < 0).any():
        raise ValueError("share_inside: maps must be non-negative (sigmoid gates or ReLU'd Grad-CAM).")
    total = maps.sum(dim=(1, 2))
    inside = (maps * masks).sum(dim=(1, 2))
    return torch.where(total > 0, inside / total.clamp_min(torch.finfo(maps.dtype).tiny), torch.zeros_like(total))
