"""`python -m cbam_lessons.verify FILE.py:Class`: the exercise checks for anyone's implementation, or a whole model.

The other code bases' modules (the official code's, Ultralytics', timm's) are in tests/cbam_variants/, one file each,
written from their documented structure, not copied; the files below hold this file's own cases.
"""

import subprocess
import sys

import pytest
from torch import nn

from cbam_lessons.checks import _discovery as discovery, _signature as signature
from cbam_lessons.verify import CannotCheck, main, verify_model
from cbam_variants import target

ULTRALYTICS_MISTAKES = '''
import torch

from cbam_variants.ultralytics import CBAM, ChannelAttention


class SpatialFirstCBAM(CBAM):  # close to Ultralytics' CBAM, but wrong: the gates swapped
    def forward(self, x):
        return self.channel_attention(self.spatial_attention(x))


class MaxPoolChannelAttention(ChannelAttention):  # close, but wrong: max pooling instead of average
    def forward(self, x):
        return x * self.act(self.fc(x.amax((2, 3), keepdim=True)))


class NoSigmoidChannelAttention(ChannelAttention):
    def forward(self, x):
        return x * self.fc(self.pool(x))
'''

PACKAGE = '''
from cbam_lessons import CBAMBlock, ChannelAttention, SpatialAttention
'''

CONSTRUCTORS = '''
import torch
from torch import nn

import cbam_lessons as cl


class CBAMLayer(nn.Module):  # a popular blog's names: channel, reduction, spatial_kernel
    def __init__(self, channel, reduction=16, spatial_kernel=7):
        super().__init__()
        self.block = cl.CBAMBlock(channel, reduction, spatial_kernel)

    def forward(self, x):
        return self.block(x)


class YoloCBAM(nn.Module):  # YOLO-style CBAM(c1, c2): c2 is the output width, equal to c1
    def __init__(self, c1, c2, ratio=16, kernel_size=7):
        super().__init__()
        assert c1 == c2, "an attention module keeps its width"
        self.block = cl.CBAMBlock(c1, ratio, kernel_size)

    def forward(self, x):
        return self.block(x)


class PositionalChannelGate(nn.Module):  # names verify does not know, as many as the settings
    def __init__(self, a, b):
        super().__init__()
        self.gate = cl.ChannelAttention(a, b)

    def forward(self, x):
        return self.gate(x)


class WeirdCBAM(nn.Module):  # `planes` and `mode` are unknown names, `squeeze` too: --args says what they are
    def __init__(self, planes, mode, squeeze=16):
        super().__init__()
        assert mode in ("fast", "exact"), mode
        self.block = cl.CBAMBlock(planes, squeeze)

    def forward(self, x):
        return self.block(x)


class AttentionUnit(nn.Module):  # four unknown required parameters for three settings
    def __init__(self, width, squeeze, window, gated):
        super().__init__()
        self.block = cl.CBAMBlock(width, squeeze, window)

    def forward(self, x):
        return self.block(x)


class FixedRatioChannelAttention(nn.Module):  # the ratio hard-coded at 8: checked with the paper's 16
    def __init__(self, in_planes):
        super().__init__()
        self.gate = cl.ChannelAttention(in_planes, 8)

    def forward(self, x):
        return self.gate(x)


class ParallelCBAM(nn.Module):  # close to the paper's, but wrong: both maps from F
    def __init__(self, in_planes, reduction_ratio=16, kernel_size=7):
        super().__init__()
        self.ca = cl.ChannelAttention(in_planes, reduction_ratio)
        self.sa = cl.SpatialAttention(kernel_size)

    def forward(self, x):
        return x * self.ca(x) * self.sa(x)
'''

MINE = '''
import torch
from torch import nn

import cbam_lessons as cl


class RoundedChannelAttention(nn.Module):  # timm's rounding of the hidden width
    def __init__(self, channels, ratio=16):
        super().__init__()
        hidden = int(channels / ratio + 0.5)
        self.fc1 = nn.Conv2d(channels, hidden, 1, bias=False)
        self.fc2 = nn.Conv2d(hidden, channels, 1, bias=False)

    def forward(self, x):
        mlp = lambda z: self.fc2(torch.relu(self.fc1(z)))
        return torch.sigmoid(mlp(x.mean((2, 3), keepdim=True)) + mlp(x.amax((2, 3), keepdim=True)))


class AvgOnlyChannelAttention(RoundedChannelAttention):
    def forward(self, x):
        return torch.sigmoid(2 * self.fc2(torch.relu(self.fc1(x.mean((2, 3), keepdim=True)))))


class FrozenChannelAttention(RoundedChannelAttention):
    def forward(self, x):
        with torch.no_grad():
            return super().forward(x)


class MyBlock(cl.CBAMBlock):
    pass


class Helper(nn.Module):
    pass


from torchvision.models.resnet import Bottleneck


class CBAMAfterAddBottleneck(Bottleneck):  # a detector's block with CBAM on the block's output
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cbam = cl.CBAMBlock(self.bn3.num_features)

    def forward(self, x):
        return self.cbam(super().forward(x))
'''

