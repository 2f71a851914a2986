"""Checkers for the student's ChannelAttention, SpatialAttention and CBAMBlock.

Each checker builds the student's class, gives it the weights of a reference
(matched by shape, so any layer names and Conv2d or Linear both work), runs both
on the same input and compares. When the output differs it is compared with what
each known mistake would produce from the same weights, so the verdict can name it.
"""

from __future__ import annotations

import math
import re

import torch
import torch.nn.functional as F

from ._common import check_training, close, load_by_shape, match, require_module_class, run_forward, squeezed, weights_of
from ._sandbox import Outcome, attempt
from ._verdict import Verdict, WHAT, current_language, verdict

# (channels, ratio, kernel_size, batch, height, width): two settings, so that hard-coded sizes fail.
# The second's width does not divide by its ratio (44 / 16 = 2.75), so rounding instead of `//` fails too.
SETTINGS = [(32, 8, 7, 3, 5, 7), (44, 16, 3, 3, 9, 4)]


def _reference_weights(channels: int, ratio: int, kernel_size: int, seed: int = 0):
    """Known weights for a check: the MLP's W0 (C/r, C) and W1 (C, C/r), and the spatial kernel (1, 2, k, k)."""
    generator = torch.Generator().manual_seed(seed)
    hidden = channels // ratio
    w0 = torch.randn(hidden, channels, generator=generator) / channels**0.5
    w1 = torch.randn(channels, hidden, generator=generator) / hidden**0.5
    kernel = torch.randn(1, 2, kernel_size, kernel_size, generator=generator) / kernel_size
    return w0, w1, kernel


def _input(batch, channels, height, width, seed=1):
    """The checks' input: a seeded standard normal (N, C, H, W), so no value is zero."""
    return torch.randn(batch, channels, height, width, generator=torch.Generator().manual_seed(seed))


def _mlp(w0, w1, z, relu=True):
    """W1 ReLU(W0 z) for z of shape (N, C)."""
    hidden = z @ w0.T
    return (hidden.relu() if relu else hidden) @ w1.T


def channel_map(x, w0, w1):
    """The reference Mc(F), (N, C, 1, 1)."""
    return torch.sigmoid(_mlp(w0, w1, x.mean((2, 3))) + _mlp(w0, w1, x.amax((2, 3))))[..., None, None]


def spatial_map(x, kernel, order=("mean", "max")):
    """The reference Ms(F), (N, 1, H, W); ``order`` of the stacked maps may be swapped."""
    pools = {"mean": x.mean(1, keepdim=True), "max": x.amax(1, keepdim=True)}
    return torch.sigmoid(F.conv2d(torch.cat([pools[o] for o in order], 1), kernel, padding=kernel.shape[-1] // 2))


def _input_shape_in(error_text: str) -> tuple[int, ...] | None:
    found = re.search(r"input\[([\d, ]+)\]", error_text) or re.search(r"input of size: \[([\d, ]+)\]", error_text)
    return tuple(int(v) for v in found.group(1).split(",")) if found else None


def _run(checker, cls, lang, name, settings=None) -> Verdict:
    """Run ``checker`` in every setting (default :data:`SETTINGS`); the verdicts name the student's class.

    ``checker(cls, lang, what, *setting)`` returns the student's module and a passing note's code (or None),
    or raises an Outcome. ``name`` stands in for the class's name when it has none.
    """
    lang = current_language(lang)
    name = getattr(cls, "__name__", name)
    notes = []
    try:
        require_module_class(cls, lang)
        for setting in SETTINGS if settings is None else settings:
            student, note = checker(cls, lang, WHAT[lang].format(name=name), *setting)
            notes.append(note)
    except Outcome as outcome:
        return outcome.verdict
    note = next((n for n in notes if n), None)
    what = WHAT[lang].format(name=name)
    biases = ", ".join(f"{path}.bias" for path, m in student.named_modules()
                       if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)) and m.bias is not None)
    if note:  # the note's verdict, and the biases' note after it when there are some
        result = verdict(note, lang, what=what)
        also = verdict("also_biases", lang, names=biases).message if biases else ""
        return Verdict(result.status, result.code, result.message + also)
    if biases:  # right with the biases at zero, as checked; the exercises ask for none
        return verdict("passed_with_bias", lang, what=what, names=biases)
    return verdict("passed", lang, what=what)


