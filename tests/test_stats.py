"""mean_spread and paired_gap against hand-computed values."""

import math
import statistics

import pytest

from cbam_lessons.experiment.stats import T_95, PairedGap, mean_spread, paired_gap


def test_mean_spread_uses_the_sample_standard_deviation():
    assert mean_spread([1.0, 2.0, 3.0]) == "2.000 ± 1.000"
    assert mean_spread([0.5, 0.7], digits=2) == "0.60 ± 0.14"
    with pytest.raises(ValueError, match="at least 2 values.*got 1"):
        mean_spread([0.9])


def test_paired_gap_is_a_t_interval_on_the_per_seed_differences():
    gap = paired_gap([0.80, 0.82, 0.79, 0.85, 0.81], [0.70, 0.75, 0.74, 0.72, 0.71])
    diffs = [0.10, 0.07, 0.05, 0.13, 0.10]
    mean = sum(diffs) / 5
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / 4)
    assert gap.mean == pytest.approx(mean)
    assert gap.high - gap.mean == pytest.approx(2.776 * sd / math.sqrt(5))
    assert gap.beyond_noise and str(gap) == f"{mean:+.3f} [{gap.low:+.3f}, {gap.high:+.3f}]"


def test_a_gap_within_the_noise_is_called_so():
    assert not paired_gap([0.80, 0.70, 0.75], [0.72, 0.76, 0.74]).beyond_noise
    assert PairedGap(-0.2, -0.3, -0.1).beyond_noise  # a clear loss is beyond noise too
    assert T_95[4] == 2.776


@pytest.mark.parametrize("a, b", [([0.1, 0.2], [0.1]), ([0.1], [0.2]), ([0.5] * 101, [0.4] * 101)])
def test_paired_gap_rejects_unpaired_or_unsupported_lengths(a, b):
    with pytest.raises(ValueError, match="two equally long lists"):
        paired_gap(a, b)


def test_failed_seeds_finds_the_runs_far_below_the_median():
    from cbam_lessons.experiment.stats import failed_seeds

    assert failed_seeds([0.83, 0.88, 0.68, 0.83, 0.83]) == [2]
    assert failed_seeds([0.80, 0.78, 0.75]) == []
    assert failed_seeds([0.80, 0.78, 0.75], margin=0.02) == [2]
    with pytest.raises(ValueError, match="at least 3 results"):
        failed_seeds([0.5, 0.9])


def test_t_quantiles_match_printed_tables():
    from cbam_lessons.experiment.stats import t_cdf, t_quantile

    # two-sided 95 % and 99 % values, and one Bonferroni value, as statistical tables print them
    assert T_95[1] == 12.706 and T_95[4] == 2.776 and T_95[19] == 2.093 and T_95[29] == 2.045
    assert t_quantile(0.995, 19) == pytest.approx(2.861, abs=5e-4)
    assert t_quantile(1 - 0.05 / 20, 4) == pytest.approx(5.598, abs=5e-4)  # 10 comparisons, 5 seeds
    assert t_cdf(0.0, 7) == pytest.approx(0.5) and t_cdf(-T_95[9], 9) == pytest.approx(0.025, abs=1e-5)
    with pytest.raises(ValueError, match="0.5 <= p < 1"):
        t_quantile(0.2, 3)


def test_a_family_wise_interval_is_wider_and_can_lose_a_gap_the_single_one_finds():
    from cbam_lessons.experiment.stats import family_gaps

    a, b = [81.0, 84.0, 79.0, 86.0, 82.0], [76.0, 80.0, 77.0, 79.0, 78.0]
    single, corrected = family_gaps({"a - b": (a, b), **{f"other {i}": (b, b[::-1]) for i in range(9)}})["a - b"]
    assert single.mean == corrected.mean and corrected.low < single.low and corrected.high > single.high
    assert single.beyond_noise and corrected == paired_gap(a, b, comparisons=10)
    half = 5.598 * statistics.stdev(x - y for x, y in zip(a, b)) / math.sqrt(5)
    assert corrected.high - corrected.mean == pytest.approx(half, rel=1e-3)
    with pytest.raises(ValueError, match="comparisons must be a whole number >= 1"):
        paired_gap(a, b, comparisons=0)


def test_seeds_needed_is_the_smallest_design_whose_interval_excludes_the_effect():
    from cbam_lessons.experiment.stats import seeds_needed, t_quantile

    n = seeds_needed(spread=8.0, effect=6.0, comparisons=10)
    half = lambda k: t_quantile(1 - 0.05 / 20, k - 1) * 8.0 / math.sqrt(k)  # noqa: E731
    assert half(n) < 6.0 <= half(n - 1)
    assert seeds_needed(8.0, 6.0) < n  # one comparison needs fewer seeds than ten
