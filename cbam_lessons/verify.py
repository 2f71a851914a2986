"""Is my CBAM correct? Run the exercise checkers on anyone's implementation.

    python -m cbam_lessons.verify path/to/file.py:ClassName [--kind channel|spatial|block|residual|bottleneck] [--lang zh]

The class is checked like the book's exercises: known weights, several input shapes, each known mistake
named, then one training step (gradients must reach the weights and the input, the input must not be
changed). Conventions of the official code and of timm are recognised as known variants and noted,
not called wrong:

- the gates return the refined map ``x * M`` instead of ``M`` (official ``ChannelGate``, ``SpatialGate``);
- the spatial gate takes no arguments (its kernel is fixed at 7) and normalises with BatchNorm;
- the MLP is ``nn.Linear`` with biases, and the spatial pools are stacked as [max; mean];
- the hidden width is rounded to the nearest integer, not floored (timm's ``make_divisible``).

The exit status is 0 when the class passes, 1 when it has a mistake, 2 when it cannot be checked.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
from pathlib import Path

import torch
from torch import nn

from .checks import attention
from .checks import (diagnose_cbam_block, diagnose_cbam_bottleneck, diagnose_channel_attention, diagnose_residual_cbam,
                     diagnose_spatial_attention)

_DIAGNOSE = {
    "channel": diagnose_channel_attention,
    "spatial": diagnose_spatial_attention,
    "block": diagnose_cbam_block,
    "residual": diagnose_residual_cbam,
    "bottleneck": diagnose_cbam_bottleneck,
}

_NOTES = {
    "returns_refined": ("it returns the refined map x * M rather than the map M, as the official code does",
                        "它返回细化后的特征图 x * M，而不是注意力图 M，与官方代码相同"),
    "no_arguments": ("its constructor takes no arguments (kernel fixed at 7), as the official SpatialGate",
                     "它的构造函数不接受参数（卷积核固定为 7），与官方的 SpatialGate 相同"),
    "batch_norm": ("it normalises the spatial logits with BatchNorm, as the official code; checked as identity",
                   "它像官方代码那样用 BatchNorm 归一化空间门控的输出；检查时把它设为恒等变换"),
    "timm_rounding": ("it rounds the hidden width C/r to the nearest integer, as timm does ({rounded} for C = {c}, "
                      "r = {r}; the paper's floor gives {floor}), so weights do not transfer when r does not divide C",
                      "它像 timm 那样把隐藏宽度 C/r 四舍五入（C = {c}、r = {r} 时为 {rounded}，论文的向下取整为 {floor}），"
                      "因此当 r 不整除 C 时，权重不能互换"),
}
_KNOWN = {"en": "Known variant: {}.", "zh": "已知的变体：{}。"}


class _UsageError(Exception):
    """A target that cannot be checked: the message is one line for the user."""


def _load_class(target: str) -> type:
    """Import ``path/to/file.py:ClassName`` and return the class, or raise _UsageError saying what is wrong."""
    path_text, _, name = target.rpartition(":")
    if not path_text or not name:
        raise _UsageError(f"expected FILE.py:ClassName, got {target!r}")
    path = Path(path_text)
    if not path.is_file():
        raise _UsageError(f"no file {str(path)!r}")
    spec = importlib.util.spec_from_file_location(f"_verified_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # inspect finds the source of its classes through it
    sys.path.insert(0, str(path.parent.resolve()))  # the file may import its neighbours
    try:
        spec.loader.exec_module(module)
    except BaseException as err:  # noqa: BLE001 - any failure while importing becomes one line
        if isinstance(err, KeyboardInterrupt):
            raise
        line = next((f.lineno for f in reversed(inspect.trace()) if f.filename == str(path)), None)
        where = f" (line {line})" if line else ""
        first = (str(err).strip().splitlines() or [""])[0][:200]
        raise _UsageError(f"{path} could not be imported{where}: {type(err).__name__}: {first}") from None
    finally:
        sys.path.remove(str(path.parent.resolve()))
    found = getattr(module, name, None)
    if not (inspect.isclass(found) and issubclass(found, nn.Module)):
        classes = sorted(n for n, v in vars(module).items() if inspect.isclass(v) and issubclass(v, nn.Module)
                         and v.__module__ == module.__name__)
        there = ", ".join(classes) if classes else "none"
        raise _UsageError(f"{path} has no nn.Module class {name!r} (classes there: {there})")
    return found


def _guess_kind(cls: type) -> str:
    name = cls.__name__.lower()
    for word, kind in (("bottleneck", "bottleneck"), ("residual", "residual"), ("basicblock", "residual"),
                       ("channel", "channel"), ("spatial", "spatial"), ("cbam", "block"), ("block", "block")):
        if word in name:
            return kind
    raise _UsageError(f"cannot tell what {cls.__name__} is from its name: add --kind channel, spatial, block, residual or bottleneck")


def _identity_batch_norms(module: nn.Module) -> bool:
    """Replace each BatchNorm by a fixed identity (no learnable scale or shift); True if there was one."""
    found = False
    for name, child in module.named_children():
        if isinstance(child, nn.modules.batchnorm._BatchNorm):
            setattr(module, name, nn.BatchNorm2d(child.num_features, eps=child.eps, affine=False).eval())
            found = True
        else:
            found |= _identity_batch_norms(child)
    return found


def _takes_arguments(cls: type) -> bool:
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in parameters)


def _adapt(cls: type, kind: str, notes: list[str]) -> type:
    """A subclass of ``cls`` that follows the book's conventions, recording each known variant in ``notes``."""
    takes_arguments = _takes_arguments(cls)
    if kind == "spatial" and not takes_arguments:
        notes.append("no_arguments")

    class Adapted(cls):
        def __init__(self, *args):
            super().__init__(*(args if takes_arguments else ()))
            if kind == "spatial" and _identity_batch_norms(self) and "batch_norm" not in notes:
                notes.append("batch_norm")

        def forward(self, x):
            out = super().forward(x)
            if kind in ("channel", "spatial") and isinstance(out, torch.Tensor) and out.shape == x.shape:
                if "returns_refined" not in notes:
                    notes.append("returns_refined")
                gate = out / x  # the map M, broadcast, from x * M; the checkers' inputs have no zeros
                return gate[:, :, :1, :1] if kind == "channel" else gate[:, :1]
            return out

    Adapted.__name__ = Adapted.__qualname__ = cls.__name__
    return Adapted


