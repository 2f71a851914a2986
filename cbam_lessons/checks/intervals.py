"""Checker for chapter 7's exercise: the paired 95 % t-interval of a - b over seeds.

The student's ``interval(a, b)`` gets two equally long lists of results, one per seed, and returns
(mean, low, high) of the differences a_i - b_i: mean ± t_{0.975, n-1} · s_d / sqrt(n), s_d the sample
standard deviation. Lists of different lengths must raise ValueError: the pairs are per seed.
"""

from __future__ import annotations

import math
import statistics

from ..experiment.stats import T_95, paired_gap
from ._common import require_function
from ._sandbox import Outcome, attempt
from ._verdict import Verdict, WHAT, current_language, verdict

#: One-sided 95 % quantiles of Student's t (two-sided 90 %), for the mistake of taking the wrong tail.
_T_ONE_SIDED_95 = {2: 2.920, 3: 2.353, 4: 2.132, 5: 2.015, 6: 1.943}

#: Accuracies in points of two models over the same seeds: n = 5 and n = 3 tell the degrees of freedom apart.
_CASES = (
    ([71.2, 65.0, 80.4, 77.9, 69.3], [66.1, 64.2, 71.0, 78.8, 60.5]),
    ([88.0, 91.5, 79.2], [86.9, 87.7, 80.1]),
)


def _interval(gaps, quantile, spread=statistics.stdev, divide=math.sqrt):
    mean = statistics.mean(gaps)
    half = quantile * spread(gaps) / divide(len(gaps))
    return mean, mean - half, mean + half


def _wrong_intervals(a, b):
    """(code, (mean, low, high)) for every mistake the checker names, on one case."""
    n = len(a)
    gaps = [x - y for x, y in zip(a, b)]
    t = T_95[n - 1]
    unpaired_half = math.sqrt(statistics.variance(a) / n + statistics.variance(b) / n)
    mean = statistics.mean(a) - statistics.mean(b)
    return [
        ("z_instead_of_t", _interval(gaps, 1.96)),
        ("wrong_degrees_of_freedom", _interval(gaps, T_95[n])),
        ("one_sided_quantile", _interval(gaps, _T_ONE_SIDED_95[n - 1])),
        ("population_sd", _interval(gaps, t, spread=statistics.pstdev)),
        ("no_sqrt_n", _interval(gaps, t, divide=lambda n: 1)),
        ("divided_by_n", _interval(gaps, t, divide=lambda n: n)),
        ("unpaired", (mean, mean - t * unpaired_half, mean + t * unpaired_half)),
        ("unpaired", (mean, mean - T_95[2 * n - 2] * unpaired_half, mean + T_95[2 * n - 2] * unpaired_half)),
        ("sign_flipped", _interval([-g for g in gaps], t)),
        ("pairs_sorted_apart", _interval([x - y for x, y in zip(sorted(a), sorted(b))], t)),
    ]


def _as_triple(result, name: str, lang: str) -> tuple[float, float, float]:
    """(mean, low, high) from a tuple or list of three numbers or a PairedGap-like object."""
    if all(hasattr(result, k) for k in ("mean", "low", "high")):
        result = (result.mean, result.low, result.high)
    try:
        triple = tuple(float(v) for v in result)
    except (TypeError, ValueError):
        triple = ()
    if len(triple) != 3:
        raise Outcome(verdict("not_a_triple", lang, step=f"{name}(a, b)", got=repr(result)[:60]))
    return triple


def _close(x, y) -> bool:
    return all(math.isclose(u, v, rel_tol=1e-6, abs_tol=1e-6) for u, v in zip(x, y))


def diagnose_paired_interval(interval, lang: str | None = None) -> Verdict:
    """Check ``interval(a, b) -> (mean, low, high)``, the paired 95 % interval; return the Verdict."""
    lang = current_language(lang)
    name = getattr(interval, "__name__", "my_paired_interval")
    what = WHAT[lang].format(name=name)
    try:
        require_function(interval, lang, "check_paired_interval(my_paired_interval)")
        for a, b in _CASES:
            given_a, given_b = list(a), list(b)
            result = _as_triple(attempt(f"{name}(a, b)", lambda: interval(given_a, given_b), lang, what), name, lang)
            if (given_a, given_b) != (a, b):
                raise Outcome(verdict("modifies_results", lang))
            correct = paired_gap(a, b)
            if _close(result, (correct.mean, correct.low, correct.high)):
                continue
            found = next((code for code, wrong in _wrong_intervals(a, b) if _close(result, wrong)), None)
            if found is None and _close(result, (correct.mean, correct.high, correct.low)):
                found = "low_above_high"
            if found is None:
                raise Outcome(verdict("wrong_interval", lang, got=_rounded(result),
                                      expected=_rounded((correct.mean, correct.low, correct.high))))
            raise Outcome(verdict(found, lang))
        _require_equal_lengths(interval, name, lang, what)
    except Outcome as outcome:
        return outcome.verdict
    return verdict("passed", lang, what=what)


def _require_equal_lengths(interval, name: str, lang: str, what: str) -> None:
    """Results of 5 seeds against results of 4: pairing them silently drops a seed, so it must raise ValueError."""
    a, b = _CASES[0]

    def raised() -> str | None:
        """The name of what a call with lists of unequal length raised (None: it returned a value)."""
        try:
            interval(list(a), list(b[:4]))
        except Exception as err:  # noqa: BLE001 - an IndexError or the like: not the clear error asked for
            return type(err).__name__
        return None

    error = attempt(f"{name}(a, b[:4])", raised, lang, what)
    if error == "AssertionError":  # `assert len(a) == len(b)`: a check, but one `python -O` removes
        raise Outcome(verdict("lengths_asserted", lang))
    if error != "ValueError":
        raise Outcome(verdict("lengths_not_checked", lang))


def _rounded(values) -> tuple[float, ...]:
    return tuple(round(v, 3) for v in values)
