"""The exercise checkers: a catalogue of typical wrong implementations, each named by its verdict."""

import re
import threading
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import cbam_lessons as cl
from cbam_lessons.checks import (
    MESSAGES,
    cbam_parameters,
    check_cbam_block,
    check_cbam_overhead,
    check_channel_attention,
    check_kernel_order,
    check_share_inside,
    check_residual_cbam,
    check_spatial_attention,
    diagnose_cbam_block,
    diagnose_cbam_overhead,
    diagnose_kernel_order,
    diagnose_share_inside,
    diagnose_channel_attention,
    diagnose_residual_cbam,
    diagnose_spatial_attention,
)
from cbam_lessons.checks import _sandbox
from cbam_lessons.checks.attention import channel_map, spatial_map
from cbam_lessons.localization import share_inside

# --- channel attention: correct variants and mistakes -------------------------------------


class LinearChannelAttention(nn.Module):
    """Correct, but different: Linear layers with biases, other names, adaptive pooling."""

    def __init__(self, in_planes, ratio=16):
        super().__init__()
        self.squeeze = nn.Linear(in_planes, in_planes // ratio)
        self.excite = nn.Linear(in_planes // ratio, in_planes)
        self.avg, self.max = nn.AdaptiveAvgPool2d(1), nn.AdaptiveMaxPool2d(1)

    def forward(self, x):
        mlp = lambda z: self.excite(F.relu(self.squeeze(z.flatten(1))))  # noqa: E731
        return torch.sigmoid(mlp(self.avg(x)) + mlp(self.max(x)))[:, :, None, None]


class _Channel(cl.ChannelAttention):
    """The reference with its pools exposed, so each mistake below changes one line."""

    def pooled(self, x):
        return x.mean((2, 3), keepdim=True), x.amax((2, 3), keepdim=True)


class OnlyAvg(_Channel):
    def forward(self, x):
        return self.sigmoid(self.mlp(self.pooled(x)[0]))


class OnlyMax(_Channel):
    def forward(self, x):
        return self.sigmoid(self.mlp(self.pooled(x)[1]))


class NoSigmoid(_Channel):
    def forward(self, x):
        a, m = self.pooled(x)
        return self.mlp(a) + self.mlp(m)


class Softmax(_Channel):
    def forward(self, x):
        a, m = self.pooled(x)
        return torch.softmax(self.mlp(a) + self.mlp(m), dim=1)


class NoRelu(_Channel):
    def forward(self, x):
        a, m = self.pooled(x)
        return self.sigmoid(self.fc2(self.fc1(a)) + self.fc2(self.fc1(m)))


class SigmoidEach(_Channel):
    def forward(self, x):
        a, m = self.pooled(x)
        return self.sigmoid(self.mlp(a)) + self.sigmoid(self.mlp(m))


class WrongPoolDims(_Channel):
    def forward(self, x):
        a, m = x.mean(1, keepdim=True), x.amax(1, keepdim=True)
        return self.sigmoid(self.mlp(a) + self.mlp(m))


class NoKeepdimConv(_Channel):
    def forward(self, x):
        return self.sigmoid(self.mlp(x.mean((2, 3))) + self.mlp(x.amax((2, 3))))


class NoKeepdimLinear(LinearChannelAttention):
    def forward(self, x):
        mlp = lambda z: self.excite(F.relu(self.squeeze(z)))  # noqa: E731
        return torch.sigmoid(mlp(x.mean((2, 3))) + mlp(x.amax((2, 3))))


class RatioIgnored(nn.Module):
    def __init__(self, in_planes, ratio=16):
        super().__init__()
        self.fc1 = nn.Conv2d(in_planes, in_planes, 1, bias=False)
        self.fc2 = nn.Conv2d(in_planes, in_planes, 1, bias=False)

    def forward(self, x):
        return torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True)))))


class SeparateMLPs(nn.Module):
    def __init__(self, in_planes, ratio=16):
        super().__init__()
        self.avg_mlp = LinearChannelAttention(in_planes, ratio)
        self.max_mlp = LinearChannelAttention(in_planes, ratio)

    def forward(self, x):
        return self.avg_mlp(x)


class ChannelReturnsRefined(cl.ChannelAttention):
    def forward(self, x):
        return x * super().forward(x)


class KeepdimIntoLinear(nn.Module):
    """Follows the keepdim hint literally: the pooled (N, C, 1, 1) goes straight into nn.Linear."""

    def __init__(self, in_planes, ratio=16):
        super().__init__()
        self.fc1 = nn.Linear(in_planes, in_planes // ratio, bias=False)
        self.fc2 = nn.Linear(in_planes // ratio, in_planes, bias=False)

    def forward(self, x):
        mlp = lambda z: self.fc2(F.relu(self.fc1(z)))  # noqa: E731
        return torch.sigmoid(mlp(x.mean((2, 3), keepdim=True)) + mlp(x.amax((2, 3), keepdim=True)))


CHANNEL_MISTAKES = [
    (KeepdimIntoLinear, "keepdim_into_linear"),
    (OnlyAvg, "only_avg"), (OnlyMax, "only_max"), (NoSigmoid, "no_sigmoid"), (Softmax, "softmax"),
    (NoRelu, "no_relu"), (SigmoidEach, "sigmoid_each"), (WrongPoolDims, "wrong_pool_dims_channel"),
    (NoKeepdimConv, "no_keepdim"), (NoKeepdimLinear, "no_keepdim"), (RatioIgnored, "ratio_ignored"),
    (SeparateMLPs, "separate_mlps"), (ChannelReturnsRefined, "returns_refined"),
]

# --- spatial attention ----------------------------------------------------------------------


class ConvWithBias(nn.Module):
    """Correct, but different: torch.max, a bias, and another attribute name."""

    def __init__(self, kernel_size=7):
        super().__init__()
        self.gate = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2)

    def forward(self, x):
        return torch.sigmoid(self.gate(torch.cat([x.mean(1, keepdim=True), x.max(1, keepdim=True)[0]], 1)))


class MaxMeanOrder(cl.SpatialAttention):
    def forward(self, x):
        return self.sigmoid(self.conv1(torch.cat([x.amax(1, keepdim=True), x.mean(1, keepdim=True)], 1)))


class FixedPadding(cl.SpatialAttention):
    def __init__(self, kernel_size=7):
        super().__init__(kernel_size)
        self.conv1.padding = (1, 1)


class MeanOnly(nn.Module):
    def __init__(self, kernel_size=7):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, x):
        return torch.sigmoid(self.conv1(x.mean(1, keepdim=True)))


