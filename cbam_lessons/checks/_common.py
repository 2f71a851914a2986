"""Helpers shared by the checkers: give a student's module known weights, compare outputs."""

from __future__ import annotations

import inspect

import torch
from torch import nn

from ._sandbox import Outcome, attempt
from ._verdict import verdict


def require_module_class(cls, lang: str) -> None:
    if not (inspect.isclass(cls) and issubclass(cls, nn.Module)):
        got = f"an instance of {type(cls).__name__}" if isinstance(cls, nn.Module) else repr(cls)[:60]
        raise Outcome(verdict("not_a_module_class", lang, got=got))


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
        for p in params:
            ref = next(r for r in remaining if squeezed(r.shape) == squeezed(p.shape))
            remaining.remove(ref)
            p.copy_(ref.reshape(p.shape))
        for p in module.parameters():
            if p.dim() == 1:
                p.zero_()  # biases: the reference has none
    return True


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-4, atol=1e-5)


def run_forward(student: nn.Module, x: torch.Tensor, lang: str, what: str, explain=None) -> torch.Tensor:
    """The student's output for ``x`` as a float tensor, or an Outcome explaining why there is none."""
    with torch.no_grad():
        out = attempt("forward(x)", lambda: student(x), lang, what, explain)
    if not isinstance(out, torch.Tensor):
        raise Outcome(verdict("wrong_type", lang, step="forward(x)", got=type(out).__name__))
    return out.float()


def match(out: torch.Tensor, candidates: list[tuple[str, torch.Tensor]]) -> str | None:
    """The code of the first candidate output that ``out`` equals (same shape, close values)."""
    return next((code for code, value in candidates if close(out, value)), None)
