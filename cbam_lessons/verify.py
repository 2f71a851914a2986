"""Is my CBAM correct? Run the exercise checkers on anyone's implementation, or on every CBAM inside a model.

    python -m cbam_lessons.verify FILE.py:ClassName [--kind channel|spatial|block|residual|bottleneck] [--args ARGS] [--lang zh]
    python -m cbam_lessons.verify FILE.py:build_model [--lang zh]

A class is checked like the book's exercises: known weights, several input shapes, each known mistake named, then
one training step (gradients must reach the weights and the input, the input must not be changed).

**Building it.** The checkers vary the channels C, the reduction ratio r and the spatial kernel size k. verify reads
the class's constructor and gives each setting to the parameter named like it (see
:data:`cbam_lessons.checks._signature.ALIASES`: ``channels``, ``in_planes``, ``c1``, ``gate_channels``, …;
``ratio``, ``reduction``, ``reduction_ratio``, …; ``kernel_size``, ``k``, …; ``c2`` and ``out_channels`` get C
too), or by position when the required parameters it does not know are as many as the settings left. A ratio
whose default is a fraction below 1 (timm's ``rd_ratio=1/16``) gets 1/r; a spatial gate whose constructor requires a
channel count gets C. Other parameters keep their defaults. A setting the constructor does not take is fixed
(k = 7, r = 16) and noted. ``--args`` replaces all this with the argument list to use, ``{channels}``, ``{ratio}``
(or ``1/{ratio}``) and ``{kernel_size}`` standing for the settings, also inside tuples, lists and dicts, and anything
else a Python literal: ``--args "{channels}, reduction_ratio={ratio}"``. When it cannot build the class, the message
gives an ``--args`` made from the constructor's signature, ``…`` where a parameter needs a value it cannot guess.

**Known variants** are recognised and noted, not called wrong:

- the official code (Jongchan/attention-module): gates that return ``x * M``, an ``nn.Linear`` MLP with biases,
  a spatial gate with BatchNorm (checked as an identity) and [max; mean], the kernel fixed at 7;
- timm's ``ChannelAttn``, ``SpatialAttn`` and ``CbamModule`` (timm/layers/cbam.py): gates that return ``x * M``,
  BatchNorm after the spatial convolution (checked as an identity), and the hidden width C/r rounded to the nearest
  integer;
- Ultralytics' ``ChannelAttention`` and ``CBAM`` (RTMDet's channel gate: average pooling and one 1×1 convolution
  C → C with a bias; no max-pooled descriptor, no bottleneck), checked against their own definition and named
  with what differs from the paper and what that changes; its ``SpatialAttention`` is the paper's gate
  returning ``x * M``.

**A whole model**: ``FILE.py:NAME`` where NAME is a function that returns an ``nn.Module``, an ``nn.Module``
instance the file builds, or an ``nn.Module`` class that builds without arguments and whose name says no kind (or
any class, with ``--kind model``). Importing the file and building the model may each take
:data:`LOAD_TIME_LIMIT_S`. verify finds its CBAM modules as :mod:`cbam_lessons.checks._discovery` describes, checks
each on its own channels, ratio and kernel, and prints one line per module path, then a count.

**Exit status**: 0 when everything checked passes, known variants included (their notes say what differs); 1 when
the class, or any module found in the model, has a mistake; 2 when nothing could be checked: the file, the name,
the import (or an import that does not finish), a constructor it cannot call (the message shows the signature found
and the one expected), ``--args``, the model's factory (or one that does not return), or a model without CBAM modules.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import inspect
import sys
from pathlib import Path

import torch
from torch import nn

from .checks import (diagnose_cbam_block, diagnose_cbam_bottleneck, diagnose_channel_attention, diagnose_residual_cbam,
                     diagnose_spatial_attention)
from .checks import _discovery as discovery, _signature as signature, _variants as variants, attention
from .checks._sandbox import Outcome, TimeLimit, attempt, describe, with_time_limit

#: How long importing the file, or building a whole model, may take before verify gives up (exit status 2).
LOAD_TIME_LIMIT_S = 120.0

_DIAGNOSE = {
    "channel": diagnose_channel_attention,
    "spatial": diagnose_spatial_attention,
    "block": diagnose_cbam_block,
    "residual": diagnose_residual_cbam,
    "bottleneck": diagnose_cbam_bottleneck,
}
#: The settings each kind's checker builds the class with, in its order (a bottleneck gets torchvision's arguments).
_CALLS = {
    "channel": ("channels", "ratio"),
    "spatial": ("kernel_size",),
    "block": ("channels", "ratio", "kernel_size"),
    "residual": ("channels", "ratio", "kernel_size"),
}
#: Settings a kind's constructor may also need: a spatial gate that asks for the channel count gets the check's.
_EXTRA = {"spatial": ("channels",)}
#: The values the constructor's arguments are checked against before any check runs.
_BIND_VALUES = {"channels": 32, "ratio": 8, "kernel_size": 7}
#: The kinds whose checkers take settings; a setting the constructor does not take gets this value, and a note.
_WITH_SETTINGS = ("channel", "spatial", "block")
_FIXED = {"ratio": (16, "fixed_ratio"), "kernel_size": (7, "fixed_kernel")}
_ULTRALYTICS = {"channel": variants.diagnose_ultralytics_channel, "block": variants.diagnose_ultralytics_block}

#: Known implementations, recognised by what a passing check saw of them: name -> (kind, traits).
_FAMILIES = {
    "official_channel": ("channel", frozenset({"biases", "returns_refined"})),
    "official_spatial": ("spatial", frozenset({"batch_norm", "max_mean", "returns_refined"})),
    "official_block": ("block", frozenset({"biases", "batch_norm", "max_mean"})),
    "ultralytics_spatial": ("spatial", frozenset({"returns_refined"})),
    "timm_channel": ("channel", frozenset({"returns_refined"})),
    "timm_spatial": ("spatial", frozenset({"batch_norm", "returns_refined"})),
    "timm_block": ("block", frozenset({"batch_norm"})),
}
_FAMILY_TRAITS = frozenset().union(*(traits for _, traits in _FAMILIES.values()))
#: The traits with a note of their own, in the order they are printed.
_NOTE_ORDER = ("returns_refined", "batch_norm", "timm_rounding")

_NOTES = {
    "known": ("Known variant: {note}.", "已知的变体：{note}。"),
    "setting": ("Note: {note}.", "说明：{note}。"),
    "returns_refined": ("it returns the refined map x * M rather than the map M, as the official code's and "
                        "Ultralytics' gates do",
                        "它返回细化后的特征图 x * M，而不是注意力图 M，官方代码和 Ultralytics 的门控都是这样"),
    "batch_norm": ("like the official code, it normalises the spatial gate's convolution output with BatchNorm "
                   "before the sigmoid; checked as an identity",
                   "它像官方代码那样，在 sigmoid 之前用批量归一化处理空间门控的卷积输出；检查时把它设为恒等变换"),
    "fixed_kernel": ("no kernel size is passed to its constructor, so it was checked with a 7×7 kernel only, the "
                     "size the official code fixes",
                     "构造时没有传入卷积核大小，因此只用 7×7 的卷积核做了检查（官方代码把它固定为 7）"),
    "fixed_ratio": ("no reduction ratio is passed to its constructor, so it was checked with r = 16, the paper's",
                    "构造时没有传入压缩比，因此按论文的 r = 16 做了检查"),
    "timm_rounding": ("it rounds the hidden width C/r to the nearest integer, as timm does ({rounded} for C = {c}, "
                      "r = {r}; the paper's floor gives {floor}), so weights do not transfer when r does not divide C",
                      "它像 timm 那样把隐藏宽度 C/r 四舍五入（C = {c}、r = {r} 时为 {rounded}，论文的向下取整为 {floor}），"
                      "因此当 r 不整除 C 时，权重不能互换"),
    "official_channel": ("this is the official code's ChannelGate (Jongchan/attention-module): the paper's channel "
                         "gate, except that its MLP is nn.Linear with biases (C // r + C more parameters, checked at "
                         "zero) and it returns x * Mc(F) in place of Mc(F)",
                         "这是官方代码（Jongchan/attention-module）中的 ChannelGate：与论文的通道门控相同，只是它的多层感知机"
                         "用带偏置的 nn.Linear（多出 C // r + C 个参数，检查时设为零），并且返回 x * Mc(F) 而不是 Mc(F)"),
    "official_spatial": ("this is the official code's SpatialGate (Jongchan/attention-module): the paper's spatial "
                         "gate, except that BatchNorm follows its 7×7 convolution (checked as an identity; trained, it "
                         "shifts and scales the map before the sigmoid), the pools are stacked [max; mean], and it "
                         "returns x * Ms(F) in place of Ms(F)",
                         "这是官方代码（Jongchan/attention-module）中的 SpatialGate：与论文的空间门控相同，只是 7×7 卷积之后"
                         "接了批量归一化（检查时设为恒等变换；训练之后，它会在 sigmoid 之前对卷积的输出做平移和缩放），两张池化图"
                         "按 [max; mean] 的顺序拼接，并且返回 x * Ms(F) 而不是 Ms(F)"),
    "official_block": ("this is the official code's CBAM (Jongchan/attention-module): the paper's block, except that "
                       "its MLP is nn.Linear with biases (checked at zero), BatchNorm follows the spatial 7×7 "
                       "convolution (checked as an identity) and the spatial pools are stacked [max; mean]. So its "
                       "checkpoints do not load into the paper's CBAM one to one: the biases and the BatchNorm have no "
                       "counterpart there, and the kernel's two input channels are swapped",
                       "这是官方代码（Jongchan/attention-module）中的 CBAM：与论文的模块相同，只是多层感知机用带偏置的 "
                       "nn.Linear（检查时设为零），空间门控的 7×7 卷积之后接了批量归一化（检查时设为恒等变换），两张池化图"
                       "按 [max; mean] 的顺序拼接。因此它的检查点不能一一加载到论文的 CBAM 中：偏置和批量归一化在那里没有"
                       "对应的参数，卷积核的两个输入通道也是对调的"),
    "timm_channel": ("it has the structure of timm's ChannelAttn (timm/layers/cbam.py): the paper's channel gate, "
                     "returning x * Mc(F) in place of Mc(F); timm's rd_ratio is the fraction 1/r (1/16), so verify "
                     "passed 1/r",
                     "它的结构与 timm 的 ChannelAttn（timm/layers/cbam.py）相同：就是论文的通道门控，只是返回 x * Mc(F) "
                     "而不是 Mc(F)；timm 的 rd_ratio 是分数 1/r（1/16），因此 verify 传入的是 1/r"),
    "timm_spatial": ("it has the structure of timm's SpatialAttn (timm/layers/cbam.py): the paper's spatial gate "
                     "([mean; max]), except that BatchNorm follows its convolution (ConvNormAct; checked as an "
                     "identity; trained, it shifts and scales the map before the sigmoid), and it returns x * Ms(F) "
                     "in place of Ms(F)",
                     "它的结构与 timm 的 SpatialAttn（timm/layers/cbam.py）相同：就是论文的空间门控（[mean; max]），只是"
                     "卷积之后接了批量归一化（ConvNormAct；检查时设为恒等变换；训练之后，它会在 sigmoid 之前对卷积的输出做"
                     "平移和缩放），并且返回 x * Ms(F) 而不是 Ms(F)"),
    "timm_block": ("it has the structure of timm's CbamModule (timm/layers/cbam.py): the paper's block, except that "
                   "BatchNorm follows the spatial convolution (checked as an identity), which the paper's CBAM has no "
                   "counterpart for in a checkpoint; timm's rd_ratio is the fraction 1/r, so verify passed 1/r",
                   "它的结构与 timm 的 CbamModule（timm/layers/cbam.py）相同：与论文的模块相同，只是空间卷积之后接了批量归一化"
                   "（检查时设为恒等变换），论文的 CBAM 的检查点中没有与之对应的参数；timm 的 rd_ratio 是分数 1/r，"
                   "因此 verify 传入的是 1/r"),
    "ultralytics_spatial": ("it has the structure of Ultralytics' SpatialAttention: the paper's spatial gate "
                            "([mean; max], a k×k convolution without bias, a sigmoid) returning x * Ms(F) in place "
                            "of Ms(F)",
                            "它的结构与 Ultralytics 的 SpatialAttention 相同：就是论文的空间门控（[mean; max]、不带偏置的 "
                            "k×k 卷积、sigmoid），只是返回 x * Ms(F) 而不是 Ms(F)"),
}

_ERRORS = {
    "bad_target": ("expected FILE.py:ClassName or FILE.py:build_model, got {target!r}",
                   "应为 FILE.py:类名 或 FILE.py:构建模型的函数名，实际是 {target!r}"),
    "no_file": ("no file {path!r}", "找不到文件 {path!r}"),
    "import_failed": ("{path} could not be imported{where}: {error}", "无法导入 {path}{where}：{error}"),
    "import_timeout": ("{path} could not be imported: importing it took more than {seconds:g} s",
                       "无法导入 {path}：导入超过了 {seconds:g} 秒"),
    "no_target": ("{path} has no nn.Module class, nn.Module instance or function {name!r} (nn.Module classes "
                  "there: {classes})",
                  "{path} 中没有名为 {name!r} 的 nn.Module 类、nn.Module 实例或函数（其中的 nn.Module 类：{classes}）"),
    "cannot_guess": ("cannot tell what {name} is from its name: add --kind channel, spatial, block, residual or "
                     "bottleneck (--kind model for a whole model)",
                     "无法从名称判断 {name} 是什么：请加上 --kind channel、spatial、block、residual 或 bottleneck"
                     "（整个模型用 --kind model）"),
    "signature": ("cannot build {found} for the checks: no value for {unknown}. verify calls {expected}, giving each "
                  "setting to the parameter named like it ({aliases}). Say how to build it with --args, e.g. "
                  "--args \"{example}\"{fill}",
                  "无法为检查构建 {found}：参数 {unknown} 没有可用的值。verify 按 {expected} 调用，按参数名把各项设置传给"
                  "对应的参数（{aliases}）。请用 --args 说明如何构建，例如 --args \"{example}\"{fill}"),
    "fill": (", writing each … as a placeholder ({placeholders}) or a Python literal",
             "，把其中每个 … 写成占位符（{placeholders}）或 Python 字面量"),
    "signature_refused": ("cannot build {found} with --args {template!r}: {error}. Each setting verify varies is a "
                          "placeholder, {placeholders}; fix --args",
                          "无法用 --args {template!r} 构建 {found}：{error}。verify 会改变的每项设置都要写成占位符："
                          "{placeholders}；请修改 --args"),
    "unreadable": ("cannot read the signature of {found}: say how to build it with --args, e.g. --args \"{example}\"",
                   "无法读取 {found} 的签名：请用 --args 说明如何构建，例如 --args \"{example}\""),
    "args_unknown_placeholder": ("--args: unknown placeholder {{{name}}}; use {known}",
                                 "--args：未知的占位符 {{{name}}}；可用的是 {known}"),
    "args_not_arguments": ("--args {template!r} is not an argument list: write what goes between a call's parentheses",
                           "--args {template!r} 不是参数列表：请写调用时括号里的内容"),
    "args_starred": ("--args: * and ** are not allowed; write out each argument", "--args：不能用 * 和 **；请逐个写出参数"),
    "args_not_literal": ("--args: {text!r} is neither a Python literal nor a placeholder",
                         "--args：{text!r} 既不是 Python 字面量，也不是占位符"),
    "args_kind": ("--args is for channel, spatial, block and residual modules; a bottleneck is built as torchvision's "
                  "ResNet builds it",
                  "--args 只适用于 channel、spatial、block 和 residual；bottleneck 按 torchvision 的 ResNet 的方式构建"),
    "args_model": ("--args is for a class; a model's modules are checked as the model built them",
                   "--args 只适用于类；模型中的模块按模型构建时的样子检查"),
    "function_kind": ("{name} is a function: verify builds the model it returns and checks the CBAM modules in it; "
                      "leave out --kind {kind}",
                      "{name} 是函数：verify 会构建它返回的模型，并检查其中的 CBAM 模块；请去掉 --kind {kind}"),
    "instance_kind": ("{name} is an nn.Module instance: verify checks the CBAM modules in it as a whole model; leave "
                      "out --kind {kind}, or name its class",
                      "{name} 是 nn.Module 实例：verify 会把它当作整个模型，检查其中的 CBAM 模块；请去掉 --kind {kind}，"
                      "或者改用它的类"),
    "model_failed": ("{call} failed{where}: {error}", "{call} 出错{where}：{error}"),
    "model_timeout": ("{call} did not return within {seconds:g} s", "{call} 在 {seconds:g} 秒内没有返回"),
    "not_a_model": ("{call} returned {got}, not an nn.Module", "{call} 返回的是 {got}，而不是 nn.Module"),
    "no_modules": ("found no CBAM module in {name}: none is named like one (CBAM, ChannelAttention, SpatialGate, …) or "
                   "has the weights of a CBAM block or a spatial gate",
                   "在 {name} 中没有找到 CBAM 模块：没有哪个模块的名称像 CBAM（CBAM、ChannelAttention、SpatialGate 等），"
                   "也没有哪个模块的权重像 CBAM 模块或空间门控"),
    "kind_hint": (". If {name} is itself one, add --kind channel, spatial, block, residual or bottleneck",
                  "。如果 {name} 本身就是这样的模块，请加上 --kind channel、spatial、block、residual 或 bottleneck"),
    "where": (" (line {line})", "（第 {line} 行）"),
}

_LINES = {
    "module": ("{path} ({cls}): {text}", "{path}（{cls}）：{text}"),
    "root": ("(the model itself)", "（模型本身）"),
    "summary": ("{total} CBAM modules checked: {passed} passed, {failed} with a mistake.",
                "共检查了 {total} 个 CBAM 模块：{passed} 个通过，{failed} 个有错误。"),
    "built_as": ("verify built it as {call}; if it is not meant to be called so, pass --args.",
                 "verify 是这样构建它的：{call}；如果不该这样调用，请用 --args 指定参数。"),
}


class CannotCheck(Exception):
    """A target that cannot be checked: the message is one line for the user."""


def _text(table: dict, code: str, lang: str, **fields) -> str:
    return table[code][0 if lang == "en" else 1].format(**fields)


def _error(code: str, lang: str, **fields) -> CannotCheck:
    return CannotCheck(_text(_ERRORS, code, lang, **fields))


def _where(path: Path, lang: str) -> str:
    """Inside an ``except`` block: " (line N)" for the innermost frame of the exception in ``path``, else ""."""
    line = next((f.lineno for f in reversed(inspect.trace()) if f.filename == str(path)), None)
    return _text(_ERRORS, "where", lang, line=line) if line else ""


# --- the target ----------------------------------------------------------------------------


def _load_target(target: str, lang: str) -> tuple[object, Path]:
    """Import ``path/to/file.py:Name``; return the nn.Module class, instance or function Name and the file's path.

    The import may take :data:`LOAD_TIME_LIMIT_S`.
    """
    path_text, _, name = target.rpartition(":")
    if not path_text or not name:
        raise _error("bad_target", lang, target=target)
    path = Path(path_text)
    if not path.is_file():
        raise _error("no_file", lang, path=str(path))
    spec = importlib.util.spec_from_file_location(f"_verified_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # inspect finds the source of its classes through it
    sys.path.insert(0, str(path.parent.resolve()))  # the file may import its neighbours
    try:
        with_time_limit(lambda: spec.loader.exec_module(module), LOAD_TIME_LIMIT_S)
    except TimeLimit:
        raise _error("import_timeout", lang, path=path, seconds=LOAD_TIME_LIMIT_S) from None
    except BaseException as err:  # noqa: BLE001 - any failure while importing (sys.exit too) becomes one line
        if isinstance(err, KeyboardInterrupt):
            raise
        raise _error("import_failed", lang, path=path, where=_where(path, lang), error=describe(err)) from None
    finally:
        sys.path.remove(str(path.parent.resolve()))
    found = getattr(module, name, None)
    if inspect.isfunction(found) or isinstance(found, nn.Module) or (inspect.isclass(found) and issubclass(found, nn.Module)):
        return found, path
    classes = sorted(n for n, v in vars(module).items() if inspect.isclass(v) and issubclass(v, nn.Module)
                     and v.__module__ == module.__name__)
    raise _error("no_target", lang, path=path, name=name, classes=", ".join(classes) or "—")


def _kind_from_name(cls: type) -> str | None:
    """The kind the class's name says (the same guess the search in a model makes), or None."""
    return discovery.kind_from_name(cls.__name__)