DETECTOR = '''
from torch import nn

from cbam_variants.ultralytics import CBAM
from ultralytics_mistakes import SpatialFirstCBAM


class Conv(nn.Module):  # convolution, BatchNorm, SiLU, as a detector's stages
    def __init__(self, c1, c2, k=3, s=2):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(Conv(3, 16), CBAM(16), Conv(16, 32), CBAM(32, 3), Conv(32, 64), SpatialFirstCBAM(64))
        self.head = nn.Conv2d(64, 3 * 6, 1)

    def forward(self, x):
        return self.head(self.backbone(x))


def build_model():
    return Detector()


def broken():
    return undefined_name


def not_a_model():
    return 3


def plain():
    return nn.Sequential(Conv(3, 8), nn.Conv2d(8, 8, 1))
'''

MODELS = '''
from torch import nn

from cbam_lessons.nets.cifar_resnet import CifarResNet
from cbam_lessons.nets.resnet import add_cbam
from cbam_variants.official import CBAM


def resnet():
    return add_cbam(CifarResNet(10, widths=(16, 32), depths=(1, 1)))


def official_net():
    return nn.Sequential(nn.Conv2d(3, 32, 3), CBAM(32, 8), nn.ReLU(), nn.Conv2d(32, 64, 3), CBAM(64))
'''


REVIEW = '''
from __future__ import annotations

import torch
from torch import nn

import cbam_lessons as cl
from cbam_variants.official import SpatialGate


def _pools(x, order=("mean", "max")):
    pools = {"mean": x.mean(1, keepdim=True), "max": x.amax(1, keepdim=True)}
    return torch.cat([pools[o] for o in order], 1)


class MaxMeanBiasCBAM(nn.Module):  # biases and [max; mean]: both notes
    def __init__(self, channels, ratio=16, kernel_size=7):
        super().__init__()
        h = channels // ratio
        self.fc1, self.fc2 = nn.Conv2d(channels, h, 1), nn.Conv2d(h, channels, 1)
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2)

    def forward(self, x):
        m = lambda z: self.fc2(torch.relu(self.fc1(z)))
        x = x * torch.sigmoid(m(x.mean((2, 3), keepdim=True)) + m(x.amax((2, 3), keepdim=True)))
        return x * torch.sigmoid(self.conv(_pools(x, ("max", "mean"))))


class CBAMChannelAttention(cl.ChannelAttention):  # named like CBAM, but a channel gate
    pass


class ChannelSpatialAttention(cl.CBAMBlock):  # both gates named: a block
    pass


class BN1dCBAM(nn.Module):  # a BatchNorm1d in the MLP: not the spatial gate's, left alone
    def __init__(self, channels, ratio=16, kernel_size=7):
        super().__init__()
        h = channels // ratio
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(channels, h, bias=False), nn.BatchNorm1d(h), nn.ReLU(),
                                 nn.Linear(h, channels, bias=False))
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, x):
        g = torch.sigmoid(self.mlp(x.mean((2, 3), keepdim=True)) + self.mlp(x.amax((2, 3), keepdim=True)))
        x = x * g[..., None, None]
        return x * torch.sigmoid(self.conv(_pools(x)))


class RowChannelAttention(nn.Module):  # returns x * M, but M varies over the rows: not a channel map
    def __init__(self, channels, ratio=16):
        super().__init__()
        self.gate = cl.ChannelAttention(channels, ratio)

    def forward(self, x):
        out = x * self.gate(x)
        out[:, :, 1:, :] = 0
        return out


class GateWithChannels(nn.Module):  # a spatial gate whose constructor asks for the channel count
    def __init__(self, in_channels, kernel_size=7):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, x):
        return torch.sigmoid(self.conv(_pools(x)))


class NormedSpatialAttention(nn.Module):  # BatchNorm before the sigmoid, returns the map: the note alone
    def __init__(self, kernel_size=7):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.bn = nn.BatchNorm2d(1)

    def forward(self, x):
        return torch.sigmoid(self.bn(self.conv(_pools(x))))


class Annotated(nn.Module):  # annotations under `from __future__ import annotations`: strings
    def __init__(self, planes: int, mode: str, squeeze: int = 16):
        super().__init__()


class ConfigCBAM(nn.Module):  # the settings in a dict and a list
    def __init__(self, cfg, sizes):
        super().__init__()
        self.block = cl.CBAMBlock(cfg["c"], cfg["r"], sizes[0])

    def forward(self, x):
        return self.block(x)


model_instance = nn.Sequential(nn.Conv2d(3, 16, 3), cl.CBAMBlock(16, 4))


def wrapped():
    class Stage(nn.Module):  # weights of a CBAM block, all in the block it holds
        def __init__(self):
            super().__init__()
            self.att = nn.Sequential(cl.CBAMBlock(16, 4))

        def forward(self, x):
            return self.att(x)

    return nn.Sequential(nn.Conv2d(3, 16, 3), Stage(), SpatialGate())


def frozen():
    return nn.Sequential(nn.Conv2d(3, 16, 3), cl.CBAMBlock(16, 4)).requires_grad_(False)


def double():
    return nn.Sequential(nn.Conv2d(3, 16, 3), cl.CBAMBlock(16, 4)).double()


def hangs():
    while True:
        pass
'''


