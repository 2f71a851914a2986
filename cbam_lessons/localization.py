"""Where does a model look? Attention maps, Grad-CAM, and two scores against object masks.

- :func:`attention_maps` reads CBAM's channel and spatial maps with forward hooks.
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


def attention_maps(model: nn.Module, images: torch.Tensor, blocks=("cbam1", "cbam2", "cbam3")) -> dict:
    """Run ``model`` on ``images`` and return {(block, "ca" | "sa"): map} for each CBAM block.

    Channel maps are (N, C, 1, 1), spatial maps (N, 1, H, W), detached. Blocks without one of
    the gates (single-gate arrangements) simply have no entry for it.
    """
    maps = {}
    hooks = [
        getattr(model, block).get_submodule(gate).register_forward_hook(
            lambda module, inputs, output, key=(block, gate): maps.__setitem__(key, output.detach())
        )
        for block in blocks
        for gate in ("ca", "sa")
        if hasattr(getattr(model, block), gate)
    ]
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