def _builds_without_arguments(cls: type) -> bool:
    try:
        parameters = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters)


def _is_model(target: object, kind: str | None) -> bool:
    """A whole model: a function, ``--kind model``, or a class whose name says no kind that builds without arguments."""
    if kind is not None:
        return kind == "model"
    return inspect.isfunction(target) or (_kind_from_name(target) is None and _builds_without_arguments(target))


def _build_model(factory, path: Path, lang: str) -> nn.Module:
    """Call the factory (or class) without arguments; the model, or CannotCheck saying why there is none.

    The call may take :data:`LOAD_TIME_LIMIT_S`.
    """
    call = f"{factory.__name__}()"
    try:
        model = with_time_limit(factory, LOAD_TIME_LIMIT_S)
    except TimeLimit:
        raise _error("model_timeout", lang, call=call, seconds=LOAD_TIME_LIMIT_S) from None
    except BaseException as err:  # noqa: BLE001 - the user's code: one line, with the line it failed on
        if isinstance(err, KeyboardInterrupt):
            raise
        raise _error("model_failed", lang, call=call, where=_where(path, lang), error=describe(err)) from None
    if not isinstance(model, nn.Module):
        raise _error("not_a_model", lang, call=call, got=type(model).__name__)
    return model


# --- building the class for the checkers ---------------------------------------------------


