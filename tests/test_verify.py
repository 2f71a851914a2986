"""`python -m cbam_lessons.verify FILE.py:Class`: the exercise checks for anyone's implementation."""

import subprocess
import sys

import pytest

from cbam_lessons.verify import main

OFFICIAL_STYLE = '''
import torch
from torch import nn


class ChannelGate(nn.Module):  # the official code's conventions: Linear with bias, returns x * scale
    def __init__(self, gate_channels, reduction_ratio=16):
        super().__init__()
        hidden = gate_channels // reduction_ratio
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(gate_channels, hidden), nn.ReLU(), nn.Linear(hidden, gate_channels))

    def forward(self, x):
        return x * torch.sigmoid(self.mlp(x.mean((2, 3))) + self.mlp(x.amax((2, 3))))[:, :, None, None]


class SpatialGate(nn.Module):  # no arguments, [max; mean], BatchNorm, returns x * scale
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, 7, padding=3, bias=False)
        self.bn = nn.BatchNorm2d(1)

    def forward(self, x):
        pooled = torch.cat([x.amax(1, keepdim=True), x.mean(1, keepdim=True)], 1)
        return x * torch.sigmoid(self.bn(self.conv(pooled)))
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


@pytest.fixture
def files(tmp_path):
    (tmp_path / "official.py").write_text(OFFICIAL_STYLE)
    (tmp_path / "mine.py").write_text(MINE)
    (tmp_path / "broken.py").write_text("import torch\n\nx = 1\ny = undefined_name + x\n")
    return tmp_path


@pytest.mark.parametrize("name, verdict, notes", [
    ("ChannelGate", "has biases (mlp.1.bias, mlp.3.bias)", ["refined map x * M"]),
    ("SpatialGate", "you stack [max; mean]", ["takes no arguments", "BatchNorm", "refined map x * M"]),
])
def test_the_official_conventions_pass_as_known_variants(files, capsys, name, verdict, notes):
    assert main([f"{files / 'official.py'}:{name}"]) == 0
    first, *rest = capsys.readouterr().out.splitlines()
    assert first.startswith("✅") and verdict in first  # the checker's own note: the biases it set to zero
    assert len(rest) == len(notes) and all(note in line for note, line in zip(notes, rest)), rest


def test_timms_rounding_passes_and_is_named(files, capsys):
    assert main([f"{files / 'mine.py'}:RoundedChannelAttention", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("✅ 通过") and "已知的变体" in out and "C = 40、r = 16 时为 3" in out


@pytest.mark.parametrize("name, code_text", [
    ("AvgOnlyChannelAttention", "only average pooling"),
    ("FrozenChannelAttention", "torch.no_grad()"),
    ("CBAMAfterAddBottleneck", "after the residual addition"),
])
def test_mistakes_exit_1_with_the_named_verdict(files, capsys, name, code_text):
    assert main([f"{files / 'mine.py'}:{name}"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("❌") and code_text.lower() in out.lower()


def test_the_kind_is_guessed_from_the_name_or_given(files, capsys):
    assert main([f"{files / 'mine.py'}:MyBlock"]) == 0
    assert main([f"{files / 'mine.py'}:Helper"]) == 2
    assert "add --kind channel, spatial, block, residual or bottleneck" in capsys.readouterr().err
    assert main([f"{files / 'mine.py'}:Helper", "--kind", "block"]) == 1


@pytest.mark.parametrize("target, message", [
    ("nowhere.py:ChannelGate", "verify: no file"),
    ("official.py:Missing", "has no nn.Module class 'Missing' (classes there: ChannelGate, SpatialGate)"),
    ("broken.py:Anything", "could not be imported (line 4): NameError: name 'undefined_name' is not defined"),
    ("official.py", "expected FILE.py:ClassName"),
])
def test_unusable_targets_get_one_clear_line_and_exit_2(files, capsys, target, message):
    assert main([str(files / target) if target != "official.py" else target]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_runs_as_a_module(files):
    done = subprocess.run([sys.executable, "-m", "cbam_lessons.verify", f"{files / 'official.py'}:ChannelGate"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("✅"), done.stderr
    done = subprocess.run([sys.executable, "-m", "cbam_lessons.verify", f"{files / 'broken.py'}:X"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
