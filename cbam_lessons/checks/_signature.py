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
    """A placeholder in an argument list: the value of the setting ``name`` (channels, ratio, kernel_size).

    ``reciprocal``: the value passed is 1 / the setting (timm's ``rd_ratio=1/16`` is a fraction, not r).
    """

    name: str
    reciprocal: bool = False

    def text(self) -> str:
        """How the placeholder is written in ``--args``: ``{ratio}`` or ``1/{ratio}``."""
        return ("1/{%s}" if self.reciprocal else "{%s}") % self.name


def _settings_in(value) -> list[Setting]:
    """The Settings in an argument, nested in tuples, lists, sets and dicts too."""
    if isinstance(value, Setting):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.items() for part in item for s in _settings_in(part)]
    if isinstance(value, (tuple, list, set, frozenset)):
        return [s for part in value for s in _settings_in(part)]
    return []


def _fill(value, values: dict):
    """The argument with each Setting replaced by its value (1 / it for a reciprocal one)."""
    if isinstance(value, Setting):
        return 1 / values[value.name] if value.reciprocal else values[value.name]
    if isinstance(value, dict):
        return {_fill(k, values): _fill(v, values) for k, v in value.items()}
    if isinstance(value, (tuple, list, set, frozenset)):
        return type(value)(_fill(v, values) for v in value)
    return value


@dataclass(frozen=True)
class Builder:
    """How to call a constructor with given settings: its positional and keyword arguments, settings as placeholders."""

    args: tuple
    kwargs: tuple[tuple[str, object], ...]

    @property
    def takes(self) -> frozenset[str]:
        """The settings the constructor is given; it fixes the others itself (a spatial gate's kernel, say)."""
        return frozenset(s.name for v in [*self.args, *(v for _, v in self.kwargs)] for s in _settings_in(v))

    def arguments(self, values: dict) -> tuple[tuple, dict]:
        """The positional and keyword arguments for the settings ``values`` (name -> value)."""
        return tuple(_fill(a, values) for a in self.args), {k: _fill(v, values) for k, v in self.kwargs}

    def call_text(self, name: str, values: dict) -> str:
        """The call as the user would write it, e.g. ``CBAM(32, reduction_ratio=8)``."""
        args, kwargs = self.arguments(values)
        return f"{name}({', '.join([*map(repr, args), *(f'{k}={v!r}' for k, v in kwargs.items())])})"


def signature_text(cls: type) -> str:
    """``Name(param, param=default, …)``, the constructor's signature without ``self``: names and defaults only.

    Annotations are left out: under ``from __future__ import annotations`` they are strings, printed quoted.
    """
    try:
        found = inspect.signature(cls)
    except (TypeError, ValueError):
        return f"{cls.__name__}(?)"
    bare = [p.replace(annotation=p.empty) for p in found.parameters.values()]
    return f"{cls.__name__}{found.replace(parameters=bare, return_annotation=found.empty)}"


def _setting_for(parameter: str, names: tuple[str, ...]) -> str | None:
    """The setting a parameter name stands for, among ``names``; None when it is none of them."""
    if parameter in OUTPUT_CHANNELS and "channels" in names:
        return "channels"
    return next((n for n in names if parameter in ALIASES[n]), None)


def _placeholder(parameter: inspect.Parameter, setting: str) -> Setting:
    """The Setting for a parameter: a ratio whose default is a fraction below 1 (timm's ``rd_ratio=1/16``) is 1/r."""
    default = parameter.default
    fraction = isinstance(default, float) and 0 < default < 1
    return Setting(setting, reciprocal=setting == "ratio" and fraction)


def _mapping(parameters: list, names: tuple[str, ...], extra: tuple[str, ...]) -> dict[str, str]:
    """Parameter name -> setting, by name; the ``extra`` settings only for required parameters."""
    mapping = {p.name: s for p in parameters if p.kind in _NAMED and (s := _setting_for(p.name, names))}
    mapping.update({p.name: s for p in parameters if p.kind in _NAMED and _required(p) and p.name not in mapping
                    and (s := _setting_for(p.name, extra))})
    return mapping


def example(cls: type, names: tuple[str, ...], extra: tuple[str, ...] = ()) -> str:
    """An ``--args`` for ``cls`` built from its signature: placeholders where a parameter's name says the setting,
    ``name=…`` for each other required parameter; parameters with defaults are left out."""
    try:
        parameters = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        return ", ".join("{%s}" % n for n in names)
    mapping = _mapping(parameters, names, extra)
    parts, positional = [], True
    for p in parameters:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name in mapping:
            value = _placeholder(p, mapping[p.name]).text()
        elif _required(p):
            value = "…"
        else:
            positional = False  # left at its default: what follows goes by name
            continue
        by_position = p.kind == p.POSITIONAL_ONLY or (
            positional and p.kind == p.POSITIONAL_OR_KEYWORD and value != "…")
        parts.append(value if by_position else f"{p.name}={value}")
        positional = positional and by_position
    return ", ".join(parts)


