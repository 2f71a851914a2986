"""Helpers shared by the checkers: give a student's module known weights, compare outputs, train it once."""

from __future__ import annotations

import inspect
import re

import torch
from torch import nn

from ._sandbox import Outcome, attempt
from ._verdict import verdict


def require_module_class(cls, lang: str) -> None:
    if not (inspect.isclass(cls) and issubclass(cls, nn.Module)):
        got = f"an instance of {type(cls).__name__}" if isinstance(cls, nn.Module) else repr(cls)[:60]
        raise Outcome(verdict("not_a_module_class", lang, got=got))


def require_function(fn, lang: str, example: str) -> None:
    """Raise an Outcome unless ``fn`` is a function: a class or a value in its place is a common slip."""
    if not callable(fn) or isinstance(fn, type):
        raise Outcome(verdict("not_a_function", lang, got=repr(fn)[:60], example=example))


def squeezed(shape) -> tuple[int, ...]:
    """A weight's shape without trailing 1s: a 1x1 conv (out, in, 1, 1) reads as a Linear (out, in)."""
    shape = tuple(shape)
    while len(shape) > 2 and shape[-1] == 1:
        shape = shape[:-1]
    return shape


def weights_of(module: nn.Module) -> list[nn.Parameter]:
    """The module's weight matrices and kernels (parameters with 2+ dimensions)."""
    return [p for p in module.parameters() if p.dim() >= 2]


def load_by_shape(module: nn.Module, references: list[torch.Tensor]) -> bool:
    """Copy each reference into the student's weight of the same (squeezed) shape; zero all biases.

    Works whatever the student named the layers and whether they used Conv2d or Linear.
    Returns False when the student's weights do not correspond one-to-one to the references.
    """
    params = weights_of(module)
    if sorted(squeezed(p.shape) for p in params) != sorted(squeezed(r.shape) for r in references):
        return False
    remaining = list(references)
    with torch.no_grad():
        for p in params:  # in the student's order of declaration, whatever it is
            index = next(i for i, r in enumerate(remaining) if squeezed(r.shape) == squeezed(p.shape))
            p.copy_(remaining.pop(index).reshape(p.shape))  # by position: `==` on tensors compares values
        for p in module.parameters():
            if p.dim() == 1:
                p.zero_()  # biases: the reference has none
    return True


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-4, atol=1e-5)


def run_forward(student: nn.Module, x: torch.Tensor, lang: str, what: str, explain=None) -> torch.Tensor:
    """The student's output for ``x`` as a float tensor, or an Outcome explaining why there is none.

    The student gets a copy of ``x``; if its forward changes that copy (``x *= ...``), the verdict says so.
    """
    given = x.clone()
    with torch.no_grad():
        out = attempt("forward(x)", lambda: student(given), lang, what, explain)
    if not torch.equal(given, x):
        raise Outcome(verdict("modifies_input", lang))
    if not isinstance(out, torch.Tensor):
        raise Outcome(verdict("wrong_type", lang, step="forward(x)", got=type(out).__name__))
    return out.float()


def _cut_from_graph(student: nn.Module) -> str:
    """Why an output has no gradient, guessed from the class's source: no_grad, detach/.data, NumPy, or unknown."""
    sources = []
    for cls in type(student).__mro__:  # the student's classes, not the package's or torch's (nor verify's adapter)
        if cls.__module__.split(".")[0] in ("torch", "cbam_lessons", "builtins"):
            continue
        try:
            sources.append(inspect.getsource(cls))
        except (OSError, TypeError):
            pass
    source = "\n".join(sources)
    for code, pattern in (("no_grad_context", r"no_grad|inference_mode"), ("numpy_round_trip", r"numpy|\bnp\."),
                          ("detached_output", r"\.detach\(|\.data\b")):
        if re.search(pattern, source):
            return code
    return "no_graph"


def _explain_backward(error: str):
    if "modified by an inplace operation" in error:
        return "inplace_breaks_backward", {}
    return None


def check_training(student: nn.Module, x: torch.Tensor, reference, lang: str, what: str) -> None:
    """Run forward and backward as a network would; raise an Outcome when training would silently break.

    The input is a non-leaf tensor that requires grad, like the output of the layer before. The output
    must be in the autograd graph, every parameter must be reached by backward, and the gradient
    reaching the input must equal the gradient of ``reference`` (the correct function of x, with the
    same weights; a dead ReLU may make both zero).
    """
    with torch.enable_grad():
        leaf = x.detach().clone().requires_grad_(True)
        given = leaf * 1.0  # a non-leaf, as in a network
        student.zero_grad(set_to_none=True)
        explain = lambda error: ("numpy_round_trip", {}) if "numpy()" in error else None  # noqa: E731
        out = attempt("forward(x)", lambda: student(given), lang, what, explain)
        if not isinstance(out, torch.Tensor) or out.grad_fn is None:
            raise Outcome(verdict(_cut_from_graph(student), lang))
        upstream = torch.randn(out.shape, generator=torch.Generator().manual_seed(2))
        attempt("backward()", lambda: out.backward(upstream.to(out.dtype)), lang, what, _explain_backward)
        probe = x.detach().clone().requires_grad_(True)
        expected, = torch.autograd.grad(reference(probe).reshape(out.shape), probe, upstream)
        if leaf.grad is None or (expected.any() and not leaf.grad.any()):
            raise Outcome(verdict("input_gets_no_gradient", lang, hint=_hint_for(student, lang)))
        frozen = [name for name, p in student.named_parameters() if not p.requires_grad]
        if frozen:
            raise Outcome(verdict("parameters_frozen", lang, names=", ".join(frozen)))
        missing = [name for name, p in student.named_parameters() if p.requires_grad and p.grad is None]
        if missing:
            raise Outcome(verdict("parameters_get_no_gradient", lang, names=", ".join(missing)))
        if not close(leaf.grad, expected):
            raise Outcome(verdict("wrong_gradient", lang, hint=_hint_for(student, lang)))


def _hint_for(student: nn.Module, lang: str) -> str:
    """A pointer to the likely cut in the graph, from the source; empty when none is visible."""
    code = _cut_from_graph(student)
    return "" if code == "no_graph" else verdict(f"hint_{code}", lang).message


def match(out: torch.Tensor, candidates: list[tuple[str, torch.Tensor]]) -> str | None:
    """The code of the first candidate output that ``out`` equals (same shape, close values)."""
    return next((code for code, value in candidates if close(out, value)), None)
