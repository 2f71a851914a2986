"""Checker for chapter 8's exercise: an official-order ([max; mean]) spatial kernel in the paper's order.

The official code stacks the channel pools as [max; mean], the paper as [mean; max]. A kernel trained
with one order gives the same map with the other once its two input channels (dimension 1) are swapped.
"""

from __future__ import annotations

import torch

from ._common import match, require_function
from ._sandbox import Outcome, attempt
from ._verdict import Verdict, WHAT, current_language, verdict


def diagnose_kernel_order(convert, lang: str | None = None) -> Verdict:
    """Check ``convert(weight) -> weight`` for (1, 2, k, k) kernels; return the Verdict."""
    lang = current_language(lang)
    name = getattr(convert, "__name__", "to_paper_order")
    what = WHAT[lang].format(name=name)
    try:
        require_function(convert, lang, "check_kernel_order(to_paper_order)")
        for k in (7, 3):
            weight = torch.randn(1, 2, k, k, generator=torch.Generator().manual_seed(k))
            given = weight.clone()
            out = attempt(f"{name}(weight)", lambda: convert(given), lang, what)
            if not torch.equal(given, weight):
                raise Outcome(verdict("modifies_weight", lang))
            if not isinstance(out, torch.Tensor):
                raise Outcome(verdict("wrong_type", lang, step=f"{name}(weight)", got=type(out).__name__))
            if tuple(out.shape) != (1, 2, k, k):
                raise Outcome(verdict("wrong_shape", lang, got=tuple(out.shape), expected=(1, 2, k, k)))
            correct = weight.flip(1)
            found = match(out.float(), [
                ("correct", correct),
                ("order_unchanged", weight),
                ("flipped_spatially", weight.flip(-1)), ("flipped_spatially", weight.flip(-2)),
                ("flipped_spatially", weight.flip(-1, -2)),
                ("transposed_kernel", weight.transpose(-1, -2)),
                ("mixed_channels", weight.mean(1, keepdim=True).expand_as(weight)),
            ])
            if found is None:
                raise Outcome(verdict("wrong_values", lang, diff=(out.float() - correct).abs().max().item()))
            if found != "correct":
                raise Outcome(verdict(found, lang))
    except Outcome as outcome:
        return outcome.verdict
    return verdict("passed", lang, what=what)
