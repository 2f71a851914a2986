"""Checker for chapter 6's exercise: the share of a map's weight that lies inside the object's mask.

share_inside(maps, masks)[i] = sum of maps[i] over the mask / sum of maps[i], for maps >= 0 of shape
(N, 1, H, W), as CBAM's spatial maps are, and boolean masks of shape (N, H, W); a map that is zero everywhere scores 0 (not NaN), and an
empty mask scores 0. The test batch contains both cases, a uniform map (its share is the mask's area)
and ordinary maps, so each usual slip gives a different result.
"""

from __future__ import annotations

import torch

from ..localization import share_inside as reference_share_inside
from ._common import match, require_function
from ._sandbox import Outcome, attempt
from ._verdict import Verdict, WHAT, current_language, verdict


def _batch():
    generator = torch.Generator().manual_seed(6)
    maps = torch.rand(6, 1, 8, 8, generator=generator) ** 3
    maps[1] = 0.0  # a map that is zero everywhere
    maps[2] = 0.5  # a uniform map: its share is the mask's area
    masks = torch.zeros(6, 8, 8, dtype=torch.bool)
    for i, (top, left, size) in enumerate([(1, 1, 3), (2, 3, 4), (0, 0, 2), (4, 4, 3), (0, 5, 3)]):
        masks[i, top:top + size, left:left + size] = True
    return maps, masks  # image 5 has an empty mask; maps (6, 1, 8, 8), masks (6, 8, 8)


def diagnose_share_inside(share_inside, lang: str | None = None) -> Verdict:
    """Check a student's ``share_inside(maps, masks)``; return the Verdict."""
    lang = current_language(lang)
    name = getattr(share_inside, "__name__", "share_inside")
    what = WHAT[lang].format(name=name)
    try:
        require_function(share_inside, lang, "check_share_inside(my_share_inside)")
        maps, masks = _batch()
        given_maps, given_masks = maps.clone(), masks.clone()
        out = attempt(f"{name}(maps, masks)", lambda: share_inside(given_maps, given_masks), lang, what)
        if not (torch.equal(given_maps, maps) and torch.equal(given_masks, masks)):
            raise Outcome(verdict("modifies_arguments", lang))
        if not isinstance(out, torch.Tensor):
            raise Outcome(verdict("wrong_type", lang, step=f"{name}(maps, masks)", got=type(out).__name__))
        correct = reference_share_inside(maps, masks)
        if out.dim() == 0 and out.numel() == 1:
            pooled = (maps[:, 0] * masks).sum() / maps.sum()
            raise Outcome(verdict("pooled_over_batch" if torch.isclose(out.float(), pooled) else "wrong_shape", lang,
                                  got=tuple(out.shape), expected=(len(maps),)))
        if tuple(out.shape) != (len(maps),):
            raise Outcome(verdict("wrong_shape", lang, got=tuple(out.shape), expected=(len(maps),)))
        out = out.float()
        if torch.isnan(out).any() or torch.isinf(out).any():
            raise Outcome(verdict("nan_for_zero_map", lang))
        inside = (maps[:, 0] * masks).sum(dim=(1, 2))
        area = masks.sum(dim=(1, 2)).clamp_min(1)
        found = match(out, [
            ("correct", correct),
            ("not_normalised", inside),
            ("mean_inside", inside / area),
            ("share_outside", torch.where(maps.sum(dim=(1, 2, 3)) > 0, 1 - correct, torch.zeros_like(correct))),
            ("share_outside", 1 - correct),
        ])
        if found is None:
            raise Outcome(verdict("wrong_values", lang, diff=(out - correct).abs().max().item()))
        if found != "correct":
            raise Outcome(verdict(found, lang))
    except Outcome as outcome:
        return outcome.verdict
    return verdict("passed", lang, what=what)