def _builder(cls: type, kind: str, template: str | None, lang: str) -> signature.Builder | None:
    """How to call ``cls`` with the checker's settings (None: as the checker does); CannotCheck when there is no way."""
    names = _CALLS.get(kind)
    if names is None:
        if template is not None:
            raise _error("args_kind", lang)
        return None
    extra = _EXTRA.get(kind, ())
    placeholders = ", ".join("{%s}" % n for n in (*names, *extra))
    try:
        builder = (signature.from_signature(cls, names, extra) if template is None
                   else signature.from_template(template, (*names, *extra)))
        signature.check_binds(cls, builder, _BIND_VALUES)  # each setting by its name
    except signature.TemplateError as err:
        raise _error(f"args_{err.code}", lang, template=template, **err.fields) from None
    except signature.SignatureError as err:
        if template is not None:
            raise _error("signature_refused", lang, found=err.found, template=template, error=err.error,
                         placeholders=placeholders) from None
        if not err.unknown:
            raise _error("unreadable", lang, found=err.found, example=", ".join("{%s}" % n for n in names)) from None
        example = signature.example(cls, names, extra)
        fill = _text(_ERRORS, "fill", lang, placeholders=placeholders) if "…" in example else ""
        aliases = "; ".join(f"{n}: {', '.join(signature.ALIASES[n][:5])}, …" for n in names)
        raise _error("signature", lang, found=err.found, unknown=", ".join(err.unknown), example=example, fill=fill,
                     expected=f"{cls.__name__}({', '.join(names)})", aliases=aliases) from None
    return builder