class MaxOnly(MeanOnly):
    def forward(self, x):
        return torch.sigmoid(self.conv1(x.amax(1, keepdim=True)))


class KernelIgnored(cl.SpatialAttention):
    def __init__(self, kernel_size=7):
        super().__init__(5)


class SpatialNoSigmoid(cl.SpatialAttention):
    def forward(self, x):
        return self.conv1(torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1))


class SpatialSoftmax(SpatialNoSigmoid):
    def forward(self, x):
        logits = super().forward(x)
        return torch.softmax(logits.flatten(1), 1).view_as(logits)


class SpatialWrongDims(cl.SpatialAttention):
    def forward(self, x):
        return self.sigmoid(self.conv1(torch.cat([x.mean((2, 3), keepdim=True), x.amax((2, 3), keepdim=True)], 1)))


class SpatialNoKeepdim(cl.SpatialAttention):
    def forward(self, x):
        return self.sigmoid(self.conv1(torch.cat([x.mean(1), x.amax(1)], 1)))


class SpatialReturnsRefined(cl.SpatialAttention):
    def forward(self, x):
        return x * super().forward(x)


class NoPadding(cl.SpatialAttention):
    def __init__(self, kernel_size=7):
        super().__init__(kernel_size)
        self.conv1.padding = (0, 0)  # a 7x7 kernel on the checker's 5x7 map: PyTorch refuses


SPATIAL_MISTAKES = [
    (NoPadding, "no_padding"),
    (FixedPadding, "padding_wrong"), (MeanOnly, "spatial_only_avg"), (MaxOnly, "spatial_only_max"),
    (KernelIgnored, "kernel_ignored"), (SpatialNoSigmoid, "spatial_no_sigmoid"), (SpatialSoftmax, "softmax"),
    (SpatialWrongDims, "wrong_pool_dims_spatial"), (SpatialNoKeepdim, "no_keepdim"),
    (SpatialReturnsRefined, "returns_refined"),
]

# --- the block -------------------------------------------------------------------------------


class SpatialFirst(cl.CBAMBlock):
    def forward(self, x):
        out = x * self.sa(x)
        return out * self.ca(out)


class Parallel(cl.CBAMBlock):
    def forward(self, x):
        return x * self.ca(x) * self.sa(x)


class AddedToInput(cl.CBAMBlock):
    def forward(self, x):
        return x + super().forward(x)


class ReturnsMap(cl.CBAMBlock):
    def forward(self, x):
        return self.sa(x * self.ca(x))


class ChannelOnlyApplied(cl.CBAMBlock):
    def forward(self, x):
        return x * self.ca(x)


class AddedEachGate(cl.CBAMBlock):
    """The seed article's words taken literally: each gate's result added to its input."""

    def forward(self, x):
        x = x + self.ca(x)
        return x + self.sa(x)


class AddedSpatialGate(cl.CBAMBlock):
    def forward(self, x):
        x = x * self.ca(x)
        return x + self.sa(x)


BLOCK_MISTAKES = [
    (AddedEachGate, "added_to_input"), (AddedSpatialGate, "added_to_input"),
    (SpatialFirst, "spatial_first"), (Parallel, "parallel"), (AddedToInput, "added_to_input"),
    (ReturnsMap, "returns_map"), (ChannelOnlyApplied, "missing_gate"),
]

# --- the residual block ---------------------------------------------------------------------


class AfterAddition(cl.ResidualCBAMBlock):
    def forward(self, x):
        return self.cbam(F.relu(x + self.branch(x)))


class OnShortcut(cl.ResidualCBAMBlock):
    def forward(self, x):
        return F.relu(self.cbam(x) + self.branch(x))


class NoShortcut(cl.ResidualCBAMBlock):
    def forward(self, x):
        return F.relu(self.cbam(self.branch(x)))


class NoFinalRelu(cl.ResidualCBAMBlock):
    def forward(self, x):
        return x + self.cbam(self.branch(x))


class ReluBeforeCbam(cl.ResidualCBAMBlock):
    def forward(self, x):
        return F.relu(x + self.cbam(F.relu(self.branch(x))))


class CbamBeforeBn2(cl.ResidualCBAMBlock):
    def forward(self, x):
        return F.relu(x + self.bn2(self.cbam(self.conv2(F.relu(self.bn1(self.conv1(x)))))))


class ReluBeforeAddition(cl.ResidualCBAMBlock):
    def forward(self, x):
        return x + F.relu(self.cbam(self.branch(x)))


class Renamed(nn.Module):
    def __init__(self, channels, ratio=16, kernel_size=7):
        super().__init__()
        self.block = cl.ResidualCBAMBlock(channels, ratio, kernel_size)

    def forward(self, x):
        return self.block(x)


RESIDUAL_MISTAKES = [
    (AfterAddition, "cbam_after_addition"), (OnShortcut, "cbam_on_shortcut"), (NoShortcut, "no_shortcut"),
    (NoFinalRelu, "no_final_relu"), (ReluBeforeCbam, "relu_before_cbam"), (Renamed, "template_names"),
    (CbamBeforeBn2, "cbam_before_bn2"), (ReluBeforeAddition, "relu_before_addition"),
]

# --- counting ----------------------------------------------------------------------------------

