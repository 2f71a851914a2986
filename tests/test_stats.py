"""mean_spread and paired_gap against hand-computed values."""

import math

import pytest

from cbam_lessons.stats import T_95, PairedGap, mean_spread, paired_gap


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


@pytest.mark.parametrize("a, b", [([0.1, 0.2], [0.1]), ([0.1], [0.2]), ([0.5] * 12, [0.4] * 12)])
def test_paired_gap_rejects_unpaired_or_unsupported_lengths(a, b):
    with pytest.raises(ValueError, match="two equally long lists"):
        paired_gap(a, b)


def test_failed_seeds_finds_the_runs_far_below_the_median():
    from cbam_lessons.stats import failed_seeds

    assert failed_seeds([0.83, 0.88, 0.68, 0.83, 0.83]) == [2]
    assert failed_seeds([0.80, 0.78, 0.75]) == []
    assert failed_seeds([0.80, 0.78, 0.75], margin=0.02) == [2]
    with pytest.raises(ValueError, match="at least 3 results"):
        failed_seeds([0.5, 0.9])
