"""Checkers for the exercises "put CBAM into a residual block at the right place".

Chapter 3: the book's basic block, ``relu(x + cbam(branch(x)))``. Chapter 5: torchvision's
Bottleneck, ``relu(shortcut(x) + cbam(bn3(conv3(...))))``, where the shortcut may downsample. Both
checkers load the reference's weights into the student's block and compare its output with every
wrong placement they know, so a mistake is named, not only detected.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.resnet import Bottleneck

from ..nets.resnet import add_cbam
from ..nets.residual import ResidualCBAMBlock
from ._common import check_training, match, require_module_class, run_forward
from ._sandbox import Outcome, attempt
from ._verdict import Verdict, WHAT, current_language, verdict


def _randomise_batch_norms(module: nn.Module) -> None:
    """Running statistics and affine parameters far from (0, 1), so a BatchNorm in the wrong place shows."""
    with torch.no_grad():
        for bn in (m for m in module.modules() if isinstance(m, nn.BatchNorm2d)):
            bn.running_mean.normal_(0, 0.3)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.normal_(1, 0.3)
            bn.bias.normal_(0, 0.3)


def _placements(branch: torch.Tensor, shortcut: torch.Tensor, cbam: nn.Module) -> list[tuple[str, torch.Tensor]]:
    """The correct output and the wrong placements of CBAM that both residual exercises name."""
    return [
        ("correct", F.relu(shortcut + cbam(branch))),
        ("cbam_after_addition", cbam(F.relu(shortcut + branch))), ("cbam_after_addition", F.relu(cbam(shortcut + branch))),
        ("cbam_on_shortcut", F.relu(cbam(shortcut) + branch)),
        ("no_shortcut", F.relu(cbam(branch))), ("no_shortcut", cbam(branch)),
        ("no_final_relu", shortcut + cbam(branch)),
        ("relu_before_cbam", F.relu(shortcut + cbam(F.relu(branch)))),
        ("relu_before_addition", shortcut + F.relu(cbam(branch))),
        ("relu_before_addition", F.relu(shortcut + F.relu(cbam(branch)))),
    ]


def _reference(channels: int = 16, ratio: int = 4, kernel_size: int = 7) -> ResidualCBAMBlock:
    """The reference block with random weights and BatchNorm statistics, in eval mode."""
    torch.manual_seed(0)
    block = ResidualCBAMBlock(channels, ratio, kernel_size)
    _randomise_batch_norms(block)
    return block.eval()


def diagnose_residual_cbam(cls, lang: str | None = None) -> Verdict:
    """Check a student's residual block with CBAM; return the Verdict (see :func:`check_residual_cbam`)."""
    lang = current_language(lang)
    name = getattr(cls, "__name__", "ResidualCBAMBlock")
    what = WHAT[lang].format(name=name)
    try:
        require_module_class(cls, lang)
        ref = _reference()
        student = attempt(f"{name}(16, 4, 7)", lambda: cls(16, 4, 7), lang, what)
        x = torch.randn(2, 16, 9, 7, generator=torch.Generator().manual_seed(1))
        run_forward(student.eval(), x, lang, what)  # crashes, loops and blanks first
        try:
            student.load_state_dict(ref.state_dict())
        except RuntimeError as err:
            raise Outcome(verdict("template_names", lang, error=str(err).splitlines()[0][:160])) from None
        out = run_forward(student.eval(), x, lang, what)
        with torch.no_grad():
            branch, cbam = ref.branch(x), ref.cbam
            candidates = _placements(branch, x, cbam)
            before_bn2 = ref.bn2(cbam(ref.conv2(F.relu(ref.bn1(ref.conv1(x))))))
            candidates.append(("cbam_before_bn2", F.relu(x + before_bn2)))
            correct = candidates[0][1]
            found = match(out, candidates)
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


#: The two shapes of block the chapter-5 checker builds: (inplanes, planes, stride); the second downsamples.
_BOTTLENECKS = ((64, 16, 1), (32, 16, 2))