def _constructor(cls: type, builder: signature.Builder | None, kind: str, context: dict):
    """``init(module, values)``: run ``cls``'s constructor on ``module`` for the checker's values, in its order.

    ``context`` holds the settings the checker does not pass but the constructor takes (a spatial gate's channels),
    set for each check.
    """
    names = _CALLS.get(kind)

    def init(module: nn.Module, values: tuple) -> None:
        if builder is None:
            cls.__init__(module, *values)
        else:
            args, kwargs = builder.arguments({**context, **dict(zip(names, values))})
            cls.__init__(module, *args, **kwargs)

    return init


def _copier(built: nn.Module):
    """``init(module, values)`` for a module a model built: a fresh copy of it, whatever the values.

    The copy is float32, on the CPU and trainable, as the checks' inputs are: a model frozen, in double or half
    precision, or on a GPU is not the module's mistake.
    """

    def init(module: nn.Module, values: tuple) -> None:
        module.__dict__.update(copy.deepcopy(built).float().cpu().requires_grad_(True).__dict__)

    return init


def _identity_batch_norms(module: nn.Module) -> bool:
    """Replace the BatchNorm after the spatial gate's 2 → 1 convolution by a fixed identity; True if there was one.

    It is the one BatchNorm with one feature (the official code's, timm's); others, a BatchNorm1d in an MLP say,
    are the module's own and stay.
    """
    found = False
    for name, child in module.named_children():
        if (isinstance(child, nn.modules.batchnorm._BatchNorm) and child.num_features == 1
                and not isinstance(child, (nn.BatchNorm1d, nn.BatchNorm3d))):
            setattr(module, name, nn.BatchNorm2d(child.num_features, eps=child.eps, affine=False).eval())
            found = True
        else:
            found |= _identity_batch_norms(child)
    return found