# --- channel attention ---------------------------------------------------------------------


def _check_channel(cls, lang, what, channels, ratio, kernel_size, n, h, w):
    hidden = channels // ratio
    student = attempt(f"{cls.__name__}({channels}, {ratio})", lambda: cls(channels, ratio), lang, what)
    x = _input(n, channels, h, w)

    def explain(error):
        shape = _input_shape_in(error)
        if shape and len(shape) == 2:
            return "no_keepdim", {"got": (n, channels), "expected": (n, channels, 1, 1)}
        sizes = re.search(r"\((\d+)x(\d+) and (\d+)x(\d+)\)", error)
        if sizes and int(sizes.group(2)) == 1 and int(sizes.group(3)) == channels:  # (N, C, 1, 1) into Linear(C, ...)
            return "keepdim_into_linear", {}
        if (shape and len(shape) == 4 and shape[1] == 1) or "mat1 and mat2" in error:
            return "wrong_pool_dims_channel", {}
        return None

    run_forward(student, x, lang, what, explain)  # crashes, loops and blanks first, with the student's own weights
    w0, w1, _ = _reference_weights(channels, ratio, kernel_size)
    if not load_by_shape(student, [w0, w1]):
        shapes = sorted(squeezed(p.shape) for p in weights_of(student))
        if shapes == sorted([(hidden, channels), (channels, hidden)] * 2):
            raise Outcome(verdict("separate_mlps", lang))
        widths = [s[0] for s in shapes if len(s) == 2 and s[1] == channels]
        if widths and widths[0] != hidden:
            rounded = widths[0] in (round(channels / ratio), math.ceil(channels / ratio))
            raise Outcome(verdict("ratio_rounded" if rounded else "ratio_ignored", lang, got=widths[0], channels=channels,
                                  ratio=ratio, expected=hidden))
        raise Outcome(verdict("unexpected_parameters", lang, got=shapes, expected=[(hidden, channels), (channels, hidden)]))
    out = run_forward(student, x, lang, what, explain)
    a, b = _mlp(w0, w1, x.mean((2, 3))), _mlp(w0, w1, x.amax((2, 3)))
    correct = torch.sigmoid(a + b)  # (N, C)
    mistakes = [
        ("only_avg", torch.sigmoid(a)), ("only_avg", torch.sigmoid(2 * a)),
        ("only_max", torch.sigmoid(b)), ("only_max", torch.sigmoid(2 * b)),
        ("no_sigmoid", a + b), ("softmax", torch.softmax(a + b, dim=1)),
        ("no_relu", torch.sigmoid(_mlp(w0, w1, x.mean((2, 3)), False) + _mlp(w0, w1, x.amax((2, 3)), False))),
        ("sigmoid_each", torch.sigmoid(a) + torch.sigmoid(b)),
    ]
    expected_shape = (n, channels, 1, 1)
    if out.shape == x.shape and tuple(out.shape) != expected_shape:  # equal shapes when H = W = 1
        if match(out, [("returns_refined", x * correct[..., None, None])]):
            raise Outcome(verdict("returns_refined", lang, map="Mc(F)"))
        raise Outcome(verdict("wrong_shape", lang, got=tuple(out.shape), expected=expected_shape))
    if out.numel() != n * channels:
        if out.dim() == 4 and out.shape[1] == 1:
            raise Outcome(verdict("wrong_pool_dims_channel", lang))
        raise Outcome(verdict("wrong_shape", lang, got=tuple(out.shape), expected=expected_shape))
    flat = out.reshape(n, channels)
    found = match(flat, [("correct", correct)] + mistakes)
    if found not in (None, "correct"):
        raise Outcome(verdict(found, lang, unit="channel" if lang == "en" else "通道"))
    if tuple(out.shape) != expected_shape:
        raise Outcome(verdict("no_keepdim", lang, got=tuple(out.shape), expected=expected_shape))
    if found is None:
        raise Outcome(verdict("wrong_values", lang, diff=(flat - correct).abs().max().item()))
    check_training(student, x, lambda z: channel_map(z, w0, w1), lang, what)
    return student, None