def _reference_bottleneck(inplanes: int, planes: int, stride: int) -> tuple[nn.Module, nn.Module | None]:
    """The package's CBAM bottleneck (add_cbam on torchvision's Bottleneck), eval mode, and its downsample."""
    out = planes * Bottleneck.expansion
    downsample = None
    if stride != 1 or inplanes != out:  # what torchvision's ResNet._make_layer builds
        downsample = nn.Sequential(nn.Conv2d(inplanes, out, 1, stride, bias=False), nn.BatchNorm2d(out))
    block = add_cbam(nn.Sequential(Bottleneck(inplanes, planes, stride, downsample)))[0]
    _randomise_batch_norms(block)
    return block.eval(), downsample


def _bottleneck_branch(block: nn.Module, x: torch.Tensor, cbam_before_bn: bool = False) -> torch.Tensor:
    out = block.relu(block.bn1(block.conv1(x)))
    out = block.conv3(block.relu(block.bn2(block.conv2(out))))
    return block.bn3(block.cbam(out)) if cbam_before_bn else block.bn3(out)


def _load_bottleneck(student: nn.Module, ref: nn.Module, lang: str) -> None:
    try:
        student.load_state_dict(ref.state_dict())
    except RuntimeError as err:
        text = str(err)
        if "size mismatch for cbam." in text:
            raise Outcome(verdict("cbam_width", lang, expected=ref.bn3.num_features)) from None
        raise Outcome(verdict("bottleneck_names", lang, error=text.splitlines()[0][:160])) from None


def diagnose_cbam_bottleneck(cls, lang: str | None = None) -> Verdict:
    """Check a student's torchvision Bottleneck with CBAM (built like Bottleneck); return the Verdict.

    Two blocks are built as torchvision's ResNet builds them, ``cls(inplanes, planes, stride, downsample)``:
    one that keeps the shape and one that halves it and widens the channels through ``downsample``.
    """
    lang = current_language(lang)
    what = WHAT[lang].format(name=getattr(cls, "__name__", "MyCBAMBottleneck"))
    try:
        require_module_class(cls, lang)
        with torch.random.fork_rng(devices=[]):  # the chapter's later cells keep their random numbers
            torch.manual_seed(0)
            for inplanes, planes, stride in _BOTTLENECKS:
                ref, downsample = _reference_bottleneck(inplanes, planes, stride)
                call = f"{cls.__name__}({inplanes}, {planes}, {stride}, downsample)"
                student = attempt(call, lambda: cls(inplanes, planes, stride, downsample), lang, what)
                _load_bottleneck(student, ref, lang)
                x = torch.randn(2, inplanes, 8, 6, generator=torch.Generator().manual_seed(inplanes))
                explain = (lambda error: ("shortcut_not_downsampled", {}) if "must match the size" in error else None) \
                    if downsample is not None else None
                out = run_forward(student.eval(), x, lang, what, explain)
                _judge_bottleneck(out, ref, x, lang)
                check_training(student, x, ref, lang, what)
    except Outcome as outcome:
        return outcome.verdict
    return verdict("passed", lang, what=what)


def _judge_bottleneck(out: torch.Tensor, ref: nn.Module, x: torch.Tensor, lang: str) -> None:
    with torch.no_grad():
        shortcut = x if ref.downsample is None else ref.downsample(x)
        candidates = _placements(_bottleneck_branch(ref, x), shortcut, ref.cbam)
        cbam_before_bn = F.relu(shortcut + _bottleneck_branch(ref, x, cbam_before_bn=True))
        candidates.append(("cbam_before_bn", cbam_before_bn))
        correct = candidates[0][1]
        if out.shape != correct.shape:
            raise Outcome(verdict("wrong_shape", lang, got=tuple(out.shape), expected=tuple(correct.shape)))
        found = match(out, candidates)
    if found is None:
        raise Outcome(verdict("wrong_values", lang, diff=(out - correct).abs().max().item()))
    if found != "correct":
        raise Outcome(verdict(found, lang))