def _broadcast_map(out: torch.Tensor, x: torch.Tensor, kind: str) -> torch.Tensor | None:
    """The map M when ``out`` is x * M with M broadcast, (N, C, 1, 1) for a channel gate or (N, 1, H, W) for a
    spatial one; None otherwise, so that the checker judges ``out`` itself.

    M is read as the least-squares fit Σ out·x / Σ x² over the broadcast dimensions, not as out / x: that is M
    itself when out = x * M, and its gradient stays exact where x is close to zero.
    """
    dims = (2, 3) if kind == "channel" else (1,)
    gate = (out * x).sum(dims, keepdim=True) / (x * x).sum(dims, keepdim=True)
    with torch.no_grad():
        consistent = bool(torch.isfinite(gate).all()) and torch.allclose(out, x * gate, rtol=1e-4, atol=1e-5)
    return gate if consistent else None


def _note(notes: list[str], code: str) -> None:
    if code not in notes:
        notes.append(code)


def _adapt(base: type, init, kind: str, notes: list[str]) -> type:
    """A subclass of ``base``, built by ``init``, that follows the book's conventions.

    Each known variant it meets (BatchNorm in a gate, a gate that returns x * M) goes in ``notes``.
    """

    class Adapted(base):
        def __init__(self, *values):
            init(self, values)
            if kind in ("spatial", "block") and _identity_batch_norms(self):
                _note(notes, "batch_norm")

        def forward(self, x):
            out = super().forward(x)
            if kind in ("channel", "spatial") and isinstance(out, torch.Tensor) and out.shape == x.shape:
                gate = _broadcast_map(out, x, kind)
                if gate is not None:
                    _note(notes, "returns_refined")
                    return gate
            return out

    Adapted.__name__ = Adapted.__qualname__ = base.__name__
    return Adapted


