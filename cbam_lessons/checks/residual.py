"""Checker for the exercise "put CBAM into a residual block at the right place"."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..residual import ResidualCBAMBlock
from ._common import check_training, match, require_module_class, run_forward
from ._sandbox import Outcome, attempt
from ._verdict import Verdict, WHAT, current_language, verdict


def _reference(channels: int = 16, ratio: int = 4, kernel_size: int = 7) -> ResidualCBAMBlock:
    """The reference block with random weights and BatchNorm statistics, in eval mode."""
    torch.manual_seed(0)
    block = ResidualCBAMBlock(channels, ratio, kernel_size)
    with torch.no_grad():
        for bn in (block.bn1, block.bn2):
            bn.running_mean.normal_(0, 0.3)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.normal_(1, 0.3)
            bn.bias.normal_(0, 0.3)
    return block.eval()


def diagnose_residual_cbam(cls, lang: str | None = None) -> Verdict:
    """Check a student's residual block with CBAM; return the Verdict (see :func:`check_residual_cbam`)."""
    lang = current_language(lang)
    what = WHAT[lang].format(name="ResidualCBAMBlock")
    try:
        require_module_class(cls, lang)
        ref = _reference()
        student = attempt("ResidualCBAMBlock(16, 4, 7)", lambda: cls(16, 4, 7), lang, what)
        x = torch.randn(2, 16, 9, 7, generator=torch.Generator().manual_seed(1))
        run_forward(student.eval(), x, lang, what)  # crashes, loops and blanks first
        try:
            student.load_state_dict(ref.state_dict())
        except RuntimeError as err:
            raise Outcome(verdict("template_names", lang, error=str(err).splitlines()[0][:160])) from None
        out = run_forward(student.eval(), x, lang, what)
        with torch.no_grad():
            branch, cbam = ref.branch(x), ref.cbam
            correct = F.relu(x + cbam(branch))
            found = match(out, [
                ("correct", correct),
                ("cbam_after_addition", cbam(F.relu(x + branch))), ("cbam_after_addition", F.relu(cbam(x + branch))),
                ("cbam_on_shortcut", F.relu(cbam(x) + branch)),
                ("no_shortcut", F.relu(cbam(branch))), ("no_shortcut", cbam(branch)),
                ("no_final_relu", x + cbam(branch)),
            ])
        if out.shape != x.shape:
            raise Outcome(verdict("wrong_shape", lang, got=tuple(out.shape), expected=tuple(x.shape)))
        if found is None:
            raise Outcome(verdict("wrong_values", lang, diff=(out - correct).abs().max().item()))
        if found != "correct":
            raise Outcome(verdict(found, lang))
        check_training(student, x, lambda z: F.relu(z + ref.cbam(ref.branch(z))), lang, what)
    except Outcome as outcome:
        return outcome.verdict
    return verdict("passed", lang, what=what)