def diagnose_channel_attention(cls, lang: str | None = None, *, settings=None) -> Verdict:
    """Check a student's ChannelAttention class; return the Verdict (see :func:`check_channel_attention`).

    ``settings`` replaces :data:`SETTINGS`: (channels, ratio, kernel_size, batch, height, width) tuples.
    """
    return _run(_check_channel, cls, lang, "ChannelAttention", settings)


# --- spatial attention ---------------------------------------------------------------------


def _check_spatial(cls, lang, what, channels, ratio, k, n, h, w):
    student = attempt(f"{cls.__name__}({k})", lambda: cls(k), lang, what)
    _, _, kernel = _reference_weights(channels, ratio, k)
    x = _input(n, channels, h, w)

    def explain(error):
        shape = _input_shape_in(error)
        if shape and (len(shape) == 3 or shape[1:] == (n, 2 * h, w)):  # conv2d reads 3-D input as unbatched
            return "no_keepdim", {"got": (n, h, w), "expected": (n, 1, h, w)}
        if shape and len(shape) == 4 and shape[2:] == (1, 1):
            return "wrong_pool_dims_spatial", {}
        if "Kernel size can't be greater than actual input size" in error:
            return "no_padding", {"k": k}
        return None

    run_forward(student, x, lang, what, explain)  # crashes, loops and blanks first, with the student's own weights
    shapes = [squeezed(p.shape) for p in weights_of(student)]
    if shapes == [(1, 1, k, k)]:  # a convolution over one pooled map: which one?
        load_by_shape(student, [kernel[:, :1]])
        out = run_forward(student, x, lang, what)
        conv = lambda m: torch.sigmoid(F.conv2d(m, kernel[:, :1], padding=k // 2))  # noqa: E731
        found = match(out, [("spatial_only_avg", conv(x.mean(1, keepdim=True))), ("spatial_only_max", conv(x.amax(1, keepdim=True)))])
        raise Outcome(verdict(found or "unexpected_parameters", lang, got=shapes, expected=[(1, 2, k, k)]))
    if len(shapes) == 1 and len(shapes[0]) == 4 and shapes[0][:2] == (1, 2) and shapes[0][2] != k:
        raise Outcome(verdict("kernel_ignored", lang, got=shapes[0][2], expected=k))
    if not load_by_shape(student, [kernel]):
        raise Outcome(verdict("unexpected_parameters", lang, got=shapes, expected=[(1, 2, k, k)]))
    out = run_forward(student, x, lang, what, explain)
    correct = spatial_map(x, kernel)
    logits = torch.logit(correct)
    if out.shape == x.shape and not close(out, correct) and match(out, [("returns_refined", x * correct)]):
        raise Outcome(verdict("returns_refined", lang, map="Ms(F)"))
    if out.dim() == 4 and out.shape[:2] == (n, 1) and out.shape[2:] != (h, w):
        raise Outcome(verdict("padding_wrong", lang, got=tuple(out.shape[2:]), expected=(h, w)))
    if out.dim() == 4 and out.shape[2:] == (1, 1) != (h, w):
        raise Outcome(verdict("wrong_pool_dims_spatial", lang))
    if out.numel() != n * h * w:
        raise Outcome(verdict("wrong_shape", lang, got=tuple(out.shape), expected=(n, 1, h, w)))
    found = match(out.reshape(n, 1, h, w), [
        ("correct", correct),
        ("passed_swapped_order", spatial_map(x, kernel, order=("max", "mean"))),
        ("spatial_no_sigmoid", logits),
        ("softmax", torch.softmax(logits.flatten(1), dim=1).view(n, 1, h, w)),
    ])
    swapped = found == "passed_swapped_order"
    if swapped:
        found = "correct"
    if found not in (None, "correct"):
        raise Outcome(verdict(found, lang, unit="position" if lang == "en" else "位置"))
    if tuple(out.shape) != (n, 1, h, w):
        raise Outcome(verdict("no_keepdim", lang, got=tuple(out.shape), expected=(n, 1, h, w)))
    if found is None:
        raise Outcome(verdict("wrong_values", lang, diff=(out - correct).abs().max().item()))
    order = ("max", "mean") if swapped else ("mean", "max")
    check_training(student, x, lambda z: spatial_map(z, kernel, order), lang, what)
    return student, "passed_swapped_order" if swapped else None


def diagnose_spatial_attention(cls, lang: str | None = None, *, settings=None) -> Verdict:
    """Check a student's SpatialAttention class; return the Verdict (see :func:`check_spatial_attention`).

    ``settings`` replaces :data:`SETTINGS`, as for :func:`diagnose_channel_attention`.
    """
    return _run(_check_spatial, cls, lang, "SpatialAttention", settings)


# --- the CBAM block ------------------------------------------------------------------------


def _check_block(cls, lang, what, channels, ratio, k, n, h, w):
    hidden = channels // ratio
    student = attempt(f"{cls.__name__}({channels}, {ratio}, {k})", lambda: cls(channels, ratio, k), lang, what)
    x = _input(n, channels, h, w)
    run_forward(student, x, lang, what)  # crashes, loops and blanks first, with the student's own weights
    w0, w1, kernel = _reference_weights(channels, ratio, k)
    shapes = sorted(squeezed(p.shape) for p in weights_of(student))
    if shapes == sorted([(hidden, channels), (channels, hidden)]):
        raise Outcome(verdict("missing_gate", lang, gate="channel" if lang == "en" else "通道"))
    if shapes == [(1, 2, k, k)]:
        raise Outcome(verdict("missing_gate", lang, gate="spatial" if lang == "en" else "空间"))
    if not load_by_shape(student, [w0, w1, kernel]):
        raise Outcome(verdict("unexpected_parameters", lang, got=shapes, expected=[(hidden, channels), (channels, hidden), (1, 2, k, k)]))
    return student, _judge_block(student, x, lambda z: channel_map(z, w0, w1), kernel, lang, what)


def _judge_block(student, x, ca, kernel, lang, what) -> str | None:
    """Compare a block that has its known weights with F'' = Ms(F') ⊗ F', F' = Mc(F) ⊗ F, and train it once.

    ``ca`` computes the channel map with those weights, ``kernel`` is the spatial convolution's. Raises an
    Outcome naming the mistake; returns "passed_swapped_order" for a block that stacks [max; mean], else None.
    """
    out = run_forward(student, x, lang, what)
    orders = {"correct": ("mean", "max"), "passed_swapped_order": ("max", "mean")}
    sa = lambda z, order=orders["correct"]: spatial_map(z, kernel, order)  # noqa: E731
    f1 = x * ca(x)
    correct = f1 * sa(f1)
    if out.shape != x.shape:
        code = "returns_map" if out.dim() == 4 and (out.shape[1] == 1 or out.shape[2:] == (1, 1)) else "wrong_shape"
        raise Outcome(verdict(code, lang, got=tuple(out.shape), expected=tuple(x.shape)))
    g1 = x * sa(x)
    found = match(out, [
        ("correct", correct),
        ("passed_swapped_order", f1 * sa(f1, orders["passed_swapped_order"])),
        ("spatial_first", g1 * ca(g1)),
        ("parallel", x * ca(x) * sa(x)),
        ("added_to_input", x + correct), ("added_to_input", f1 + correct), ("added_to_input", x + x * ca(x) * sa(f1)),
        *(("added_to_input", y + sa(y)) for y in (x + ca(x), f1)),  # `x = x + self.ca(x); return x + self.sa(x)`
        ("added_to_input", (x + ca(x)) * sa(x + ca(x))),
        ("missing_gate", f1), ("missing_gate", g1),
    ])
    if found == "missing_gate":
        gate_en = "channel" if close(out, f1) else "spatial"
        raise Outcome(verdict(found, lang, gate=gate_en if lang == "en" else {"channel": "通道", "spatial": "空间"}[gate_en]))
    if found is None:
        raise Outcome(verdict("wrong_values", lang, diff=(out - correct).abs().max().item()))
    if found not in orders:
        raise Outcome(verdict(found, lang))

    def cbam(z):
        refined = z * ca(z)
        return refined * sa(refined, orders[found])

    check_training(student, x, cbam, lang, what)
    return None if found == "correct" else found


def diagnose_cbam_block(cls, lang: str | None = None, *, settings=None) -> Verdict:
    """Check a student's CBAMBlock class; return the Verdict (see :func:`check_cbam_block`).

    ``settings`` replaces :data:`SETTINGS`, as for :func:`diagnose_channel_attention`.
    """
    return _run(_check_block, cls, lang, "CBAMBlock", settings)
