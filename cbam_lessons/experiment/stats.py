"""Small-sample statistics for comparing models trained with a few seeds.

Runs with the same seed share their initial weights and batch order, so two models are
compared seed by seed: the paired difference d_i = a_i - b_i has mean d̄ and standard
error s_d / sqrt(n), and its 95 % confidence interval is d̄ ± t_{0.975, n-1} · s_d / sqrt(n)
(Student's t). A gap whose interval excludes 0 exceeds the seed-to-seed noise.

A chapter that makes m comparisons declares them as one family; with m chances to see a gap by
luck, a gap is called real only when its family-wise interval excludes 0. Bonferroni's interval
uses t at 1 - 0.05 / (2m) instead of 0.975: all m intervals then cover their true gaps together
with probability at least 95 % (:func:`family_gaps`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass



def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), by its continued fraction (modified Lentz)."""
    if x <= 0 or x >= 1:
        return float(x >= 1)
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast on this side only
        return 1 - _incomplete_beta(b, a, 1 - x)
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    tiny, c, d = 1e-300, 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    fraction = d
    for m in range(1, 300):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            fraction *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return math.exp(log_front) * fraction / a


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def t_quantile(p: float, df: int) -> float:
    """The t with P(T <= t) = p, for 0.5 <= p < 1 (bisection on :func:`t_cdf`, to 1e-10)."""
    if not 0.5 <= p < 1 or df < 1:
        raise ValueError(f"t_quantile needs 0.5 <= p < 1 and df >= 1, got p={p!r}, df={df!r}.")
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2
    while high - low > 1e-10:
        middle = (low + high) / 2
        low, high = (middle, high) if t_cdf(middle, df) < p else (low, middle)
    return (low + high) / 2


#: Two-sided 95 % quantiles of Student's t, by degrees of freedom (n - 1), to 3 decimals as printed tables give them.
T_95 = {df: round(t_quantile(0.975, df), 3) for df in range(1, 100)}


def mean_spread(values: Sequence[float], digits: int = 3) -> str:
    """'mean ± sample standard deviation' of at least two values, e.g. '0.871 ± 0.013'."""
    if len(values) < 2:
        raise ValueError(f"mean_spread needs at least 2 values to measure a spread, got {len(values)}. Train more seeds.")
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


@dataclass(frozen=True)
class PairedGap:
    """Mean of a - b over seeds and its 95 % confidence interval [low, high]."""

    mean: float
    low: float
    high: float

    @property
    def beyond_noise(self) -> bool:
        """True when the interval excludes 0: the gap exceeds the seed-to-seed spread."""
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        return f"{self.mean:+.3f} [{self.low:+.3f}, {self.high:+.3f}]"


def paired_gap(a: Sequence[float], b: Sequence[float], comparisons: int = 1) -> PairedGap:
    """Compare results ``a`` and ``b`` obtained with the same seeds, in the same order.

    With ``comparisons`` = m > 1 the interval is Bonferroni's for a family of m comparisons: t at
    1 - 0.05 / (2m), so that all m intervals hold together with 95 % confidence.
    """
    if len(a) != len(b) or not 2 <= len(a) <= 1 + max(T_95):
        raise ValueError(
            f"paired_gap needs two equally long lists of 2 to {1 + max(T_95)} results (one per seed), "
            f"got {len(a)} and {len(b)}."
        )
    if not (isinstance(comparisons, int) and comparisons >= 1):
        raise ValueError(f"paired_gap: comparisons must be a whole number >= 1 (the family's size), got {comparisons!r}.")
    gaps = [x - y for x, y in zip(a, b)]
    mean = statistics.mean(gaps)
    df = len(gaps) - 1
    t = T_95[df] if comparisons == 1 else t_quantile(1 - 0.05 / (2 * comparisons), df)
    half = t * statistics.stdev(gaps) / math.sqrt(len(gaps))
    return PairedGap(mean, mean - half, mean + half)


def family_gaps(pairs: dict[str, tuple[Sequence[float], Sequence[float]]]) -> dict[str, tuple[PairedGap, PairedGap]]:
    """Each comparison of a declared family -> (its own 95 % interval, its Bonferroni interval over the family).

    ``pairs`` maps a comparison's name to its two lists of results (a, b), paired by seed; the family's
    size is the number of pairs.
    """
    m = len(pairs)
    return {name: (paired_gap(a, b), paired_gap(a, b, comparisons=m)) for name, (a, b) in pairs.items()}


def seeds_needed(spread: float, effect: float, comparisons: int = 1) -> int:
    """The fewest seeds whose (Bonferroni) interval half-width, t * spread / sqrt(n), is below ``effect``.

    ``spread`` is the standard deviation of the paired differences (from a pilot run), in the units of
    ``effect``; an effect of that size then excludes 0 when the spread is as assumed.
    """
    if spread <= 0 or effect <= 0:
        raise ValueError(f"seeds_needed: spread and effect must be positive, got {spread!r} and {effect!r}.")
    n = 2
    while t_quantile(1 - 0.05 / (2 * comparisons), n - 1) * spread / math.sqrt(n) >= effect:
        n += 1
    return n


def failed_seeds(values: Sequence[float], margin: float = 0.10) -> list[int]:
    """Indices of the runs that ended more than ``margin`` below the median of ``values``.

    Five seeds of one model often split into a cluster and one or two runs that went wrong
    (a bimodal outcome). Mean ± sd hides this; count such runs per model and show them.
    """
    if len(values) < 3:
        raise ValueError(f"failed_seeds needs at least 3 results to find a median to fall below, got {len(values)}.")
    middle = statistics.median(values)
    return [i for i, v in enumerate(values) if v < middle - margin]