def _timm_rounding(cls: type, notes: list[str]) -> dict | None:
    """Fields of the timm_rounding note when the class rounds C/r to nearest (probed at C = 40, r = 16)."""
    c, r = 40, 16
    try:
        module = cls(c, r)
    except Exception:  # noqa: BLE001 - the full check reports construction errors
        return None
    widths = {min(p.shape[:2]) for p in module.parameters() if p.dim() >= 2 and c in p.shape[:2]}
    rounded = int(c / r + 0.5)
    if widths == {rounded} and rounded != c // r:
        notes.append("timm_rounding")
        return {"rounded": rounded, "c": c, "r": r, "floor": c // r}
    return None


def verify(cls: type, kind: str, lang: str = "en") -> tuple[bool, str]:
    """Check ``cls`` as a ``kind`` module; return (passed, the text to print)."""
    notes: list[str] = []
    settings = attention.SETTINGS
    if kind == "spatial" and not _takes_arguments(cls):
        settings = [(c, r, 7, n, h, w) for c, r, _, n, h, w in settings]  # the kernel is fixed at 7
    fields = _timm_rounding(cls, notes) if kind in ("channel", "block") else None
    if fields:  # a known variant, noted: check it where rounding and flooring agree (r divides C)
        settings = [(c // r * r, r, k, n, h, w) for c, r, k, n, h, w in settings]
    original = attention.SETTINGS
    attention.SETTINGS = settings
    try:
        result = _DIAGNOSE[kind](_adapt(cls, kind, notes), lang)
    finally:
        attention.SETTINGS = original
    lines = [result.message]
    for code in notes:
        text = _NOTES[code][0 if lang == "en" else 1].format(**(fields or {}))
        lines.append(_KNOWN[lang].format(text))
    return result.passed, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cbam_lessons.verify",
        description="Check a CBAM module (channel gate, spatial gate, block, residual block or torchvision-style Bottleneck) against the paper.",
    )
    parser.add_argument("target", help="path/to/file.py:ClassName")
    parser.add_argument("--kind", choices=sorted(_DIAGNOSE), help="what the class is (guessed from its name if omitted)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the verdict")
    args = parser.parse_args(argv)
    try:
        cls = _load_class(args.target)
        kind = args.kind or _guess_kind(cls)
    except _UsageError as err:
        print(f"verify: {err}", file=sys.stderr)
        return 2
    passed, text = verify(cls, kind, args.lang)
    print(text)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
