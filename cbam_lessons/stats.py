"""Small-sample statistics for comparing models trained with a few seeds.

Runs with the same seed share their initial weights and batch order, so two models are
compared seed by seed: the paired difference d_i = a_i - b_i has mean d̄ and standard
error s_d / sqrt(n), and its 95 % confidence interval is d̄ ± t_{0.975, n-1} · s_d / sqrt(n)
(Student's t). A gap whose interval excludes 0 exceeds the seed-to-seed noise.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: Two-sided 95 % quantiles of Student's t, by degrees of freedom (n - 1).
T_95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


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


def paired_gap(a: Sequence[float], b: Sequence[float]) -> PairedGap:
    """Compare results ``a`` and ``b`` obtained with the same seeds, in the same order."""
    if len(a) != len(b) or not 2 <= len(a) <= 1 + max(T_95):
        raise ValueError(
            f"paired_gap needs two equally long lists of 2 to {1 + max(T_95)} results (one per seed), "
            f"got {len(a)} and {len(b)}."
        )
    gaps = [x - y for x, y in zip(a, b)]
    mean = statistics.mean(gaps)
    half = T_95[len(gaps) - 1] * statistics.stdev(gaps) / math.sqrt(len(gaps))
    return PairedGap(mean, mean - half, mean + half)


def failed_seeds(values: Sequence[float], margin: float = 0.10) -> list[int]:
    """Indices of the runs that ended more than ``margin`` below the median of ``values``.

    Five seeds of one model often split into a cluster and one or two runs that went wrong
    (a bimodal outcome). Mean ± sd hides this; count such runs per model and show them.
    """
    if len(values) < 3:
        raise ValueError(f"failed_seeds needs at least 3 results to find a median to fall below, got {len(values)}.")
    middle = statistics.median(values)
    return [i for i, v in enumerate(values) if v < middle - margin]
