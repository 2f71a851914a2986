"""The control models of chapter 4: classifier heads, SE, and the parameter-matched plain model."""

import pytest
import torch

from cbam_lessons import CBAMModel, PlainModel, SEModel
from cbam_lessons.nets.models import matched_plain_model, parameter_count
from cbam_lessons.nets.pooling_head import HEADS, GlobalPool


def test_global_pool_modes_compute_mean_max_and_both():
    x = torch.randn(3, 5, 4, 6)
    torch.testing.assert_close(GlobalPool("avg")(x), x.mean((2, 3)))
    torch.testing.assert_close(GlobalPool("max")(x), x.flatten(2).max(dim=2).values)
    both = GlobalPool("avg+max")(x)
    assert both.shape == (3, 10) and GlobalPool("avg+max").features(5) == 10
    torch.testing.assert_close(both[:, 5:], x.amax((2, 3)))
    assert HEADS == ("avg", "max", "avg+max")


def test_the_avg_head_is_the_seeds_adaptive_average_pool_bit_for_bit():
    x = torch.randn(8, 64, 4, 4)
    assert torch.equal(GlobalPool("avg")(x), torch.flatten(torch.nn.AdaptiveAvgPool2d(1)(x), 1))


@pytest.mark.parametrize("head, features", [("avg", 64), ("max", 64), ("avg+max", 128)])
def test_plain_heads_change_only_the_pooling_and_the_classifier_width(head, features):
    model = PlainModel(6, widths=(16, 32, 64), head=head)
    assert model.fc.in_features == features and model(torch.randn(2, 3, 32, 32)).shape == (2, 6)
    base = PlainModel(6, widths=(16, 32, 64))
    assert [k for k in model.state_dict()] == [k for k in base.state_dict()]


def test_a_max_head_sees_a_small_bright_spot_that_the_average_dilutes():
    model = PlainModel(2, widths=(4, 4, 4), head="max").eval()
    for head in ("avg", "max"):
        model.pool = GlobalPool(head)
        features = torch.zeros(1, 4, 8, 8)
        features[0, :, 3, 3] = 64.0  # one position of 64
        assert model.pool(features)[0, 0].item() == (1.0 if head == "avg" else 64.0)


def test_se_model_is_cbams_channel_gate_with_average_pooling_only():
    se = SEModel(6, widths=(16, 32, 64), ratio=8)
    same = CBAMModel(6, widths=(16, 32, 64), ratio=8, arrangement="channel", channel_pools=("avg",))
    assert list(se.state_dict()) == list(same.state_dict())
    assert not hasattr(se.cbam1, "sa") and se.cbam1.ca.pools == ("avg",)
    same.load_state_dict(se.state_dict())
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(se.eval()(x), same.eval()(x))


def test_matched_plain_model_has_the_references_parameter_count_within_two_percent():
    cbam = CBAMModel(6, widths=(16, 32, 64), ratio=8)
    wide = matched_plain_model(cbam)
    assert isinstance(wide, PlainModel) and wide.num_classes == 6
    assert abs(parameter_count(wide) - parameter_count(cbam)) <= 0.02 * parameter_count(cbam)
    assert all(w >= v for w, v in zip(wide.widths, cbam.widths)) and wide.widths != cbam.widths
    assert parameter_count(PlainModel(6, widths=(16, 32, 64))) < 0.95 * parameter_count(cbam)  # the control is needed
    big = CBAMModel(10, widths=(64, 128, 256))
    assert abs(parameter_count(matched_plain_model(big)) - parameter_count(big)) <= 0.02 * parameter_count(big)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: PlainModel(head="mean"), r"GlobalPool: unknown head 'mean'. Use one of 'avg', 'max', 'avg\+max'"),
        (lambda: SEModel(widths=(8, 16, 32)), r"in_planes // ratio must be at least 1.*in_planes=8, ratio=16"),
        (lambda: matched_plain_model(torch.nn.Linear(2, 2)), r"reference must be a CBAMModel.*got Linear"),
        (lambda: matched_plain_model(CBAMModel(widths=(16, 32, 64), ratio=8), tolerance=2), r"tolerance must be in \(0, 1\)"),
        (lambda: matched_plain_model(CBAMModel(widths=(16, 32, 64), ratio=8), tolerance=1e-9),
         r"no widening of widths \(16, 32, 64\).*within 0%.*Raise tolerance"),
    ],
)
def test_bad_control_arguments_fail_in_the_constructor(build, message):
    with pytest.raises(ValueError, match=message):
        build()
