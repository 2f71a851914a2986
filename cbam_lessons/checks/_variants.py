"""Checks for Ultralytics' CBAM, a known look-alike of the paper's: its channel gate is RTMDet's.

Ultralytics (``ultralytics/nn/modules/conv.py``) builds ``ChannelAttention(channels)`` from global average
pooling, one 1×1 convolution C → C with a bias and a sigmoid: no max-pooled descriptor, no bottleneck, no
ReLU. Its ``SpatialAttention(kernel_size)`` is the paper's spatial gate (the paper's checker passes it), and
its ``CBAM(c1, kernel_size)`` applies the two gates in the paper's order. These checks give such a module known
weights, compare it with that definition and name the mistakes they know, as the paper's checkers do. They
build the class as those do, ``cls(channels, ratio[, kernel_size])``: pass one whose constructor ignores the
ratio (``cbam_lessons.verify`` adapts the real constructor).
"""

from __future__ import annotations

import torch

from ._common import check_training, load_by_shape, match, run_forward, squeezed, weights_of
from ._sandbox import Outcome, attempt
from ._verdict import Verdict, WHAT, current_language, verdict
from .attention import _judge_block, _input, _reference_weights, _run
from .counting import cbam_parameters


def has_single_conv_gate(module: torch.nn.Module, channels: int) -> bool:
    """True when the module's only weights are one C × C matrix (Ultralytics' channel gate) and spatial kernels."""
    shapes = [squeezed(p.shape) for p in weights_of(module)]
    return shapes.count((channels, channels)) == 1 and all(s == (channels, channels) or s[:2] == (1, 2) for s in shapes)


def single_conv_map(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Ultralytics' channel map σ(W · AvgPool(F) + b), shape (N, C, 1, 1)."""
    return torch.sigmoid(x.mean((2, 3)) @ weight.T + bias)[..., None, None]


def _single_conv_weights(channels: int, seed: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(channels, channels, generator=generator) / channels**0.5
    return weight, 0.5 * torch.randn(channels, generator=generator)


def _load(student: torch.nn.Module, references: list[torch.Tensor], bias: torch.Tensor) -> torch.Tensor | None:
    """Give the student the reference weights and ``bias``; return the bias it then has, or None if they do not fit.

    A module without a bias gets a zero bias in the reference: it is the same gate, only never shifted.
    """
    if not load_by_shape(student, references):
        return None
    vectors = [p for p in student.parameters() if p.dim() == 1]
    if not vectors:
        return torch.zeros_like(bias)
    if len(vectors) != 1 or vectors[0].numel() != bias.numel():
        return None
    with torch.no_grad():
        vectors[0].copy_(bias)
    return bias


def _check_channel(cls, lang, what, channels, ratio, kernel_size, n, h, w):
    student = attempt(f"{cls.__name__}({channels})", lambda: cls(channels, ratio), lang, what)
    x = _input(n, channels, h, w)
    run_forward(student, x, lang, what)  # crashes, loops and blanks first, with the student's own weights
    weight, bias = _single_conv_weights(channels)
    bias = _load(student, [weight], bias)
    if bias is None:
        shapes = sorted(squeezed(p.shape) for p in student.parameters())
        raise Outcome(verdict("unexpected_parameters", lang, got=shapes, expected=[(channels, channels), (channels,)]))
    out = run_forward(student, x, lang, what)
    if out.numel() != n * channels:
        raise Outcome(verdict("wrong_shape", lang, got=tuple(out.shape), expected=(n, channels, 1, 1)))
    logits = x.mean((2, 3)) @ weight.T + bias
    found = match(out.reshape(n, channels), [
        ("correct", torch.sigmoid(logits)),
        ("only_max", torch.sigmoid(x.amax((2, 3)) @ weight.T + bias)),
        ("no_sigmoid", logits), ("softmax", torch.softmax(logits, dim=1)),
    ])
    if found is None:
        correct = torch.sigmoid(logits).reshape(out.shape)
        raise Outcome(verdict("wrong_values", lang, diff=(out - correct).abs().max().item()))
    if found != "correct":
        raise Outcome(verdict(found, lang, unit="channel" if lang == "en" else "通道"))
    check_training(student, x, lambda z: single_conv_map(z, weight, bias), lang, what)
    return student, None


def _check_block(cls, lang, what, channels, ratio, k, n, h, w):
    student = attempt(f"{cls.__name__}({channels}, {k})", lambda: cls(channels, ratio, k), lang, what)
    x = _input(n, channels, h, w)
    run_forward(student, x, lang, what)  # crashes, loops and blanks first, with the student's own weights
    weight, bias = _single_conv_weights(channels)
    _, _, kernel = _reference_weights(channels, 1, k)
    bias = _load(student, [weight, kernel], bias)
    if bias is None:
        shapes = sorted(squeezed(p.shape) for p in student.parameters())
        raise Outcome(verdict("unexpected_parameters", lang, got=shapes,
                              expected=[(channels, channels), (channels,), (1, 2, k, k)]))
    return student, _judge_block(student, x, lambda z: single_conv_map(z, weight, bias), kernel, lang, what)


def _comparison(channels: int, kernel_size: int) -> dict:
    """Ultralytics' parameter counts against the paper's at r = 16 (or r = C for fewer than 16 channels)."""
    ratio = min(16, channels)
    _, paper = cbam_parameters(channels, ratio, kernel_size)
    gate = channels * channels + channels
    spatial = 2 * kernel_size**2
    return {"channels": channels, "ratio": ratio, "k": kernel_size, "gate": gate, "paper_gate": paper - spatial,
            "block": gate + spatial, "paper_block": paper}


def _as_ultralytics(check, cls, lang, default_name: str, code: str, settings) -> Verdict:
    """Run ``check`` on ``cls``; a pass becomes ``code``: the Ultralytics variant named, with what it changes."""
    lang = current_language(lang)
    result = _run(check, cls, lang, default_name, settings)
    if not result.passed:
        return result
    what = WHAT[lang].format(name=getattr(cls, "__name__", default_name))
    order = verdict("also_max_mean_order", lang).message if result.code == "passed_swapped_order" else ""
    return verdict(code, lang, what=what, order=order, **_comparison(settings[0][0], settings[0][2]))


def diagnose_ultralytics_channel(cls, lang: str | None = None, *, settings) -> Verdict:
    """Check a channel gate against Ultralytics' ChannelAttention; a pass names the variant and what it changes."""
    return _as_ultralytics(_check_channel, cls, lang, "ChannelAttention", "passed_ultralytics_channel", settings)


def diagnose_ultralytics_block(cls, lang: str | None = None, *, settings) -> Verdict:
    """Check a block against Ultralytics' CBAM; a pass names the variant and what it changes."""
    return _as_ultralytics(_check_block, cls, lang, "CBAM", "passed_ultralytics_block", settings)