@pytest.fixture
def files(tmp_path):
    for name, text in [("ultralytics_mistakes.py", ULTRALYTICS_MISTAKES), ("package.py", PACKAGE),
                       ("constructors.py", CONSTRUCTORS), ("mine.py", MINE), ("detector.py", DETECTOR),
                       ("models.py", MODELS), ("broken.py", "import torch\n\nx = 1\ny = undefined_name + x\n"),
                       ("review.py", REVIEW), ("hangs.py", "import torch\n\nwhile True:\n    pass\n")]:
        (tmp_path / name).write_text(text)
    return tmp_path


def _run(capsys, *argv):
    """(exit status, stdout lines, stderr) of verify."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


# --- known variants ------------------------------------------------------------------------


@pytest.mark.parametrize("name, first, family, more", [
    ("ChannelGate", "has biases (mlp.1.bias, mlp.3.bias)", "the official code's ChannelGate", []),
    ("SpatialGate", "you stack [max; mean]", "the official code's SpatialGate", ["checked with a 7×7 kernel only"]),
    ("CBAM", "you stack [max; mean]", "the official code's CBAM", ["checked with a 7×7 kernel only"]),
])
def test_the_official_code_passes_as_its_named_variant(files, capsys, name, first, family, more):
    status, lines, _ = _run(capsys, target("official", name))
    assert status == 0 and lines[0].startswith("✅") and first in lines[0], lines
    assert lines[1].startswith("Known variant: this is " + family), lines
    assert len(lines) == 2 + len(more) and all(m in line for m, line in zip(more, lines[2:])), lines


def test_the_official_cbam_notes_batch_norm_and_biases_in_chinese(files, capsys):
    status, lines, _ = _run(capsys, target("official", "CBAM"), "--lang", "zh")
    assert status == 0 and lines[0].startswith("✅ 通过，另有一点说明：你按 [max; mean]")
    assert lines[1].startswith("已知的变体：这是官方代码（Jongchan/attention-module）中的 CBAM")
    assert "带偏置的 nn.Linear" in lines[1] and "批量归一化" in lines[1] and lines[2].startswith("说明：构造时没有传入卷积核大小")


@pytest.mark.parametrize("name, texts", [
    ("ChannelAttention", ["has the structure of Ultralytics' ChannelAttention", "no max-pooled descriptor", "no bottleneck",
                          "C² + C = 1056 parameters", "2·C·(C // r) = 128"]),
    ("CBAM", ["has the structure of Ultralytics' CBAM", "no max-pooled descriptor", "C² + C + 2k² = 1154", "against 226"]),
    ("SpatialAttention", ["Passed: your SpatialAttention matches", "structure of Ultralytics' SpatialAttention", "[mean; max]"]),
])
def test_ultralytics_modules_are_named_with_what_differs_from_the_paper(files, capsys, name, texts):
    status, lines, _ = _run(capsys, target("ultralytics", name))
    text = "\n".join(lines)
    assert status == 0 and lines[0].startswith("✅") and all(t in text for t in texts), text


def test_ultralytics_channel_gate_in_chinese(files, capsys):
    status, lines, _ = _run(capsys, target("ultralytics", "ChannelAttention"), "--lang", "zh")
    assert status == 0 and lines[0].startswith("✅ 通过（已知的变体）：`ChannelAttention` 的结构与 Ultralytics 的 ChannelAttention")
    assert "C² + C = 1056 个参数" in lines[0] and "22.80%" in lines[0] and lines[1].startswith("已知的变体：它返回细化后的特征图")


@pytest.mark.parametrize("name", ["ChannelAttention", "SpatialAttention", "CBAMBlock"])
def test_the_packages_own_modules_pass_without_a_note(files, capsys, name):
    status, lines, _ = _run(capsys, f"{files / 'package.py'}:{name}")
    assert status == 0 and lines == [f"✅ Passed: your {name} matches the reference."]


def test_timms_rounding_passes_and_is_named(files, capsys):
    status, lines, _ = _run(capsys, f"{files / 'mine.py'}:RoundedChannelAttention", "--lang", "zh")
    assert status == 0 and lines[0].startswith("✅ 通过") and "C = 40、r = 16 时为 3" in lines[1]


# --- building other constructors -----------------------------------------------------------


@pytest.mark.parametrize("name", ["CBAMLayer", "YoloCBAM", "PositionalChannelGate"])
def test_other_constructors_are_built_by_their_parameter_names_or_positions(files, capsys, name):
    status, lines, err = _run(capsys, f"{files / 'constructors.py'}:{name}")
    assert status == 0 and lines == [f"✅ Passed: your {name} matches the reference."], (lines, err)


def test_args_builds_a_constructor_verify_cannot_read(files, capsys):
    target = f"{files / 'constructors.py'}:WeirdCBAM"
    status, lines, _ = _run(capsys, target, "--args", "{channels}, 'fast', squeeze={ratio}")
    assert status == 0 and lines[0] == "✅ Passed: your WeirdCBAM matches the reference."
    assert "no kernel size is passed to its constructor" in lines[1]
    status, lines, _ = _run(capsys, target, "--args", "{channels}, 'fast', squeeze=4")  # the ratio fixed: r = 16 checked
    assert status == 1 and "weights [(1, 2, 7, 7), (8, 32), (32, 8)]; expected [(2, 32), (32, 2)" in lines[0]


@pytest.mark.parametrize("name, found, example", [
    ("WeirdCBAM", "WeirdCBAM(planes, mode, squeeze=16)", "planes=…, mode=…"),
    ("AttentionUnit", "AttentionUnit(width, squeeze, window, gated)", "width=…, squeeze=…, window=…, gated=…"),
])
def test_a_constructor_it_cannot_call_exits_2_with_both_signatures(files, capsys, name, found, example):
    status, lines, err = _run(capsys, f"{files / 'constructors.py'}:{name}", "--kind", "block")
    assert status == 2 and not lines and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"cannot build {found} for the checks" in err and f"verify calls {name}(channels, ratio, kernel_size)" in err
    assert 'gate_channels' in err and f'--args "{example}", writing each … as a placeholder' in err
    status, _, err = _run(capsys, f"{files / 'constructors.py'}:{name}", "--kind", "block", "--lang", "zh")
    assert status == 2 and f"无法为检查构建 {found}" in err and "请用 --args 说明如何构建" in err
    assert "按参数名把各项设置传给对应的参数" in err and "把其中每个 … 写成占位符" in err


@pytest.mark.parametrize("template, message", [
    ("{channels}, {k}", "unknown placeholder {k}; use {channels}, {ratio}, {kernel_size}"),
    ("{channels}, fast", "'fast' is neither a Python literal nor a placeholder"),
    ("{channels}, 'fast', bad=2", "got an unexpected keyword argument 'bad'"),
    ("{channels}, *modes", "* and ** are not allowed"),
    ("{channels}, (", "is not an argument list"),
    ("{channels}), (1", "is not an argument list"),
    ("{channels}) + f(1", "is not an argument list"),
    ("{channels}, __setting_foo", "'__setting_foo' is neither a Python literal nor a placeholder"),
    ("{channels}, 'fast', squeeze={ratio} + 1", "'{ratio} + 1' is neither a Python literal nor a placeholder"),
])
def test_bad_args_exit_2_with_the_reason(files, capsys, template, message):
    status, lines, err = _run(capsys, f"{files / 'constructors.py'}:WeirdCBAM", "--args", template)
    assert status == 2 and not lines and message in err and len(err.strip().splitlines()) == 1


def test_a_setting_the_constructor_does_not_take_is_fixed_and_said_so(files, capsys):
    status, lines, _ = _run(capsys, f"{files / 'constructors.py'}:FixedRatioChannelAttention")
    assert status == 1 and lines == [
        "❌ The hidden layer has 4 units; with in_planes=32 and ratio=16 it should have in_planes // ratio = 2.",
        "Note: no reduction ratio is passed to its constructor, so it was checked with r = 16, the paper's."]


def test_a_failing_constructor_shows_the_call_verify_made(files, capsys):
    status, lines, _ = _run(capsys, f"{files / 'constructors.py'}:WeirdCBAM", "--args", "{channels}, 'slow', squeeze={ratio}")
    assert status == 1 and "raised AssertionError: slow" in lines[0]
    assert lines[-1] == "verify built it as WeirdCBAM(32, 'slow', squeeze=8); if it is not meant to be called so, pass --args."


# --- mistakes ------------------------------------------------------------------------------


@pytest.mark.parametrize("file, name, text", [
    ("constructors.py", "ParallelCBAM", "Both maps are computed from F (in parallel)"),
    ("ultralytics_mistakes.py", "SpatialFirstCBAM", "Spatial attention is applied before channel attention"),
    ("ultralytics_mistakes.py", "MaxPoolChannelAttention", "Only max pooling is used"),
    ("ultralytics_mistakes.py", "NoSigmoidChannelAttention", "not squashed into (0, 1)"),
    ("mine.py", "AvgOnlyChannelAttention", "only average pooling"),
    ("mine.py", "FrozenChannelAttention", "torch.no_grad()"),
    ("mine.py", "CBAMAfterAddBottleneck", "after the residual addition"),
])
def test_close_but_wrong_classes_get_the_nearest_named_mistake(files, capsys, file, name, text):
    status, lines, _ = _run(capsys, f"{files / file}:{name}")
    assert status == 1 and lines[0].startswith("❌") and text.lower() in lines[0].lower() and len(lines) == 1, lines


# --- whole models --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["build_model", "Detector"])
def test_a_detector_is_checked_module_by_module(files, capsys, name):
    status, lines, _ = _run(capsys, f"{files / 'detector.py'}:{name}")
    assert status == 1 and len(lines) == 4, lines
    assert lines[0].startswith("backbone.1 (CBAM): ✅ Passed as a known variant") and "At C = 16, k = 7" in lines[0]
    assert lines[1].startswith("backbone.3 (CBAM): ✅ Passed as a known variant") and "At C = 32, k = 3" in lines[1]
    assert lines[2].startswith("backbone.5 (SpatialFirstCBAM): ❌ Spatial attention is applied before channel attention")
    assert lines[3] == "3 CBAM modules checked: 2 passed, 1 with a mistake."


def test_a_model_in_chinese(files, capsys):
    status, lines, _ = _run(capsys, f"{files / 'detector.py'}:build_model", "--lang", "zh")
    assert status == 1 and lines[2].startswith("backbone.5（SpatialFirstCBAM）：❌ 你把空间注意力放在了通道注意力之前")
    assert lines[3] == "共检查了 3 个 CBAM 模块：2 个通过，1 个有错误。"


def test_models_of_correct_blocks_pass(files, capsys):
    status, lines, _ = _run(capsys, f"{files / 'models.py'}:resnet")
    assert status == 0 and lines == ["layer1.0.cbam (CBAMBlock): ✅ Passed: your CBAMBlock matches the reference.",
                                     "layer2.0.cbam (CBAMBlock): ✅ Passed: your CBAMBlock matches the reference.",
                                     "2 CBAM modules checked: 2 passed, 0 with a mistake."]
    status, lines, _ = _run(capsys, f"{files / 'models.py'}:official_net")
    assert status == 0 and [line.split(" ")[0] for line in lines[:2]] == ["1", "4"]
    assert all("Known variant: this is the official code's CBAM" in line for line in lines[:2])


@pytest.mark.parametrize("target, argv, message", [
    ("detector.py:broken", [], "broken() failed (line 34): NameError: name 'undefined_name' is not defined"),
    ("detector.py:not_a_model", [], "not_a_model() returned int, not an nn.Module"),
    ("detector.py:plain", [], "found no CBAM module in plain(): none is named like one"),
    ("detector.py:build_model", ["--kind", "block"], "build_model is a function"),
    ("detector.py:build_model", ["--args", "{channels}"], "--args is for a class"),
    ("detector.py:Conv", ["--kind", "model"], "Conv() failed: TypeError"),
])
def test_models_that_cannot_be_checked_exit_2(files, capsys, target, argv, message):
    status, lines, err = _run(capsys, files / target, *argv)
    assert status == 2 and not lines and message in err and len(err.strip().splitlines()) == 1, err


def test_verify_model_checks_a_model_built_in_python():
    import cbam_lessons as cl

    passed, text = verify_model(nn.Sequential(nn.Conv2d(3, 24, 3), cl.CBAMBlock(24, 6, 5)), lang="zh")
    assert passed and text.splitlines() == ["1（CBAMBlock）：✅ 通过：`CBAMBlock` 与参考实现一致。", "共检查了 1 个 CBAM 模块：1 个通过，0 个有错误。"]
    with pytest.raises(CannotCheck, match="found no CBAM module in Sequential"):
        verify_model(nn.Sequential(nn.Conv2d(3, 8, 3)))


def test_finding_cbam_modules_by_structure_and_by_name():
    import cbam_lessons as cl

    class CBAMBottleneck(nn.Module):  # named like CBAM, holds one: the search goes on inside
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(8, 8, 3)
            self.cbam = cl.CBAMBlock(8, 4)

    class SEBlock(nn.Module):  # a channel gate's weights, but not named like one: not CBAM
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(8, 2), nn.Linear(2, 8)

    class LonelySpatial(nn.Module):  # a spatial gate by its weights alone
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 1, 5, padding=2)

    model = nn.Sequential(CBAMBottleneck(), SEBlock(), cl.ChannelAttention(16, 4), LonelySpatial(), nn.Conv2d(2, 1, 7))
    found = [(path, kind) for path, _, kind in discovery.find_attention_modules(model)]
    assert found == [("0.cbam", "block"), ("2", "channel"), ("3", "spatial")]
    assert [s[:3] for s in discovery.settings_from_weights(model[0].cbam)] == [(8, 4, 7)] * 2


def test_signatures_map_settings_by_name_position_or_template():
    class Official(nn.Module):
        def __init__(self, gate_channels, reduction_ratio=16, pool_types=("avg", "max"), no_spatial=False):
            super().__init__()

    values = {"channels": 32, "ratio": 8, "kernel_size": 7}
    names = ("channels", "ratio", "kernel_size")
    builder = signature.from_signature(Official, names)
    assert builder.arguments(values) == ((), {"gate_channels": 32, "reduction_ratio": 8}) and "kernel_size" not in builder.takes
    builder = signature.from_template("{channels}, pool_types=['avg'], reduction_ratio={ratio}", names)
    assert builder.arguments(values) == ((32,), {"pool_types": ["avg"], "reduction_ratio": 8})
    assert builder.call_text("CBAM", values) == "CBAM(32, pool_types=['avg'], reduction_ratio=8)"


# --- usage -----------------------------------------------------------------------------------


def test_the_kind_is_guessed_from_the_name_or_given(files, capsys):
    assert main([f"{files / 'mine.py'}:MyBlock"]) == 0
    assert main([f"{files / 'mine.py'}:Helper"]) == 2  # no kind in its name, builds without arguments: a model
    err = capsys.readouterr().err
    assert "found no CBAM module in Helper()" in err and "add --kind channel, spatial, block, residual or bottleneck" in err
    assert main([f"{files / 'mine.py'}:Helper", "--kind", "block"]) == 1


@pytest.mark.parametrize("target, message", [
    ("nowhere.py:ChannelGate", "verify: no file"),
    ("mine.py:Missing", "has no nn.Module class, nn.Module instance or function 'Missing' (nn.Module classes there: AvgOnlyChannelAttention, "
                        "CBAMAfterAddBottleneck, FrozenChannelAttention, Helper, MyBlock, RoundedChannelAttention)"),
    ("broken.py:Anything", "could not be imported (line 4): NameError: name 'undefined_name' is not defined"),
    ("official.py", "expected FILE.py:ClassName or FILE.py:build_model"),
])
def test_unusable_targets_get_one_clear_line_and_exit_2(files, capsys, target, message):
    assert main([str(files / target) if target != "official.py" else target]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_runs_as_a_module(files):
    done = subprocess.run([sys.executable, "-m", "cbam_lessons.verify", target("official", "ChannelGate")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("✅"), done.stderr
    done = subprocess.run([sys.executable, "-m", "cbam_lessons.verify", f"{files / 'broken.py'}:X"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "cbam_lessons.verify", "--help"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and '--args "{channels}, reduction_ratio={ratio}' in done.stdout and "Exit status" in done.stdout


# --- the review's findings -------------------------------------------------------------------


@pytest.mark.parametrize("name, family, rounded", [
    ("ChannelAttn", "timm's ChannelAttn", True), ("SpatialAttn", "timm's SpatialAttn", False),
    ("CbamModule", "timm's CbamModule", True),
])
def test_timms_modules_pass_as_their_known_variant(capsys, name, family, rounded):
    status, lines, err = _run(capsys, target("timm", name))
    assert status == 0 and lines[0] == f"✅ Passed: your {name} matches the reference.", (lines, err)
    assert lines[1].startswith(f"Known variant: it has the structure of {family}"), lines
    assert len(lines) == 2 + rounded and (not rounded or "(3 for C = 40, r = 16; the paper's floor gives 2)" in lines[2])


def test_a_fractional_ratio_is_passed_as_one_over_r(capsys):
    from cbam_variants import timm

    builder = signature.from_signature(timm.ChannelAttn, ("channels", "ratio"))
    assert builder.arguments({"channels": 32, "ratio": 8}) == ((), {"channels": 32, "rd_ratio": 0.125})
    status, lines, _ = _run(capsys, target("timm", "ChannelAttn"), "--args", "{channels}, rd_ratio=1/{ratio}")
    assert status == 0 and lines[0].startswith("✅ Passed")
    status, lines, _ = _run(capsys, target("timm", "ChannelAttn"), "--args", "{channels}, rd_ratio={ratio}")
    assert status == 1 and "The hidden layer has 256 units" in lines[0]  # r itself, not 1/r: the user's mistake


def test_a_model_of_timm_blocks_names_them():
    from cbam_variants import timm

    passed, text = verify_model(nn.Sequential(nn.Conv2d(3, 40, 3), timm.CbamModule(40)))
    assert passed and "1 (CbamModule): ✅ Passed" in text and "timm's CbamModule" in text


def test_a_wrapper_around_a_block_is_searched_inside(files, capsys):
    status, lines, _ = _run(capsys, f"{files / 'review.py'}:wrapped")
    assert status == 0 and [line.split(" ")[:2] for line in lines[:2]] == [["1.att.0", "(CBAMBlock):"],
                                                                          ["2", "(SpatialGate):"]], lines


@pytest.mark.parametrize("name", ["frozen", "double", "model_instance"])
def test_frozen_double_and_instance_models_are_checked_as_built(files, capsys, name):
    status, lines, err = _run(capsys, f"{files / 'review.py'}:{name}")
    assert status == 0 and lines == ["1 (CBAMBlock): ✅ Passed: your CBAMBlock matches the reference.",
                                     "1 CBAM modules checked: 1 passed, 0 with a mistake."], (lines, err)


def test_an_instance_takes_no_kind_or_args(files, capsys):
    status, _, err = _run(capsys, f"{files / 'review.py'}:model_instance", "--kind", "block")
    assert status == 2 and "model_instance is an nn.Module instance" in err
    status, _, err = _run(capsys, f"{files / 'review.py'}:model_instance", "--args", "{channels}")
    assert status == 2 and "--args is for a class" in err


def test_only_the_spatial_gates_batch_norm_becomes_an_identity(files, capsys):
    status, lines, _ = _run(capsys, f"{files / 'review.py'}:BN1dCBAM")
    assert status == 1 and "raised" not in lines[0] and "4D input" not in lines[0], lines
    status, lines, _ = _run(capsys, f"{files / 'review.py'}:NormedSpatialAttention", "--lang", "zh")
    assert status == 0 and lines[1] == ("已知的变体：它像官方代码那样，在 sigmoid 之前用批量归一化处理空间门控的卷积输出；"
                                        "检查时把它设为恒等变换。"), lines


def test_x_times_m_is_read_as_m_only_when_m_is_broadcast(files, capsys):
    status, lines, _ = _run(capsys, f"{files / 'review.py'}:RowChannelAttention")
    assert status == 1 and lines[0].startswith("❌") and "x * M" not in "\n".join(lines), lines


def test_placeholders_inside_dicts_and_lists(files, capsys):
    status, lines, err = _run(capsys, f"{files / 'review.py'}:ConfigCBAM", "--kind", "block",
                              "--args", "{'c': {channels}, 'r': {ratio}}, [{kernel_size}]")
    assert status == 0 and lines == ["✅ Passed: your ConfigCBAM matches the reference."], (lines, err)
    builder = signature.from_template("({channels}, 1/{ratio}), k={'size': [{kernel_size}]}", ("channels", "ratio", "kernel_size"))
    assert builder.takes == {"channels", "ratio", "kernel_size"}
    assert builder.arguments({"channels": 32, "ratio": 8, "kernel_size": 7}) == (((32, 0.125),), {"k": {"size": [7]}})


def test_a_spatial_gate_may_take_the_channels(files, capsys):
    target_ = f"{files / 'review.py'}:GateWithChannels"
    assert _run(capsys, target_, "--kind", "spatial")[:2] == (0, ["✅ Passed: your GateWithChannels matches the reference."])
    status, lines, err = _run(capsys, target_, "--kind", "spatial", "--args", "{channels}, kernel_size={kernel_size}")
    assert status == 0 and lines[0].startswith("✅ Passed"), (lines, err)


def test_one_name_guess_for_verify_and_the_search():
    for name, kind in [("ChannelSpatialAttention", "block"), ("CBAMChannelAttention", "channel"),
                       ("CBAM_SpatialGate", "spatial"), ("SpatialFirstCBAM", "block"), ("CBAMBottleneck", "bottleneck"),
                       ("ResidualCBAM", "residual"), ("ChannelGate", "channel"), ("MyBlock", "block"), ("Helper", None)]:
        assert discovery.kind_from_name(name) == kind, name
    module = type("ChannelSpatialAttention", (nn.Module,), {})()
    assert discovery.kind_by_name(module) == "block"


@pytest.mark.parametrize("name, first", [
    ("CBAMChannelAttention", "✅ Passed: your CBAMChannelAttention matches the reference."),
    ("ChannelSpatialAttention", "✅ Passed: your ChannelSpatialAttention matches the reference."),
])
def test_the_kind_guess_reads_both_words(files, capsys, name, first):
    status, lines, _ = _run(capsys, f"{files / 'review.py'}:{name}")
    assert status == 0 and lines == [first], lines


def test_biases_and_max_mean_get_both_notes(files, capsys):
    status, lines, _ = _run(capsys, f"{files / 'review.py'}:MaxMeanBiasCBAM")
    assert status == 0 and "you stack [max; mean]" in lines[0] and "It also has biases (fc1.bias, fc2.bias, conv.bias)" in lines[0]
    status, lines, _ = _run(capsys, f"{files / 'review.py'}:MaxMeanBiasCBAM", "--lang", "zh")
    assert "另外，它带有偏置（fc1.bias, fc2.bias, conv.bias）" in lines[0]


def test_signatures_are_shown_without_annotations(files, capsys):
    status, _, err = _run(capsys, f"{files / 'review.py'}:Annotated", "--kind", "block")
    assert status == 2 and "cannot build Annotated(planes, mode, squeeze=16) for the checks" in err, err
    assert '--args "planes=…, mode=…"' in err


@pytest.mark.parametrize("target_, message", [
    ("hangs.py:Anything", "hangs.py could not be imported: importing it took more than 0.5 s"),
    ("review.py:hangs", "hangs() did not return within 0.5 s"),
])
def test_a_file_or_factory_that_hangs_exits_2(files, capsys, monkeypatch, target_, message):
    import cbam_lessons.verify as verify

    monkeypatch.setattr(verify, "LOAD_TIME_LIMIT_S", 0.5)
    status, lines, err = _run(capsys, files / target_)
    assert status == 2 and not lines and message in err and len(err.strip().splitlines()) == 1, err


def test_chinese_wording_of_the_review(files, capsys):
    status, lines, _ = _run(capsys, target("ultralytics", "ChannelAttention"), "--lang", "zh")
    assert "没有最大池化得到的描述符" in lines[0]
    status, _, err = _run(capsys, f"{files / 'constructors.py'}:WeirdCBAM", "--args", "{channels}, 'fast', bad=2",
                          "--lang", "zh")
    assert status == 2 and "verify 会改变的每项设置都要写成占位符" in err


def test_errors_are_described_once():
    import cbam_lessons.verify as verify
    from cbam_lessons.checks import _sandbox

    assert verify.describe is _sandbox.describe and not hasattr(verify, "_described")
    assert _sandbox.describe(ValueError("first\nsecond")) == "ValueError: first" and _sandbox.describe(KeyError()) == "KeyError"