def _values(setting: tuple) -> dict:
    """The constructor's settings in a checker's setting (channels, ratio, kernel_size, batch, height, width)."""
    return dict(zip(("channels", "ratio", "kernel_size"), setting[:3]))


def _probe(adapted: type, kind: str, setting: tuple) -> nn.Module | None:
    """One instance built as the checker builds it for ``setting``, or None when it cannot be (the check says why)."""
    names = _CALLS.get(kind)
    if names is None:
        return None
    values = _values(setting)
    try:
        return attempt("probe", lambda: adapted(*(values[n] for n in names)), "en", "")
    except Outcome:
        return None


def _not_taken(kind: str, takes: frozenset[str]) -> list[str]:
    """The settings a kind's checks vary that the constructor is not given: they are fixed (_FIXED)."""
    return [n for n in _CALLS[kind] if n in _FIXED and n not in takes] if kind in _WITH_SETTINGS else []


def _settings(kind: str, takes: frozenset[str]) -> list[tuple]:
    """The checkers' settings for a constructor given ``takes``; the settings it does not take are fixed."""
    fixed = {n: _FIXED[n][0] for n in _not_taken(kind, takes)}
    return [(c, fixed.get("ratio", r), fixed.get("kernel_size", k), n, h, w) for c, r, k, n, h, w in attention.SETTINGS]


