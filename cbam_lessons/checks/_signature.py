"""Build anyone's attention module with the checkers' settings: from its constructor's signature, or a template.

The checkers build the book's classes as ``ChannelAttention(channels, ratio)``, ``SpatialAttention(kernel_size)``
and ``CBAMBlock(channels, ratio, kernel_size)``. Other implementations name these parameters differently
(``gate_channels``, ``c1``, ``reduction_ratio``, …), add their own (``pool_types``), or leave some out (a spatial
gate with its kernel fixed at 7). :func:`from_signature` maps a constructor's parameters to the settings by name,
or by position where that is unambiguous; :func:`from_template` takes the user's own argument list, e.g.
``"{channels}, reduction_ratio={ratio}"``. Either gives a :class:`Builder`.
"""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass

#: The settings a checker varies, and the parameter names implementations commonly give them.
ALIASES = {
    "channels": ("channels", "in_planes", "c1", "gate_channels", "in_channels", "channel", "inplanes", "in_channel",
                 "in_chans", "in_ch", "num_channels", "n_channels", "input_channels", "c", "c_in", "dim"),
    "ratio": ("ratio", "reduction", "reduction_ratio", "r", "rd_ratio", "reduction_rate", "squeeze_ratio"),
    "kernel_size": ("kernel_size", "k", "spatial_kernel", "kernel", "ks", "spatial_kernel_size", "sa_kernel_size"),
}
#: Output channels: an attention module keeps its input's channel count, so these get the channels too.
OUTPUT_CHANNELS = ("c2", "out_channels", "out_planes", "outplanes", "out_chans", "c_out", "channels_out")

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class SignatureError(Exception):
    """The constructor cannot be called with the settings.

    ``found`` is its signature; ``unknown`` the required parameters left without a value, or ``error`` why
    Python would refuse the call (from ``inspect.Signature.bind``).
    """

    def __init__(self, found: str, unknown: tuple[str, ...] = (), error: str = ""):
        super().__init__(f"{found}: {', '.join(unknown) or error}")
        self.found = found
        self.unknown = unknown
        self.error = error


class TemplateError(ValueError):
    """An argument template that cannot be read: ``code`` names the problem, ``fields`` fill its message."""

    def __init__(self, code: str, **fields):
        super().__init__(f"{code}: {fields}")
        self.code = code
        self.fields = fields


@dataclass(frozen=True)
class Setting:
    """A placeholder in an argument list: the value of the setting ``name`` (channels, ratio, kernel_size)."""

    name: str


@dataclass(frozen=True)
class Builder:
    """How to call a constructor with given settings: its positional and keyword arguments, settings as placeholders."""

    args: tuple
    kwargs: tuple[tuple[str, object], ...]

    @property
    def takes(self) -> frozenset[str]:
        """The settings the constructor is given; it fixes the others itself (a spatial gate's kernel, say)."""
        values = [*self.args, *(v for _, v in self.kwargs)]
        return frozenset(v.name for v in values if isinstance(v, Setting))

    def arguments(self, values: dict) -> tuple[tuple, dict]:
        """The positional and keyword arguments for the settings ``values`` (name -> value)."""
        fill = lambda v: values[v.name] if isinstance(v, Setting) else v  # noqa: E731
        return tuple(fill(a) for a in self.args), {k: fill(v) for k, v in self.kwargs}

    def call_text(self, name: str, values: dict) -> str:
        """The call as the user would write it, e.g. ``CBAM(32, reduction_ratio=8)``."""
        args, kwargs = self.arguments(values)
        return f"{name}({', '.join([*map(repr, args), *(f'{k}={v!r}' for k, v in kwargs.items())])})"


def signature_text(cls: type) -> str:
    """``Name(param, param=default, …)``, the constructor's signature without ``self``."""
    try:
        return f"{cls.__name__}{inspect.signature(cls)}"
    except (TypeError, ValueError):
        return f"{cls.__name__}(?)"


def _setting_for(parameter: str, names: tuple[str, ...]) -> str | None:
    """The setting a parameter name stands for, among ``names``; None when it is none of them."""
    if parameter in OUTPUT_CHANNELS and "channels" in names:
        return "channels"
    return next((n for n in names if parameter in ALIASES[n]), None)


def _required(parameter: inspect.Parameter) -> bool:
    variadic = (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    return parameter.default is parameter.empty and parameter.kind not in variadic


def from_signature(cls: type, names: tuple[str, ...]) -> Builder:
    """A Builder that gives ``cls`` the settings ``names`` by its parameters' names, or else by position.

    Parameters with defaults that name no setting keep their defaults. Required parameters with names it
    does not know get the settings left over, in the checkers' order, when there are as many of each; a
    constructor that takes only ``*args`` gets all of them positionally. Raises :class:`SignatureError`
    when a required parameter is left without a value.
    """
    found = signature_text(cls)
    try:
        parameters = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        raise SignatureError(found, error="its signature cannot be read") from None
    mapping = {p.name: s for p in parameters if p.kind in _NAMED and (s := _setting_for(p.name, names))}
    unknown = [p for p in parameters if _required(p) and p.name not in mapping]
    remaining = [n for n in names if n not in mapping.values()]
    if not mapping and not unknown and any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return Builder(tuple(Setting(n) for n in names), ())
    if unknown and len(unknown) != len(remaining):
        raise SignatureError(found, unknown=tuple(p.name for p in unknown))
    mapping.update({p.name: n for p, n in zip(unknown, remaining)})
    only = [p for p in parameters if p.kind == p.POSITIONAL_ONLY]
    last = max((i for i, p in enumerate(only) if p.name in mapping), default=-1)
    args = tuple(Setting(mapping[p.name]) if p.name in mapping else p.default for p in only[: last + 1])
    kwargs = tuple((p.name, Setting(mapping[p.name])) for p in parameters if p.kind in _NAMED and p.name in mapping)
    return Builder(args, kwargs)


def from_template(template: str, names: tuple[str, ...]) -> Builder:
    """A Builder from an argument list such as ``"{channels}, reduction_ratio={ratio}, pool_types=['avg']"``.

    ``{name}`` stands for a setting in ``names``; everything else must be a Python literal. Raises
    :class:`TemplateError` otherwise.
    """
    for name in re.findall(r"\{(\w+)\}", template):
        if name not in names:
            raise TemplateError("unknown_placeholder", name=name, known=", ".join("{%s}" % n for n in names))
    source = re.sub(r"\{(\w+)\}", r"__setting_\1", template)
    try:
        call = ast.parse(f"f({source})", mode="eval").body
    except SyntaxError:
        raise TemplateError("not_arguments") from None
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        raise TemplateError("starred")
    args = tuple(_value(node) for node in call.args)
    kwargs = tuple((k.arg, _value(k.value)) for k in call.keywords)
    return Builder(args, kwargs)


def _value(node: ast.expr):
    """A placeholder's Setting, or the literal the node spells."""
    if isinstance(node, ast.Name) and node.id.startswith("__setting_"):
        return Setting(node.id.removeprefix("__setting_"))
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        raise TemplateError("not_literal", text=ast.unparse(node)) from None


def check_binds(cls: type, builder: Builder, values: dict) -> None:
    """Raise SignatureError when the constructor would not accept the Builder's arguments."""
    args, kwargs = builder.arguments(values)
    try:
        inspect.signature(cls).bind(*args, **kwargs)
    except TypeError as err:
        raise SignatureError(signature_text(cls), error=str(err)) from None
    except ValueError:
        pass  # no signature to check against: the call itself will tell
