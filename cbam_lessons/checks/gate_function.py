"""Checker for chapter 9's exercise: a gate's multiplication with a hand-written backward pass.

The student writes ``GateProduct``, a ``torch.autograd.Function`` with ``apply(x, logits) = x * sigmoid(logits)``,
where ``logits`` broadcasts over ``x``: (N, C, 1, 1) for the channel gate, (N, 1, H, W) for the spatial gate.
For an upstream gradient g, with s = sigmoid(logits):

    dL/dx = g * s                dL/dlogits = sum over the broadcast dimensions of g * x * s * (1 - s)

Both gate shapes are tried, the gradients are compared with these formulas (each wrong one named), and
``torch.autograd.gradcheck`` has the last word on small double-precision inputs.
"""

from __future__ import annotations

import inspect
import re

import torch

from ._sandbox import Outcome, attempt
from ._verdict import Verdict, WHAT, current_language, verdict

#: Logit shapes for x of shape (2, 4, 5, 6): the channel gate's and the spatial gate's.
_X_SHAPE = (2, 4, 5, 6)
_GATES = ((2, 4, 1, 1), (2, 1, 5, 6))


def _require_function_class(cls, lang: str) -> None:
    if not (inspect.isclass(cls) and issubclass(cls, torch.autograd.Function)):
        got = f"an instance of {type(cls).__name__}" if not inspect.isclass(cls) else cls.__name__
        raise Outcome(verdict("not_an_autograd_function", lang, got=got[:60]))


def _reduced(t: torch.Tensor, shape) -> torch.Tensor:
    """``t`` summed over the dimensions where ``shape`` has size 1, kept as size 1."""
    dims = tuple(i for i, size in enumerate(shape) if size == 1 and t.shape[i] != 1)
    return t.sum(dim=dims, keepdim=True) if dims else t


def _explain_backward(logits_shape):
    """Name the mistake behind autograd's complaints about the gradients backward returned.

    Autograd itself sums a gradient that merely broadcasts (dL/dlogits of x's full shape), so only a
    gradient that cannot be reduced to its input's shape, or a missing one, raises.
    """

    def explain(error: str):
        wrong_shape = re.search(r"invalid gradient at index (\d) - got \[([\d, ]*)\]", error)
        if wrong_shape and wrong_shape[1] == "0":
            return "gradients_in_wrong_order", {}
        if wrong_shape:
            got = tuple(int(v) for v in wrong_shape[2].split(",") if v.strip())
            return "gate_gradient_wrong_dims", {"got": got, "expected": tuple(logits_shape)}
        if "incorrect number of gradients" in error:
            return "wrong_number_of_gradients", {}
        return None

    return explain


def _inputs(logits_shape, dtype=torch.float64):
    generator = torch.Generator().manual_seed(len(logits_shape) + logits_shape[1])
    x = torch.randn(_X_SHAPE, generator=generator, dtype=dtype)
    logits = torch.randn(logits_shape, generator=generator, dtype=dtype)
    upstream = torch.randn(_X_SHAPE, generator=generator, dtype=dtype)
    return x, logits, upstream


def _close(a, b) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-6, atol=1e-8)


def diagnose_gate_function(cls, lang: str | None = None) -> Verdict:
    """Check a ``torch.autograd.Function`` computing x * sigmoid(logits) with its own backward; return the Verdict."""
    lang = current_language(lang)
    name = getattr(cls, "__name__", "GateProduct")
    what = WHAT[lang].format(name=name)
    try:
        _require_function_class(cls, lang)
        for shape in _GATES:
            _check_gate(cls, name, shape, lang, what)
        x, logits, _ = _inputs(_GATES[1])
        args = (x[:1, :2, :3, :3].clone().requires_grad_(), logits[:1, :, :3, :3].clone().requires_grad_())
        ok = attempt("gradcheck", lambda: torch.autograd.gradcheck(cls.apply, args, raise_exception=False), lang, what)
        if not ok:
            raise Outcome(verdict("gradcheck_failed", lang))
    except Outcome as outcome:
        return outcome.verdict
    return verdict("passed", lang, what=what)


def _check_gate(cls, name: str, shape, lang: str, what: str) -> None:
    x, logits, upstream = _inputs(shape)
    s = torch.sigmoid(logits)
    xi, li = x.clone().requires_grad_(), logits.clone().requires_grad_()
    out = attempt(f"{name}.apply(x, logits)", lambda: cls.apply(xi, li), lang, what)
    if not torch.equal(xi.detach(), x) or not torch.equal(li.detach(), logits):
        raise Outcome(verdict("modifies_input", lang))
    if not isinstance(out, torch.Tensor):
        raise Outcome(verdict("wrong_type", lang, step=f"{name}.apply(x, logits)", got=type(out).__name__))
    if out.shape != x.shape:
        raise Outcome(verdict("wrong_shape", lang, got=tuple(out.shape), expected=tuple(x.shape)))
    if _close(out.detach(), x * logits):
        raise Outcome(verdict("forward_without_sigmoid", lang))
    if not _close(out.detach(), x * s):
        raise Outcome(verdict("wrong_values", lang, diff=(out.detach() - x * s).abs().max().item()))
    given = upstream.clone()
    attempt("backward()", lambda: out.backward(given), lang, what, _explain_backward(shape))
    if not torch.equal(given, upstream):
        raise Outcome(verdict("modifies_grad_output", lang))
    if xi.grad is None or li.grad is None:
        raise Outcome(verdict("gate_input_gets_no_gradient", lang, which="x" if xi.grad is None else "logits"))
    _judge(xi.grad, [("correct", upstream * s), ("input_gradient_ignores_gate", upstream),
                     ("input_gradient_uses_logits", upstream * logits)], "dL/dx", lang)
    gx = upstream * x
    _judge(li.grad, [("correct", _reduced(gx * s * (1 - s), shape)),
                     ("missing_sigmoid_derivative", _reduced(gx, shape)),
                     ("wrong_sigmoid_derivative", _reduced(gx * s, shape)),
                     ("wrong_sigmoid_derivative", _reduced(gx * (1 - s), shape)),
                     ("gate_gradient_without_x", _reduced(upstream * s * (1 - s), shape))], "dL/dlogits", lang)


def _judge(grad: torch.Tensor, candidates, which: str, lang: str) -> None:
    """Raise the verdict of the first candidate ``grad`` equals, or wrong_gradient_values if none."""
    found = next((code for code, value in candidates if _close(grad, value)), None)
    if found is None:
        correct = candidates[0][1]
        diff = (grad - correct).abs().max().item() if grad.shape == correct.shape else float("nan")
        raise Outcome(verdict("wrong_gradient_values", lang, which=which, diff=diff))
    if found != "correct":
        raise Outcome(verdict(found, lang))
