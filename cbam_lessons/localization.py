"""Where does a model look? Attention maps, Grad-CAM, and two scores against object masks.

- :func:`attention_maps` reads the spatial maps of any model's CBAM gates with forward hooks (:func:`spatial_gates` finds them).
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


def _joined(key):
    return ".".join(key) if isinstance(key, tuple) else key


class GateMaps(dict):
    """{module path: spatial map}; a tuple key is joined with dots, so ``maps["cbam1", "sa"]`` is ``maps["cbam1.sa"]``."""

    def __getitem__(self, key):
        return super().__getitem__(_joined(key))

    def __contains__(self, key):
        return super().__contains__(_joined(key))

    def get(self, key, default=None):
        return super().get(_joined(key), default)


def _is_pooled_map_conv(module: nn.Module) -> bool:
    """The convolution that turns the two channel-pooled maps into one: a Conv2d(2 -> 1), in every CBAM."""
    return isinstance(module, nn.Conv2d) and module.in_channels == 2 and module.out_channels == 1


def _tensors(output) -> list[torch.Tensor]:
    """The tensors a module returned: itself, or those in a tuple, list or dict."""
    if isinstance(output, torch.Tensor):
        return [output]
    values = output.values() if isinstance(output, dict) else output if isinstance(output, (tuple, list)) else []
    return [v for v in values if isinstance(v, torch.Tensor)]


def _reads_pooled_maps(x: torch.Tensor, conv_input: torch.Tensor) -> bool:
    """Whether a convolution's input is the channel-pooled maps of ``x``, as [mean; max] or [max; mean]."""
    mean, top = x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)
    return conv_input.shape == (x.shape[0], 2, *x.shape[2:]) and any(
        torch.allclose(conv_input, torch.cat(order, dim=1), rtol=1e-4, atol=1e-5) for order in ((mean, top), (top, mean)))


def _read_map(x: torch.Tensor, output, fallback: torch.Tensor | None) -> torch.Tensor | None:
    """The (N, 1, H, W) map M of a gate with input ``x``, from what it returned: M itself, or ``x * M``.

    ``x * M`` gives M exactly wherever x is not zero in every channel: M = <x * M, x> / <x, x> over channels.
    Where it is, the output shows nothing of M, and ``fallback`` (the sigmoid of the gate's convolution)
    fills in. None when the output is neither.
    """
    for out in _tensors(output):
        if out.shape == (x.shape[0], 1, *x.shape[2:]) and x.shape[1] != 1:
            return out
        if out.shape == x.shape:
            energy = (x * x).sum(dim=1, keepdim=True)
            m = (out * x).sum(dim=1, keepdim=True) / energy.clamp_min(torch.finfo(x.dtype).tiny)
            if fallback is not None:
                m = torch.where(energy > 0, m, fallback)
            if torch.allclose(x * m, out, rtol=1e-4, atol=1e-5):
                return m
    return None


def _run_gates(model: nn.Module, images: torch.Tensor, chosen: dict[str, nn.Module] | None):
    """Run ``model`` once with hooks; return ({path: gate}, GateMaps) of the gates whose map could be read.

    Without ``chosen``, every module that encloses a Conv2d(2, 1) (the model itself aside) is a candidate,
    and the innermost one whose input, pooled over channels, is that convolution's input is the gate. A
    chosen module that holds a Conv2d(2, 1) must pass the same test; one without (a functional convolution)
    is read from its output alone.
    """
    found, maps, conv_io, hooks = {}, GateMaps(), {}, []

    def keep_conv_io(conv, inputs, output):
        conv_io[conv] = (inputs[0], output)

    def reader(path, module, conv):
        def read(gate, inputs, output):
            if not inputs or not isinstance(inputs[0], torch.Tensor) or inputs[0].dim() != 4:
                return  # called with keywords, or not on a feature map: nothing to read
            x, io = inputs[0], conv_io.get(conv)
            if (conv is not None or chosen is None) and (io is None or not _reads_pooled_maps(x, io[0])):
                return  # not the module around the spatial gate's convolution, or no spatial gate at all
            m = _read_map(x, output, None if io is None else torch.sigmoid(io[1]))
            if m is not None:
                maps[path], found[path] = m.detach(), module
                conv_io.pop(conv, None)  # claimed: the modules around this one are not the gate
        return read

    if chosen is None:
        for conv_path, conv in model.named_modules():
            if _is_pooled_map_conv(conv):
                hooks.append(conv.register_forward_hook(keep_conv_io))
                parts = conv_path.split(".")
                for path in (".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)):  # the parent first
                    module = model.get_submodule(path)
                    hooks.append(module.register_forward_hook(reader(path, module, conv)))
    else:
        for path, module in chosen.items():
            conv = next((m for m in module.modules() if _is_pooled_map_conv(m)), None)
            if conv is not None:
                hooks.append(conv.register_forward_hook(keep_conv_io))
            hooks.append(module.register_forward_hook(reader(path, module, conv)))
    try:
        with torch.no_grad():
            model.eval()(images.to(next(model.parameters()).device))
    finally:
        for hook in hooks:
            hook.remove()
    return found, maps


def spatial_gates(model: nn.Module, images: torch.Tensor) -> dict[str, nn.Module]:
    """{module path: module} of every spatial gate that runs when ``model`` sees ``images``, whatever its class.

    A spatial gate is the module whose input, averaged and max-pooled over channels, feeds a
    ``Conv2d(2, 1, k)`` (the book's ``SpatialAttention``, the official code's ``SpatialGate``, timm's
    ``SpatialAttn``, Ultralytics' ``SpatialAttention``, or any other); a Conv2d(2, 1) that reads anything
    else (a stem for 2-channel images, a head) is no gate.
    """
    return _run_gates(model, images, None)[0]


def attention_maps(model: nn.Module, images: torch.Tensor, gates: dict[str, nn.Module] | None = None) -> GateMaps:
    """Run ``model`` on ``images`` and return {module path: (N, 1, h, w) spatial map} for each spatial gate.

    ``gates`` defaults to those :func:`spatial_gates` finds; pass {path: module} to choose, and a chosen gate
    whose map cannot be read raises ``ValueError``. A gate may return its map (the book's) or the refined
    ``x * M`` (the official code, timm, Ultralytics), also inside a tuple: M is read from the gate's input
    and output, whatever happens inside it. Maps are detached.
    """
    _, maps = _run_gates(model, images, gates)
    unread = [path for path in gates or {} if path not in maps]
    if unread:
        raise ValueError(f"attention_maps: no map could be read from {unread}: a gate must return its map "
                         "(N, 1, H, W) or the refined x * M with the shape of its input, and be called by the forward pass")
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