def _timm_rounding(adapted: type, kind: str, takes: frozenset[str], notes: list[str]) -> dict | None:
    """Fields of the timm_rounding note when the class rounds C/r to nearest (probed at C = 40, r = 16)."""
    c, r = 40, 16
    module = _probe(adapted, kind, (c, r, 7)) if kind in ("channel", "block") and "ratio" in takes else None
    if module is None:
        return None
    widths = {min(p.shape[:2]) for p in module.parameters() if p.dim() >= 2 and c in p.shape[:2]}
    rounded = int(c / r + 0.5)
    if widths == {rounded} and rounded != c // r:
        _note(notes, "timm_rounding")
        return {"rounded": rounded, "c": c, "r": r, "floor": c // r}
    return None


# --- checking and reporting ----------------------------------------------------------------


def _is_ultralytics(kind: str, probe: nn.Module | None, settings: list[tuple]) -> bool:
    """Whether the probe's channel gate is Ultralytics' one convolution, so that its own definition is checked."""
    return kind in _ULTRALYTICS and probe is not None and variants.has_single_conv_gate(probe, settings[0][0])


def _diagnose(adapted: type, kind: str, lang: str, settings: list[tuple], probe: nn.Module | None,
              context: dict | None = None):
    """The Verdict of the checker for ``kind``, or of Ultralytics' when the probe has its one-convolution gate.

    With a ``context`` (a spatial gate that takes the channels), each setting is checked on its own, its channels
    in the context: the first verdict that is not a pass, else the first pass.
    """
    if context is not None:
        results = []
        for setting in settings:
            context["channels"] = setting[0]
            results.append(_diagnose(adapted, kind, lang, [setting], probe))
        return next((r for r in results if not r.passed), results[0])
    if _is_ultralytics(kind, probe, settings):
        return _ULTRALYTICS[kind](adapted, lang, settings=settings)
    if kind in _WITH_SETTINGS:
        return _DIAGNOSE[kind](adapted, lang, settings=settings)
    return _DIAGNOSE[kind](adapted, lang)


def _traits(result, notes: list[str], probe: nn.Module | None) -> set[str]:
    """What the check saw of the implementation: the adapter's notes, the pools' order, biases."""
    traits = set(notes)
    if result.code == "passed_swapped_order":
        traits.add("max_mean")
    if probe is not None and any(isinstance(m, (nn.Linear, nn.Conv2d)) and m.bias is not None for m in probe.modules()):
        traits.add("biases")
    return traits


def _report(result, kind: str, traits: set[str], fields: dict | None, lang: str) -> list[str]:
    """The verdict, then for a pass the known implementation it matches and the notes that one does not cover."""
    if not result.passed:
        return [result.message]
    observed = frozenset(traits) & _FAMILY_TRAITS
    family = None if result.code.startswith("passed_ultralytics") else next(
        (name for name, (k, t) in _FAMILIES.items() if k == kind and t == observed), None)
    covered = _FAMILIES[family][1] if family else frozenset()
    codes = ([family] if family else []) + [c for c in _NOTE_ORDER if c in traits and c not in covered]
    notes = [_text(_NOTES, "known", lang, note=_text(_NOTES, c, lang, **(fields or {}))) for c in codes]
    return [result.message, *notes]


def _fixed_notes(kind: str, takes: frozenset[str], ultralytics: bool, lang: str) -> list[str]:
    """A note, whatever the verdict, for each fixed setting: it says how the class was checked.

    Ultralytics' channel gate has no ratio to fix, so it gets no note for it.
    """
    fixed = [n for n in _not_taken(kind, takes) if not (ultralytics and n == "ratio")]
    return [_text(_NOTES, "setting", lang, note=_text(_NOTES, _FIXED[n][1], lang)) for n in fixed]


def verify(cls: type, kind: str, lang: str = "en", template: str | None = None) -> tuple[bool, str]:
    """Check ``cls`` as a ``kind`` module; return (passed, the text to print).

    ``template`` is ``--args``: the constructor's argument list with ``{channels}``, ``{ratio}`` (or ``1/{ratio}``)
    and ``{kernel_size}`` for the settings (a spatial gate may take ``{channels}`` too). Raises
    :class:`CannotCheck` when the class cannot be built for the checks.
    """
    builder = _builder(cls, kind, template, lang)
    takes = builder.takes if builder else frozenset(_CALLS.get(kind, ()))
    notes: list[str] = []
    context: dict = {}
    adapted = _adapt(cls, _constructor(cls, builder, kind, context), kind, notes)
    settings = _settings(kind, takes)
    extra = [n for n in _EXTRA.get(kind, ()) if n in takes]
    context.update(_values(settings[0]))  # the probes' channels
    probe = _probe(adapted, kind, settings[0])
    fields = _timm_rounding(adapted, kind, takes, notes)
    if fields:  # a known variant, noted: check it where rounding and flooring agree (r divides C)
        settings = [(c // r * r, r, k, n, h, w) for c, r, k, n, h, w in settings]
    result = _diagnose(adapted, kind, lang, settings, probe, context if extra else None)
    lines = _report(result, kind, _traits(result, notes, probe), fields, lang)
    lines += _fixed_notes(kind, takes, _is_ultralytics(kind, probe, settings), lang)
    if result.code == "raised" and builder is not None:
        lines.append(_text(_LINES, "built_as", lang, call=builder.call_text(cls.__name__, _values(settings[0]))))
    return result.passed, "\n".join(lines)


def _verify_module(module: nn.Module, kind: str, lang: str) -> tuple[bool, str]:
    """Check one module a model built, on the channels, ratio and kernel of its own weights; (passed, one line)."""
    notes: list[str] = []
    adapted = _adapt(type(module), _copier(module), kind, notes)
    settings = discovery.settings_from_weights(module)
    probe = _probe(adapted, kind, settings[0])
    result = _diagnose(adapted, kind, lang, settings, probe)
    return result.passed, " ".join(_report(result, kind, _traits(result, notes, probe), None, lang))


def verify_model(model: nn.Module, lang: str = "en", name: str | None = None) -> tuple[bool, str]:
    """Check every CBAM module found in ``model``; return (all passed, one line per module path and a count).

    Raises :class:`CannotCheck` when the model has none (see :mod:`cbam_lessons.checks._discovery`); ``name``
    is the model's in that message (its class's by default).
    """
    found = discovery.find_attention_modules(model)
    if not found:
        raise _error("no_modules", lang, name=name or type(model).__name__)
    lines, failed = [], 0
    for path, module, kind in found:
        passed, text = _verify_module(module, kind, lang)
        failed += not passed
        lines.append(_text(_LINES, "module", lang, path=path or _text(_LINES, "root", lang),
                           cls=type(module).__name__, text=text))
    lines.append(_text(_LINES, "summary", lang, total=len(found), passed=len(found) - failed, failed=failed))
    return not failed, "\n".join(lines)


def _check_target(target: str, kind: str | None, template: str | None, lang: str) -> tuple[bool, str]:
    """Load the target and check it as a class or as a whole model; (passed, the text to print)."""
    found, path = _load_target(target, lang)
    if isinstance(found, nn.Module):  # an instance the file built: a whole model
        name = target.rpartition(":")[2]
        if template is not None:
            raise _error("args_model", lang)
        if kind not in (None, "model"):
            raise _error("instance_kind", lang, name=name, kind=kind)
        return verify_model(found, lang, name)
    if _is_model(found, kind):
        if template is not None:
            raise _error("args_model", lang)
        try:
            return verify_model(_build_model(found, path, lang), lang, f"{found.__name__}()")
        except CannotCheck as err:
            if kind is None and inspect.isclass(found):  # taken for a model only because its name says no kind
                raise CannotCheck(f"{err}{_text(_ERRORS, 'kind_hint', lang, name=found.__name__)}") from None
            raise
    if not inspect.isclass(found):
        raise _error("function_kind", lang, name=found.__name__, kind=kind)
    kind = kind or _kind_from_name(found)
    if kind is None:
        raise _error("cannot_guess", lang, name=found.__name__)
    return verify(found, kind, lang, template)


_EPILOG = """\
--args: the constructor's arguments as you would write them between its parentheses, with {channels},
{ratio} and {kernel_size} where the checks put their settings and Python literals elsewhere, e.g.
  --args "{channels}, reduction_ratio={ratio}, pool_types=['avg', 'max']"
1/{ratio} passes the reciprocal (timm's rd_ratio=1/16). Without --args, verify maps the settings to parameters
by name (channels, in_planes, c1, gate_channels, ...; ratio, reduction, reduction_ratio, ...; kernel_size, k,
...; c2 and out_channels get the channels too); a ratio whose default is below 1 gets 1/r.

A whole model: FILE.py:build_model (a function returning an nn.Module), FILE.py:model (an nn.Module instance),
or an nn.Module class that builds without arguments (--kind model if its name sounds like a kind). One line per
CBAM module found.

Exit status: 0 all passed (known variants included, with notes); 1 a mistake (in any module of a model);
2 nothing could be checked (file, name, import, signature, --args, model factory, no CBAM module found;
importing the file or building the model took more than 120 s)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cbam_lessons.verify",
        description="Check a CBAM module (channel gate, spatial gate, block, residual block or torchvision-style "
                    "Bottleneck) against the paper, or every CBAM module inside a model.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", help="path/to/file.py:ClassName, or path/to/file.py:build_model for a whole model")
    parser.add_argument("--kind", choices=[*sorted(_DIAGNOSE), "model"],
                        help="what the class is (guessed from its name if omitted); model: check the modules inside")
    parser.add_argument("--args", dest="template", metavar="ARGS",
                        help='how to call the constructor, e.g. "{channels}, reduction_ratio={ratio}" (see below)')
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the verdict")
    args = parser.parse_args(argv)
    try:
        passed, text = _check_target(args.target, args.kind, args.template, args.lang)
    except CannotCheck as err:
        print(f"verify: {err}", file=sys.stderr)
        return 2
    print(text)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