COUNTING_MISTAKES = [
    (lambda c, r, k: (c / r, 2 * c * (c // r) + 2 * k * k), "hidden_not_floored"),
    (lambda c, r, k: (c * r, 0), "hidden_times_ratio"),
    (lambda c, r, k: (c // r, 2 * c * (c // r)), "forgot_spatial"),
    (lambda c, r, k: (c // r, 2 * c * (c // r) + k * k), "spatial_one_input"),
    (lambda c, r, k: (c // r, c * (c // r) + 2 * k * k), "one_mlp_layer"),
    (lambda c, r, k: (c // r, 2 * c * (c // r) + 2 * k * k + c // r + c), "counted_bias"),
    (lambda c, r, k: (c // r, 4 * c * (c // r) + 2 * k * k), "mlp_counted_twice"),
    (lambda c, r, k: (c // r, 12345), "wrong_count"),
    (lambda c, r, k: 2 * c, "wrong_type"),
]

# --- mistakes that give the right values and break training ---------------------------------


class ChannelUnderNoGrad(_Channel):
    def forward(self, x):
        with torch.no_grad():
            avg, mx = self.pooled(x)
            return self.sigmoid(self.mlp(avg) + self.mlp(mx))


class ChannelDetached(_Channel):
    def forward(self, x):
        avg, mx = self.pooled(x)
        return self.sigmoid(self.mlp(avg) + self.mlp(mx)).detach()


class ChannelFromDetachedInput(_Channel):
    """The weights learn, the layers before do not."""

    def forward(self, x):
        avg, mx = self.pooled(x.detach())
        return self.sigmoid(self.mlp(avg) + self.mlp(mx))


class ChannelMaxBranchDetached(_Channel):
    def forward(self, x):
        avg, mx = self.pooled(x)
        return self.sigmoid(self.mlp(avg) + self.mlp(mx.detach()))


class ChannelZeroesInput(_Channel):
    """Frees the input's memory once the gate is computed, or so it thinks."""

    def forward(self, x):
        avg, mx = self.pooled(x)
        gate = self.sigmoid(self.mlp(avg) + self.mlp(mx))
        x.zero_()
        return gate


class SpatialThroughNumpy(cl.SpatialAttention):
    def forward(self, x):
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
        return torch.from_numpy(1 / (1 + np.exp(-self.conv1(pooled).detach().numpy())))


class SpatialNumpyWithoutDetach(cl.SpatialAttention):
    """Runs under the checker's no_grad value check, raises once gradients are on."""

    def forward(self, x):
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
        return torch.from_numpy(1 / (1 + np.exp(-self.conv1(pooled).numpy())))


class BlockMultipliesInPlace(cl.CBAMBlock):
    def forward(self, x):
        x *= self.ca(x)
        x *= self.sa(x)
        return x


class BlockInPlaceBreaksBackward(cl.CBAMBlock):
    """Changes F' in place after the spatial gate saved it for amax's backward."""

    def forward(self, x):
        refined = x * self.ca(x)
        return refined.mul_(self.sa(refined))


class ResidualBranchDetached(cl.ResidualCBAMBlock):
    def forward(self, x):
        return F.relu(x + self.cbam(self.branch(x).detach()))


TRAINING_MISTAKES = [
    (diagnose_channel_attention, ChannelUnderNoGrad, "no_grad_context"),
    (diagnose_channel_attention, ChannelDetached, "detached_output"),
    (diagnose_channel_attention, ChannelFromDetachedInput, "input_gets_no_gradient"),
    (diagnose_channel_attention, ChannelMaxBranchDetached, "wrong_gradient"),
    (diagnose_channel_attention, ChannelZeroesInput, "modifies_input"),
    (diagnose_spatial_attention, SpatialThroughNumpy, "numpy_round_trip"),
    (diagnose_spatial_attention, SpatialNumpyWithoutDetach, "numpy_round_trip"),
    (diagnose_cbam_block, BlockMultipliesInPlace, "modifies_input"),
    (diagnose_cbam_block, BlockInPlaceBreaksBackward, "inplace_breaks_backward"),
    (diagnose_residual_cbam, ResidualBranchDetached, "parameters_get_no_gradient"),
]

CATALOGUE = (
    [(diagnose_channel_attention, cls, code) for cls, code in CHANNEL_MISTAKES]
    + [(diagnose_spatial_attention, cls, code) for cls, code in SPATIAL_MISTAKES]
    + [(diagnose_cbam_block, cls, code) for cls, code in BLOCK_MISTAKES]
    + [(diagnose_residual_cbam, cls, code) for cls, code in RESIDUAL_MISTAKES]
    + [(diagnose_cbam_overhead, fn, code) for fn, code in COUNTING_MISTAKES]
    + TRAINING_MISTAKES
)


def _name(entry):
    return f"{entry[0].__name__.replace('diagnose_', '')}-{entry[2]}"


@pytest.mark.parametrize("diagnose, student, code", CATALOGUE, ids=[_name(e) for e in CATALOGUE])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_wrong_implementation_gets_its_own_verdict(diagnose, student, code, lang):
    result = diagnose(student, lang)
    assert result.status == "mistake" and result.code == code, result.message
    assert result.message.startswith("❌") and "{" not in result.message


def test_the_catalogue_covers_many_distinct_mistakes():
    assert len({code for _, _, code in CATALOGUE}) >= 12


@pytest.mark.parametrize(
    "diagnose, student",
    [
        (diagnose_channel_attention, cl.ChannelAttention), (diagnose_channel_attention, LinearChannelAttention),
        (diagnose_spatial_attention, cl.SpatialAttention), (diagnose_spatial_attention, ConvWithBias),
        (diagnose_cbam_block, cl.CBAMBlock), (diagnose_residual_cbam, cl.ResidualCBAMBlock),
        (diagnose_cbam_overhead, cbam_parameters),
    ],
)
def test_correct_implementations_pass(diagnose, student):
    for lang in ("en", "zh"):
        assert diagnose(student, lang).passed, diagnose(student, lang).message


def test_official_max_mean_order_passes_with_a_note():
    result = diagnose_spatial_attention(MaxMeanOrder)
    assert result.passed and result.code == "passed_swapped_order"


# --- the student's own names, layers declared in any order, weights that cannot learn --------


class ReversedChannelAttention(nn.Module):
    """Correct: a weight registered as a bare Parameter before a submodule, the second layer first."""

    def __init__(self, in_planes, ratio=16):
        super().__init__()
        self.up = nn.Parameter(torch.randn(in_planes, in_planes // ratio))
        self.down = nn.Linear(in_planes, in_planes // ratio, bias=False)

    def forward(self, x):
        mlp = lambda z: F.relu(self.down(z)) @ self.up.T  # noqa: E731
        return torch.sigmoid(mlp(x.mean((2, 3))) + mlp(x.amax((2, 3))))[:, :, None, None]


class SpatialFirstDeclared(nn.Module):
    """Correct: the block's spatial gate declared before its channel gate."""

    def __init__(self, in_channels, ratio=16, kernel_size=7):
        super().__init__()
        self.sa = cl.SpatialAttention(kernel_size)
        self.ca = cl.ChannelAttention(in_channels, ratio)

    def forward(self, x):
        x = x * self.ca(x)
        return x * self.sa(x)


class FrozenChannel(cl.ChannelAttention):
    def __init__(self, in_planes, ratio=16):
        super().__init__(in_planes, ratio)
        self.requires_grad_(False)  # right values, but no optimizer would ever change them


class RoundedChannel(nn.Module):
    def __init__(self, in_planes, ratio=16):
        super().__init__()
        hidden = round(in_planes / ratio)  # 44 / 16 -> 3, not 44 // 16 = 2
        self.fc1, self.fc2 = nn.Linear(in_planes, hidden, bias=False), nn.Linear(hidden, in_planes, bias=False)

    def forward(self, x):
        mlp = lambda z: self.fc2(F.relu(self.fc1(z)))  # noqa: E731
        return torch.sigmoid(mlp(x.mean((2, 3))) + mlp(x.amax((2, 3))))[:, :, None, None]


@pytest.mark.parametrize("diagnose, student", [(diagnose_channel_attention, ReversedChannelAttention),
                                               (diagnose_cbam_block, SpatialFirstDeclared)])
def test_layers_declared_in_any_order_pass(diagnose, student):
    result = diagnose(student)
    assert result.passed, result.message


@pytest.mark.parametrize("diagnose, student, bias", [
    (diagnose_channel_attention, LinearChannelAttention, "squeeze.bias"), (diagnose_spatial_attention, ConvWithBias, "gate.bias")])
def test_a_bias_the_exercise_leaves_out_passes_with_a_note(diagnose, student, bias):
    for lang in ("en", "zh"):
        result = diagnose(student, lang)
        assert result.passed and result.code == "passed_with_bias" and bias in result.message and "bias=False" in result.message


def test_frozen_weights_and_a_rounded_width_are_named():
    frozen = diagnose_channel_attention(FrozenChannel, "en")
    assert frozen.code == "parameters_frozen" and "fc1.weight" in frozen.message and "requires_grad" in frozen.message
    rounded = diagnose_channel_attention(RoundedChannel, "zh")
    assert rounded.code == "ratio_rounded" and "in_planes=44" in rounded.message and "//" in rounded.message


@pytest.mark.parametrize("diagnose, reference", [
    (diagnose_channel_attention, cl.ChannelAttention), (diagnose_spatial_attention, cl.SpatialAttention),
    (diagnose_cbam_block, cl.CBAMBlock), (diagnose_residual_cbam, cl.ResidualCBAMBlock)])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_verdict_names_the_student_s_own_class(diagnose, reference, lang):
    correct = type("MyOwnGate", (reference,), {})
    blank = type("MyBlankGate", (Blank,), {})
    broken = type("MyBrokenGate", (BlankInit,), {"__init__": lambda self, *args: 1 / 0})
    assert diagnose(correct, lang).passed and "MyOwnGate" in diagnose(correct, lang).message
    assert "MyBlankGate" in diagnose(blank, lang).message
    raised = diagnose(broken, lang)
    assert raised.code == "raised" and "`MyBrokenGate(" in raised.message, raised.message
    assert reference.__name__ not in diagnose(blank, lang).message


# --- a student's code never crashes the checker -----------------------------------------------


class Blank(nn.Module):
    def __init__(self, *args):
        super().__init__()

    def forward(self, x):
        raise NotImplementedError("write your forward here")


class BlankInit(nn.Module):
    def __init__(self, *args):
        raise NotImplementedError


class Raises(cl.CBAMBlock):
    def forward(self, x):
        return x @ x  # (N, C, H, W) @ (N, C, H, W): H != W, so it raises


class ReturnsNumpy(cl.SpatialAttention):
    def forward(self, x):
        return super().forward(x).numpy()


class LoopsForever(cl.ChannelAttention):
    def forward(self, x):
        while True:  # stopped by the checker's alarm, which raises in the main thread
            pass


#: Ends the loop that a checker had to abandon in a worker thread. Set once and never cleared: a loop
#: that read a flag restored by monkeypatch after the test kept spinning a core for the rest of the run.
RELEASE_ABANDONED_LOOPS = threading.Event()


class LoopsUntilReleased(cl.ChannelAttention):
    def forward(self, x):
        while not RELEASE_ABANDONED_LOOPS.is_set():
            pass


@pytest.mark.parametrize("diagnose", [diagnose_channel_attention, diagnose_spatial_attention, diagnose_cbam_block, diagnose_residual_cbam])
@pytest.mark.parametrize("student", [Blank, BlankInit])
def test_blanks_are_reported_as_not_implemented(diagnose, student):
    for lang in ("en", "zh"):
        result = diagnose(student, lang)
        assert result.status == "not_implemented" and result.message.startswith("⏳"), result.message


def test_exceptions_wrong_types_and_instances_are_explained():
    raised = diagnose_cbam_block(Raises)
    assert raised.code == "raised" and "RuntimeError" in raised.message and "forward(x)" in raised.message
    assert diagnose_spatial_attention(ReturnsNumpy).code == "wrong_type"
    assert "ndarray" in diagnose_spatial_attention(ReturnsNumpy).message
    assert diagnose_channel_attention(cl.ChannelAttention(32, 8)).code == "not_a_module_class"
    assert diagnose_cbam_overhead(lambda c, r, k: 1 / 0).code == "raised"


def test_endless_loop_is_stopped_and_explained(monkeypatch):
    monkeypatch.setattr(_sandbox, "TIME_LIMIT_S", 0.3)
    result = diagnose_channel_attention(LoopsForever, "zh")
    assert result.code == "timeout" and "0.3" in result.message and "循环" in result.message


def test_endless_loop_is_stopped_outside_the_main_thread(monkeypatch):
    monkeypatch.setattr(_sandbox, "TIME_LIMIT_S", 0.3)
    before = threading.active_count()
    results = []
    worker = threading.Thread(target=lambda: results.append(diagnose_channel_attention(LoopsUntilReleased)))
    worker.start()
    worker.join(10)
    RELEASE_ABANDONED_LOOPS.set()  # end the abandoned loop, which would otherwise spin until the process exits
    deadline = time.monotonic() + 10
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert results and results[0].code == "timeout"
    assert threading.active_count() == before, "the abandoned loop's thread is still running"
    assert worker.name != _sandbox.ABANDONED_THREAD_NAME  # the checker's own worker thread carries that name


class LoopsCatchingExceptions(cl.ChannelAttention):
    def forward(self, x):
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # noqa: BLE001 - the student's code swallows everything it can
                pass


class Interrupted(cl.ChannelAttention):
    def forward(self, x):
        raise KeyboardInterrupt


def test_time_limit_holds_against_code_that_catches_exceptions(monkeypatch):
    monkeypatch.setattr(_sandbox, "TIME_LIMIT_S", 0.3)
    start = time.perf_counter()
    result = diagnose_channel_attention(LoopsCatchingExceptions)
    assert result.code == "timeout" and time.perf_counter() - start < 3
    time.sleep(1.2)  # the repeating alarm was switched off: nothing is raised here


def test_keyboard_interrupt_still_interrupts():
    with pytest.raises(KeyboardInterrupt):
        diagnose_channel_attention(Interrupted)


def test_training_verdicts_point_at_the_cut_in_the_source():
    assert "`.detach()`" in diagnose_channel_attention(ChannelMaxBranchDetached, "en").message
    assert "`.detach()`" in diagnose_channel_attention(ChannelFromDetachedInput, "zh").message
    names = diagnose_residual_cbam(ResidualBranchDetached).message
    assert "conv1.weight" in names and "cbam" not in names


def test_check_functions_print_the_verdict(capsys):
    check_channel_attention(cl.ChannelAttention, lang="zh")
    check_spatial_attention(Blank, lang="en")
    check_cbam_block(SpatialFirst)
    check_residual_cbam(cl.ResidualCBAMBlock)
    check_cbam_overhead(lambda c, r, k: (c // r, 2 * c * (c // r)), lang="zh")
    check_kernel_order(lambda w: w.flip(1), lang="zh")
    check_share_inside(lambda m, k: (m[:, 0] * k).sum((1, 2)))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("✅ 通过") and lines[1].startswith("⏳ Not implemented yet")
    assert "Spatial attention is applied before channel" in lines[2] and lines[3].startswith("✅")
    assert "2·k·k = 98" in lines[4] or "2·k·k = 18" in lines[4]
    assert lines[5] == "✅ 通过：`<lambda>` 与参考实现一致。"
    assert lines[6].startswith("❌ You return the weight inside the mask without dividing")


def test_every_message_exists_in_both_languages_with_the_same_placeholders():
    import string

    fields = lambda text: {f for _, f, _, _ in string.Formatter().parse(text) if f}  # noqa: E731
    for code, (en, zh) in MESSAGES.items():
        assert en and zh and fields(en) == fields(zh), code


# --- property: random shape settings never make a correct implementation fail ---------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    channels=st.integers(1, 64), ratio=st.integers(1, 32), k=st.sampled_from([1, 3, 5, 7, 9]),
    n=st.integers(1, 4), h=st.integers(1, 12), w=st.integers(1, 12),
)
def test_random_settings_never_fail_a_correct_implementation(channels, ratio, k, n, h, w):
    from cbam_lessons.checks import attention

    if channels // ratio == 0:
        ratio = channels
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(attention, "SETTINGS", [(channels, ratio, k, n, h, w)])
        _assert_all_pass(channels, ratio, k, n, h, w)


def _assert_all_pass(channels, ratio, k, n, h, w):
    for diagnose, student in [
        (diagnose_channel_attention, LinearChannelAttention), (diagnose_channel_attention, cl.ChannelAttention),
        (diagnose_spatial_attention, cl.SpatialAttention), (diagnose_spatial_attention, ConvWithBias),
        (diagnose_cbam_block, cl.CBAMBlock),
    ]:
        result = diagnose(student)
        assert result.passed, f"{student.__name__} with {(channels, ratio, k, n, h, w)}: {result.message}"


def test_reference_maps_match_the_package_modules():
    ca, sa = cl.ChannelAttention(16, 4), cl.SpatialAttention(5)
    x = torch.randn(2, 16, 6, 6)
    torch.testing.assert_close(channel_map(x, ca.fc1.weight[:, :, 0, 0], ca.fc2.weight[:, :, 0, 0]), ca(x))
    torch.testing.assert_close(spatial_map(x, sa.conv1.weight), sa(x))


def test_chinese_messages_name_the_step_and_the_class_without_doubling_words():
    """The review's findings: no space between two Chinese characters, no doubled 你的, 执行 before a step."""
    from cbam_lessons.checks._verdict import MESSAGES, WHAT, verdict

    todo = verdict("not_implemented", "zh", what=WHAT["zh"].format(name="ChannelAttention")).message
    assert "请把 `ChannelAttention` 里的" in todo and todo.count("你") == 1
    assert verdict("raised", "zh", step="ChannelAttention(32, 8)", error="RuntimeError").message.startswith(
        "❌ 执行 `ChannelAttention(32, 8)` 时抛出了 RuntimeError")
    assert "执行 `forward(x)` 超过 5 秒" in verdict("timeout", "zh", step="forward(x)", seconds=5).message
    cjk = r"[\u4e00-\u9fff]"
    for code, (_, zh) in MESSAGES.items():
        assert not re.search(cjk + " " + cjk, zh), f"{code}: a space between two Chinese characters"


# --- chapter 8: an official-order spatial kernel in the paper's order -------------------------


def _swap_in_place(weight):
    weight[:, [0, 1]] = weight[:, [1, 0]].clone()
    return weight


KERNEL_ORDER_MISTAKES = [
    (lambda w: w, "order_unchanged"),
    (lambda w: w.flip(-1), "flipped_spatially"),
    (lambda w: w.flip(-1, -2), "flipped_spatially"),
    (lambda w: w.transpose(-1, -2), "transposed_kernel"),
    (lambda w: w.mean(1, keepdim=True).expand_as(w), "mixed_channels"),
    (_swap_in_place, "modifies_weight"),
    (lambda w: w.flip(1)[0], "wrong_shape"),
    (lambda w: w.flip(1).numpy(), "wrong_type"),
    (lambda w: w.flip(1) * 2, "wrong_values"),
    (lambda w: 1 / 0, "raised"),
    (torch.nn.Conv2d, "not_a_function"),
]


@pytest.mark.parametrize("convert, code", KERNEL_ORDER_MISTAKES, ids=[c for _, c in KERNEL_ORDER_MISTAKES])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_wrong_kernel_conversion_gets_its_own_verdict(convert, code, lang):
    result = diagnose_kernel_order(convert, lang)
    assert result.status == "mistake" and result.code == code and "{" not in result.message, result.message


@pytest.mark.parametrize("convert", [lambda w: w.flip(1), lambda w: w[:, [1, 0]], lambda w: torch.cat([w[:, 1:], w[:, :1]], 1)])
def test_correct_kernel_conversions_pass_and_give_the_official_map(convert):
    assert diagnose_kernel_order(convert).passed
    official = torch.randn(1, 2, 7, 7)
    x = torch.randn(2, 8, 6, 6)
    gate = cl.SpatialAttention(7)
    with torch.no_grad():
        gate.conv1.weight.copy_(convert(official))
        official_map = torch.sigmoid(F.conv2d(torch.cat([x.amax(1, keepdim=True), x.mean(1, keepdim=True)], 1), official, padding=3))
        torch.testing.assert_close(gate(x), official_map)


# --- chapter 6: the share of a map inside the object's mask ----------------------------------


def _scatter_into_maps(maps, masks):
    maps *= masks[:, None]
    return maps.sum(dim=(1, 2, 3)) / maps.sum(dim=(1, 2, 3))


SHARE_INSIDE_MISTAKES = [
    (lambda m, k: (m[:, 0] * k).sum((1, 2)) / m.sum((1, 2, 3)), "nan_for_zero_map"),
    (lambda m, k: (m[:, 0] * k).sum((1, 2)), "not_normalised"),
    (lambda m, k: (m[:, 0] * k).sum((1, 2)) / k.sum((1, 2)).clamp_min(1), "mean_inside"),
    (lambda m, k: (m[:, 0] * k).sum() / m.sum(), "pooled_over_batch"),
    (lambda m, k: torch.nan_to_num((m[:, 0] * ~k).sum((1, 2)) / m.sum((1, 2, 3))), "share_outside"),
    (_scatter_into_maps, "modifies_arguments"),
    (lambda m, k: (m[:, 0] * k).sum((1, 2)).tolist(), "wrong_type"),
    (lambda m, k: m[:, 0] * k, "wrong_shape"),
    (lambda m, k: torch.zeros(len(m)), "wrong_values"),
    (lambda m, k: m.foo, "raised"),
]


@pytest.mark.parametrize("share, code", SHARE_INSIDE_MISTAKES, ids=[c for _, c in SHARE_INSIDE_MISTAKES])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_wrong_share_inside_gets_its_own_verdict(share, code, lang):
    result = diagnose_share_inside(share, lang)
    assert result.status == "mistake" and result.code == code and "{" not in result.message, result.message


def _share_by_loop(maps, masks):
    scores = []
    for m, k in zip(maps[:, 0], masks):
        total = m.sum()
        scores.append(m[k].sum() / total if total > 0 else total * 0)
    return torch.stack(scores)


@pytest.mark.parametrize("share", [share_inside, _share_by_loop,
                                   lambda m, k: torch.nan_to_num((m[:, 0] * k).sum((1, 2)) / m.sum((1, 2, 3)))])
def test_correct_share_inside_implementations_pass(share):
    for lang in ("en", "zh"):
        assert diagnose_share_inside(share, lang).passed, diagnose_share_inside(share, lang).message


def test_a_class_passed_for_a_function_is_told_how_to_call_the_checker():
    assert "`check_share_inside(my_share_inside)`" in diagnose_share_inside(torch.nn.Conv2d).message
    assert "`check_kernel_order(to_paper_order)`" in diagnose_kernel_order(3, "zh").message


class InputNamedInp(_Channel):
    """Detaches, and has a variable whose name ends in "np": the hint must still say detach, not NumPy."""

    def forward(self, x):
        inp = x
        avg, mx = self.pooled(inp.detach())
        return self.sigmoid(self.mlp(avg) + self.mlp(mx))


def test_the_numpy_hint_needs_numpy_not_a_name_ending_in_np():
    result = diagnose_channel_attention(InputNamedInp)
    assert result.code == "input_gets_no_gradient" and "`.detach()`" in result.message, result.message


# --- chapter 5: CBAM in torchvision's Bottleneck ------------------------------------------------

from torchvision.models.resnet import Bottleneck  # noqa: E402

from cbam_lessons.checks import diagnose_cbam_bottleneck, diagnose_gate_function, diagnose_paired_interval  # noqa: E402


class MyBottleneck(Bottleneck):
    """The exercise's solution; each mistake below overrides one step."""

    def __init__(self, inplanes, planes, *args, ratio=16, kernel_size=7, **kwargs):
        super().__init__(inplanes, planes, *args, **kwargs)
        self.cbam = cl.CBAMBlock(self.width_of_cbam(planes), ratio, kernel_size)

    def width_of_cbam(self, planes):
        return planes * self.expansion

    def branch(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        return self.bn3(self.conv3(self.relu(self.bn2(self.conv2(out)))))

    def shortcut(self, x):
        return x if self.downsample is None else self.downsample(x)

    def forward(self, x):
        return self.relu(self.cbam(self.branch(x)) + self.shortcut(x))


class BottleneckOneForward(Bottleneck):
    """Correct, written differently: one forward, the attention's width read from bn3."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cbam = cl.CBAMBlock(self.bn3.num_features)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out = self.cbam(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity  # in place on a fresh tensor: fine
        return self.relu(out)


class _Override:
    """Build a MyBottleneck with one method replaced."""

    @staticmethod
    def make(name, **methods):
        return type(name, (MyBottleneck,), methods)


BOTTLENECK_MISTAKES = [
    (_Override.make("AfterAdd", forward=lambda self, x: self.cbam(self.relu(self.branch(x) + self.shortcut(x)))),
     "cbam_after_addition"),
    (_Override.make("OnShortcut", forward=lambda self, x: self.relu(self.branch(x) + self.cbam(self.shortcut(x)))),
     "cbam_on_shortcut"),
    (_Override.make("NoShortcut", forward=lambda self, x: self.relu(self.cbam(self.branch(x)))), "no_shortcut"),
    (_Override.make("NoRelu", forward=lambda self, x: self.cbam(self.branch(x)) + self.shortcut(x)), "no_final_relu"),
    (_Override.make("ReluFirst", forward=lambda self, x: self.relu(self.cbam(self.relu(self.branch(x))) + self.shortcut(x))),
     "relu_before_cbam"),
    (_Override.make("BeforeBn", forward=lambda self, x: self.relu(self.shortcut(x) + self.bn3(self.cbam(self.conv3(
        self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))))))))), "cbam_before_bn"),
    (_Override.make("NoDownsample", shortcut=lambda self, x: x), "shortcut_not_downsampled"),
    (_Override.make("Narrow", width_of_cbam=lambda self, planes: planes), "cbam_width"),
    (_Override.make("Renamed", __init__=lambda self, *a, **k: (Bottleneck.__init__(self, *a, **k),
                                                               setattr(self, "attention", cl.CBAMBlock(64)))[0],
                    forward=lambda self, x: self.relu(self.attention(self.branch(x)) + self.shortcut(x))),
     "bottleneck_names"),
    (_Override.make("Detached", forward=lambda self, x: self.relu(self.cbam(self.branch(x)).detach() + self.shortcut(x))),
     "parameters_get_no_gradient"),
    (_Override.make("InPlace", forward=lambda self, x: self.relu(self.cbam(self.branch(x)) + self.shortcut(x.relu_()))),
     "modifies_input"),
    (_Override.make("Raises", forward=lambda self, x: self.cbam(self.branch(x)) + self.shortcut(x)[:, :1] @ x),
     "raised"),
    (cl.ResidualCBAMBlock(16), "not_a_module_class"),
]


def _not_yet(self, *args, **kwargs):
    raise NotImplementedError


@pytest.mark.parametrize("cls", [MyBottleneck, BottleneckOneForward])
def test_correct_cbam_bottlenecks_pass_and_build_a_cbam_resnet50(cls):
    import torchvision

    from cbam_lessons.nets.resnet import add_cbam

    assert diagnose_cbam_bottleneck(cls).passed, diagnose_cbam_bottleneck(cls).message
    assert diagnose_cbam_bottleneck(_Override.make("Blank", __init__=_not_yet)).status == "not_implemented"
    # Built like Bottleneck, the class makes a CBAM-ResNet-50 with the package's parameter count and keys.
    mine = torchvision.models.ResNet(cls, [3, 4, 6, 3])
    package = add_cbam(torchvision.models.resnet50())
    assert set(mine.state_dict()) == set(package.state_dict())
    assert sum(p.numel() for p in mine.parameters()) == sum(p.numel() for p in package.parameters())


def test_the_bottleneck_checker_leaves_the_global_random_numbers_alone():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    diagnose_cbam_bottleneck(MyBottleneck)
    assert torch.equal(torch.rand(3), expected)


# --- chapter 7: the paired t-interval over seeds ------------------------------------------------

import math  # noqa: E402
import statistics  # noqa: E402

from cbam_lessons.experiment.stats import T_95, paired_gap  # noqa: E402


def _paired(a, b, quantile=lambda n: T_95[n - 1], spread=statistics.stdev, divide=math.sqrt, check=True):
    if check and len(a) != len(b):
        raise ValueError(f"{len(a)} and {len(b)} results")
    gaps = [x - y for x, y in zip(a, b)]
    half = quantile(len(gaps)) * spread(gaps) / divide(len(gaps))
    return statistics.mean(gaps), statistics.mean(gaps) - half, statistics.mean(gaps) + half


def _welch(a, b):
    n = len(a)
    half = T_95[n - 1] * math.sqrt(statistics.variance(a) / n + statistics.variance(b) / n)
    mean = statistics.mean(a) - statistics.mean(b)
    return mean, mean - half, mean + half


def _sorting_in_place(a, b):
    a.sort()
    return _paired(a, b)


def _asserted_lengths(a, b):
    assert len(a) == len(b)
    return _paired(a, b, check=False)


def _numpy_paired(a, b):
    if len(a) != len(b):
        raise ValueError("lengths differ")
    d = np.asarray(a) - np.asarray(b)
    half = T_95[len(d) - 1] * d.std(ddof=1) / np.sqrt(len(d))
    return np.array([d.mean(), d.mean() - half, d.mean() + half])


INTERVAL_MISTAKES = [
    (lambda a, b: _paired(a, b, quantile=lambda n: 1.96), "z_instead_of_t"),
    (lambda a, b: _paired(a, b, quantile=lambda n: T_95[n]), "wrong_degrees_of_freedom"),
    (lambda a, b: _paired(a, b, quantile=lambda n: {3: 2.920, 5: 2.132}[n]), "one_sided_quantile"),
    (lambda a, b: _paired(a, b, spread=statistics.pstdev), "population_sd"),
    (lambda a, b: _paired(a, b, divide=lambda n: 1), "no_sqrt_n"),
    (lambda a, b: _paired(a, b, divide=lambda n: n), "divided_by_n"),
    (_welch, "unpaired"),
    (lambda a, b: _paired(b, a), "sign_flipped"),
    (lambda a, b: _paired(sorted(a), sorted(b)), "pairs_sorted_apart"),
    (_sorting_in_place, "modifies_results"),
    (lambda a, b: _paired(a, b)[::-1], "wrong_interval"),
    (lambda a, b: (lambda m, lo, hi: (m, hi, lo))(*_paired(a, b)), "low_above_high"),
    (lambda a, b: _paired(a, b, check=False), "lengths_not_checked"),
    (_asserted_lengths, "lengths_asserted"),
    (lambda a, b: _paired(a, b)[:2], "not_a_triple"),
    (lambda a, b: statistics.mean(a) - statistics.mean(b), "not_a_triple"),
    (lambda a, b: a / b, "raised"),
    (paired_gap(range(3), range(3)), "not_a_function"),
]


# --- chapter 9: a gate's multiplication with a hand-written backward ----------------------------


class GateProduct(torch.autograd.Function):
    """The exercise's solution: x * sigmoid(logits), keeping x and the gate for backward."""

    @staticmethod
    def forward(ctx, x, logits):
        gate = torch.sigmoid(logits)
        ctx.save_for_backward(x, gate)
        return x * gate

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        return g * s, GateProduct.reduce(g * x * s * (1 - s), s.shape)

    @staticmethod
    def reduce(t, shape):
        return t.sum(dim=[i for i, n in enumerate(shape) if n == 1], keepdim=True)


class GateUnreduced(GateProduct):
    """Correct too: autograd itself sums a gradient that only broadcasts to its input."""

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        return g * s, g * x * s * (1 - s)


class GateSavingLogits(torch.autograd.Function):
    """Correct, different: keeps the logits and recomputes the sigmoid."""

    @staticmethod
    def forward(ctx, x, logits):
        ctx.save_for_backward(x, logits)
        return x * torch.sigmoid(logits)

    @staticmethod
    def backward(ctx, g):
        x, logits = ctx.saved_tensors
        s = torch.sigmoid(logits)
        dims = [i for i in range(4) if logits.shape[i] == 1]
        return g * s, (g * x * s * (1 - s)).sum(dims, keepdim=True)


def _gate(name, forward=None, backward=None):
    """A GateProduct with forward(ctx, x, logits) or backward(ctx, g, x, s) replaced."""
    methods = {}
    if forward:
        methods["forward"] = staticmethod(forward)
    if backward:
        def run_backward(ctx, g):
            return backward(ctx, g, *ctx.saved_tensors)
        methods["backward"] = staticmethod(run_backward)
    return type(name, (GateProduct,), methods)


def _save(ctx, x, gate):
    ctx.save_for_backward(x, gate)
    return gate



GATE_MISTAKES = [
    (_gate("NoSigmoid", forward=lambda ctx, x, l: x * _save(ctx, x, l)), "forward_without_sigmoid"),
    (_gate("InPlace", forward=lambda ctx, x, l: x.mul_(_save(ctx, x.clone(), torch.sigmoid(l)))), "modifies_input"),
    (_gate("Scaled", forward=lambda ctx, x, l: 2 * x * _save(ctx, x, torch.sigmoid(l))), "wrong_values"),
    (_gate("Numpy", forward=lambda ctx, x, l: (x * _save(ctx, x, torch.sigmoid(l))).numpy()), "wrong_type"),
    (_gate("Pooled", forward=lambda ctx, x, l: (x * _save(ctx, x, torch.sigmoid(l))).mean(1)), "wrong_shape"),
    (_gate("IgnoresGate", backward=lambda ctx, g, x, s: (g, GateProduct.reduce(g * x * s * (1 - s), s.shape))),
     "input_gradient_ignores_gate"),
    (_gate("NoDerivative", backward=lambda ctx, g, x, s: (g * s, GateProduct.reduce(g * x, s.shape))),
     "missing_sigmoid_derivative"),
    (_gate("DerivativeS", backward=lambda ctx, g, x, s: (g * s, GateProduct.reduce(g * x * s, s.shape))),
     "wrong_sigmoid_derivative"),
    (_gate("WithoutX", backward=lambda ctx, g, x, s: (g * s, GateProduct.reduce(g * s * (1 - s), s.shape))),
     "gate_gradient_without_x"),
    (_gate("FixedDims", backward=lambda ctx, g, x, s: (g * s, (g * x * s * (1 - s)).sum(1, keepdim=True))),
     "gate_gradient_wrong_dims"),
    (_gate("Swapped", backward=lambda ctx, g, x, s: (GateProduct.reduce(g * x * s * (1 - s), s.shape), g * s)),
     "gradients_in_wrong_order"),
    (_gate("OneGradient", backward=lambda ctx, g, x, s: (g * s,)), "wrong_number_of_gradients"),
    (_gate("NoneForLogits", backward=lambda ctx, g, x, s: (g * s, None)), "gate_input_gets_no_gradient"),
    (_gate("ChangesG", backward=lambda ctx, g, x, s: (g.mul_(s), GateProduct.reduce(g * x * (1 - s), s.shape))),
     "modifies_grad_output"),
    (_gate("Halved", backward=lambda ctx, g, x, s: (g * s / 2, GateProduct.reduce(g * x * s * (1 - s), s.shape))),
     "wrong_gradient_values"),
    (_gate("Raises", backward=lambda ctx, g, x, s: 1 / 0), "raised"),
    (GateProduct.apply, "not_an_autograd_function"),
    (nn.Module, "not_an_autograd_function"),
]


def test_a_blank_gate_function_is_not_implemented_yet():
    assert diagnose_gate_function(_gate("Blank", backward=lambda ctx, g, x, s: _not_yet(None))).status == "not_implemented"


def test_a_backward_that_gradcheck_rejects_is_named():
    """Right on the two probes' shapes and seeds, wrong elsewhere: only gradcheck can tell."""
    wrong_on_small = _gate("Small", backward=lambda ctx, g, x, s: (
        g * s * (1 + (x.numel() < 100)), GateProduct.reduce(g * x * s * (1 - s), s.shape)))
    assert diagnose_gate_function(wrong_on_small).code == "gradcheck_failed"


def test_the_new_check_functions_print_the_verdict(capsys):
    from cbam_lessons.checks import check_cbam_bottleneck, check_gate_function, check_paired_interval

    check_cbam_bottleneck(BOTTLENECK_MISTAKES[0][0], lang="zh")
    check_paired_interval(paired_gap)
    check_gate_function(GateProduct, lang="zh")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("❌ 你把 CBAM 放在了残差相加之后")
    assert lines[1] == "✅ Passed: your paired_gap matches the reference."
    assert lines[2] == "✅ 通过：`GateProduct` 与参考实现一致。"


# --- chapters 5, 7 and 9: every catalogue entry named, every correct variant passed -------------

LATER_CATALOGUES = (
    [(diagnose_cbam_bottleneck, cls, code) for cls, code in BOTTLENECK_MISTAKES]
    + [(diagnose_paired_interval, fn, code) for fn, code in INTERVAL_MISTAKES]
    + [(diagnose_gate_function, cls, code) for cls, code in GATE_MISTAKES]
)


@pytest.mark.parametrize("diagnose, student, code", LATER_CATALOGUES, ids=[_name(e) for e in LATER_CATALOGUES])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_wrong_solution_of_chapters_5_7_and_9_gets_its_own_verdict(diagnose, student, code, lang):
    test_each_wrong_implementation_gets_its_own_verdict(diagnose, student, code, lang)


@pytest.mark.parametrize("diagnose, student", [
    (diagnose_paired_interval, _paired), (diagnose_paired_interval, _numpy_paired), (diagnose_paired_interval, paired_gap),
    (diagnose_gate_function, GateProduct), (diagnose_gate_function, GateUnreduced), (diagnose_gate_function, GateSavingLogits),
], ids=lambda v: getattr(v, "__name__", ""))
def test_correct_solutions_of_chapters_7_and_9_pass(diagnose, student):
    for lang in ("en", "zh"):
        assert diagnose(student, lang).passed, diagnose(student, lang).message
