"""Checker for the exercise "compute the hidden width and the parameter overhead of CBAM by hand"."""

from __future__ import annotations

import math
import numbers

from ._sandbox import Outcome, attempt
from ._verdict import Verdict, WHAT, current_language, verdict

#: (channels, ratio, kernel_size): includes C not divisible by r and a non-default kernel.
SETTINGS = [(256, 16, 7), (100, 16, 7), (64, 16, 3), (40, 8, 5)]


def cbam_parameters(channels: int, ratio: int = 16, kernel_size: int = 7) -> tuple[int, int]:
    """(hidden width C // r, learnable parameters 2·C·(C // r) + 2·k²) of one bias-free CBAM block."""
    hidden = channels // ratio
    return hidden, 2 * channels * hidden + 2 * kernel_size**2


def _check_setting(fn, lang, what, channels, ratio, k):
    answer = attempt(f"cbam_overhead({channels}, {ratio}, {k})", lambda: fn(channels, ratio, k), lang, what)
    if not (isinstance(answer, tuple) and len(answer) == 2 and all(isinstance(v, numbers.Real) for v in answer)):
        raise Outcome(verdict("wrong_type", lang, step=f"cbam_overhead({channels}, {ratio}, {k})", got=repr(answer)[:60]))
    hidden, params = answer
    expected_hidden, expected = cbam_parameters(channels, ratio, k)
    fields = dict(channels=channels, ratio=ratio, kernel_size=k)
    if hidden != expected_hidden:
        if hidden == channels * ratio:
            raise Outcome(verdict("hidden_times_ratio", lang))
        raise Outcome(verdict("hidden_not_floored", lang, got=hidden, expected=expected_hidden, **fields))
    mlp, conv = 2 * channels * hidden, 2 * k * k
    mistakes = {
        mlp: "forgot_spatial",
        mlp + k * k: "spatial_one_input",
        channels * hidden + conv: "one_mlp_layer",
        mlp + conv + hidden + channels: "counted_bias",
        mlp + conv + hidden + channels + 1: "counted_bias",
        2 * mlp + conv: "mlp_counted_twice",
    }
    if not math.isclose(params, expected):
        code = mistakes.get(params, "wrong_count")
        raise Outcome(verdict(code, lang, got=params, hidden=hidden, expected=conv, **fields))


def diagnose_cbam_overhead(fn, lang: str | None = None) -> Verdict:
    """Check a student's ``cbam_overhead(channels, ratio, kernel_size) -> (hidden, parameters)``."""
    lang = current_language(lang)
    what = WHAT[lang].format(name="cbam_overhead")
    try:
        if not callable(fn):
            raise Outcome(verdict("not_a_module_class", lang, got=repr(fn)[:60]))
        for setting in SETTINGS:
            _check_setting(fn, lang, what, *setting)
    except Outcome as outcome:
        return outcome.verdict
    return verdict("passed", lang, what=what)