def _required(parameter: inspect.Parameter) -> bool:
    variadic = (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    return parameter.default is parameter.empty and parameter.kind not in variadic


def from_signature(cls: type, names: tuple[str, ...], extra: tuple[str, ...] = ()) -> Builder:
    """A Builder that gives ``cls`` the settings ``names`` by its parameters' names, or else by position.

    Parameters with defaults that name no setting keep their defaults. Required parameters with names it
    does not know get the settings left over, in the checkers' order, when there are as many of each; a
    constructor that takes only ``*args`` gets all of them positionally. Raises :class:`SignatureError`
    when a required parameter is left without a value. The ``extra`` settings (a spatial gate's channels) go
    only to required parameters named like them. A ratio whose default is a fraction below 1 gets 1/r.
    """
    found = signature_text(cls)
    try:
        parameters = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        raise SignatureError(found, error="its signature cannot be read") from None
    mapping = _mapping(parameters, names, extra)
    unknown = [p for p in parameters if _required(p) and p.name not in mapping]
    remaining = [n for n in names if n not in mapping.values()]
    if not mapping and not unknown and any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return Builder(tuple(Setting(n) for n in names), ())
    if unknown and len(unknown) != len(remaining):
        raise SignatureError(found, unknown=tuple(p.name for p in unknown))
    mapping.update({p.name: n for p, n in zip(unknown, remaining)})
    only = [p for p in parameters if p.kind == p.POSITIONAL_ONLY]
    last = max((i for i, p in enumerate(only) if p.name in mapping), default=-1)
    args = tuple(_placeholder(p, mapping[p.name]) if p.name in mapping else p.default for p in only[: last + 1])
    kwargs = tuple((p.name, _placeholder(p, mapping[p.name])) for p in parameters
                   if p.kind in _NAMED and p.name in mapping)
    return Builder(args, kwargs)


_INTERNAL = "__setting_"


def from_template(template: str, names: tuple[str, ...]) -> Builder:
    """A Builder from an argument list such as ``"{channels}, reduction_ratio={ratio}, pool_types=['avg']"``.

    ``{name}`` stands for a setting in ``names``, ``1/{name}`` for its reciprocal, also inside tuples, lists,
    sets and dicts; everything else must be a Python literal. Raises :class:`TemplateError` otherwise; its
    fields quote the user's own text.
    """
    for name in re.findall(r"\{(\w+)\}", template):
        if name not in names:
            raise TemplateError("unknown_placeholder", name=name, known=", ".join("{%s}" % n for n in names))
    typed = re.search(_INTERNAL + r"\w*", template)
    if typed:  # the name placeholders are rewritten to: not the user's to type
        raise TemplateError("not_literal", text=typed.group(0))
    source = "f(" + re.sub(r"\{(\w+)\}", _INTERNAL + r"\1", template) + ")"
    try:
        call = ast.parse(source, mode="eval").body
    except SyntaxError:
        raise TemplateError("not_arguments") from None
    # Only the call built here: "{channels}), (1" or "{channels}) + f(1" parse as something else.
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "f"
            and (call.func.lineno, call.func.col_offset) == (1, 0)):
        raise TemplateError("not_arguments")
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        raise TemplateError("starred")
    value = lambda node: _value(node, source)  # noqa: E731
    return Builder(tuple(value(node) for node in call.args), tuple((k.arg, value(k.value)) for k in call.keywords))


def _user_text(node: ast.expr, source: str) -> str:
    """The node as the user wrote it, placeholders as ``{name}``."""
    text = ast.get_source_segment(source, node) or ast.unparse(node)
    return re.sub(_INTERNAL + r"(\w+)", r"{\1}", text)


def _placeholder_node(node: ast.expr) -> Setting | None:
    """The Setting a node spells: ``{name}`` or ``1/{name}``; None for anything else."""
    if isinstance(node, ast.Name) and node.id.startswith(_INTERNAL):
        return Setting(node.id.removeprefix(_INTERNAL))
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.left, ast.Constant)
            and type(node.left.value) in (int, float) and node.left.value == 1):
        inner = _placeholder_node(node.right)
        if inner is not None and not inner.reciprocal:
            return Setting(inner.name, reciprocal=True)
    return None


def _value(node: ast.expr, source: str):
    """A placeholder's Setting, the literal the node spells, or a tuple, list, set or dict of these."""
    setting = _placeholder_node(node)
    if setting is not None:
        return setting
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = [_value(e, source) for e in node.elts]
        return {ast.Tuple: tuple, ast.List: list, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_value(k, source): _value(v, source) for k, v in zip(node.keys, node.values)}
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise TemplateError("not_literal", text=_user_text(node, source)) from None


def check_binds(cls: type, builder: Builder, values: dict) -> None:
    """Raise SignatureError when the constructor would not accept the Builder's arguments."""
    args, kwargs = builder.arguments(values)
    try:
        inspect.signature(cls).bind(*args, **kwargs)
    except TypeError as err:
        raise SignatureError(signature_text(cls), error=str(err)) from None
    except ValueError:
        pass  # no signature to check against: the call itself will tell
