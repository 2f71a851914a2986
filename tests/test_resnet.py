"""CBAM inside torchvision's ResNets."""

import copy
import io

import pytest
import torch
from torchvision.models import resnet18, resnet50

from cbam_lessons import CBAMBlock
from cbam_lessons.nets.resnet import CBAMBasicBlock, CBAMBottleneck, add_cbam


@pytest.mark.parametrize("build, block_type, blocks", [(resnet18, CBAMBasicBlock, 8), (resnet50, CBAMBottleneck, 16)])
def test_every_block_gets_cbam_and_old_keys_stay(build, block_type, blocks):
    plain = build(num_classes=5)
    keys = set(plain.state_dict())
    model = add_cbam(copy.deepcopy(plain))
    converted = [m for m in model.modules() if isinstance(m, block_type)]
    assert len(converted) == blocks
    new_keys = set(model.state_dict()) - keys
    assert keys <= set(model.state_dict()) and all(".cbam." in k for k in new_keys)
    missing, unexpected = model.load_state_dict(plain.state_dict(), strict=False)  # as with ImageNet weights
    assert set(missing) == new_keys and not unexpected
    assert model(torch.randn(2, 3, 64, 64)).shape == (2, 5)


@pytest.mark.parametrize("build", [resnet18, resnet50])
def test_with_identity_attention_the_network_is_unchanged(build):
    plain = build(num_classes=5).eval()
    model = add_cbam(copy.deepcopy(plain)).eval()
    for m in model.modules():
        if isinstance(m, (CBAMBasicBlock, CBAMBottleneck)):
            m.cbam = torch.nn.Identity()
    x = torch.randn(2, 3, 64, 64)
    torch.testing.assert_close(model(x), plain(x))


def test_cbam_refines_the_branch_before_the_addition():
    model = add_cbam(resnet18()).eval()
    block = model.layer2[0]  # has a downsampling shortcut
    seen = {}
    block.bn2.register_forward_hook(lambda m, i, o: seen.__setitem__("bn2", o))
    block.cbam.register_forward_hook(lambda m, i, o: seen.update(cbam_in=i[0], cbam_out=o))
    x = torch.randn(1, 64, 16, 16)
    y = block(x)
    assert torch.equal(seen["cbam_in"], seen["bn2"])
    torch.testing.assert_close(y, torch.relu(seen["cbam_out"] + block.downsample(x)))


def test_parameter_overhead_matches_the_formula():
    plain, model = resnet50(), add_cbam(resnet50())
    extra = sum(p.numel() for p in model.parameters()) - sum(p.numel() for p in plain.parameters())
    widths = [256] * 3 + [512] * 4 + [1024] * 6 + [2048] * 3
    assert extra == sum(2 * c * (c // 16) + 2 * 7 * 7 for c in widths)


def test_converted_model_survives_pickling():
    model = add_cbam(resnet18(num_classes=3), ratio=8, kernel_size=3).eval()
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    clone = torch.load(buffer, weights_only=False).eval()
    x = torch.randn(1, 3, 32, 32)
    torch.testing.assert_close(clone(x), model(x))
    assert isinstance(clone.layer1[0].cbam, CBAMBlock) and clone.layer1[0].cbam.sa.conv1.kernel_size == (3, 3)


def test_bad_models_are_rejected():
    with pytest.raises(ValueError, match="expected a torchvision ResNet"):
        add_cbam(torch.nn.Linear(2, 2))
    model = add_cbam(resnet18())
    with pytest.raises(ValueError, match="already has CBAM"):
        add_cbam(model)
    untouched = resnet18()
    with pytest.raises(ValueError, match="in_planes // ratio must be at least 1"):
        add_cbam(untouched, ratio=128)
    assert not any(isinstance(m, CBAMBasicBlock) for m in untouched.modules())


# --- CifarResNet and the placements of chapter 10 -------------------------------------------------

from cbam_lessons import CifarResNet  # noqa: E402
from cbam_lessons.nets.resnet import ATTENTIONS, PLACEMENTS  # noqa: E402


def test_cifar_resnet_keeps_32x32_resolution_in_its_first_stage():
    model = CifarResNet(6, widths=(8, 16, 32, 64), depths=(1, 1, 1, 1)).eval()
    sizes = []
    for stage in model.stages:
        stage.register_forward_hook(lambda m, i, o: sizes.append(tuple(o.shape[1:])))
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 6)
    assert sizes == [(8, 32, 32), (16, 16, 16), (32, 8, 8), (64, 4, 4)]
    assert isinstance(model.conv1, torch.nn.Conv2d) and model.conv1.kernel_size == (3, 3) and model.conv1.stride == (1, 1)
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in model.modules())
    strided = CifarResNet(6, widths=(16, 32, 64), depths=(1, 1, 1), stem_stride=2)
    strided.layer1.register_forward_hook(lambda m, i, o: sizes.append(tuple(o.shape[1:])))
    strided(torch.randn(1, 3, 32, 32))
    assert sizes[-1] == (16, 16, 16)


def test_default_cifar_resnet_is_the_usual_cifar_resnet18():
    model = CifarResNet(10)
    assert sum(isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3) for m in model.modules()) == 17
    assert sum(p.numel() for p in model.parameters()) == 11_173_962  # kuangliu/pytorch-cifar's ResNet18 count


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_each_placement_puts_the_attention_where_it_says(placement):
    model = add_cbam(CifarResNet(6, widths=(8, 16), depths=(1, 1)), ratio=4, placement=placement).eval()
    block = model.layer2[0]  # downsampling shortcut
    seen = {}
    block.bn2.register_forward_hook(lambda m, i, o: seen.update(bn2=o))
    block.downsample.register_forward_hook(lambda m, i, o: seen.update(shortcut=o))
    block.cbam.register_forward_hook(lambda m, i, o: seen.update(cbam_in=i[0], cbam_out=o))
    x = torch.randn(2, 8, 16, 16)
    y = block(x)
    if placement == "branch":
        assert torch.equal(seen["cbam_in"], seen["bn2"])
        torch.testing.assert_close(y, torch.relu(seen["cbam_out"] + seen["shortcut"]))
    elif placement == "shortcut":
        assert torch.equal(seen["cbam_in"], seen["shortcut"])
        torch.testing.assert_close(y, torch.relu(seen["bn2"] + seen["cbam_out"]))
    else:
        torch.testing.assert_close(seen["cbam_in"], torch.relu(seen["bn2"] + seen["shortcut"]))
        assert torch.equal(y, seen["cbam_out"])


def test_stages_select_which_blocks_get_attention_and_se_is_the_channel_gate():
    model = add_cbam(CifarResNet(6, widths=(8, 16, 32), depths=(2, 1, 1)), ratio=4, stages=(1,))
    converted = [name for name, m in model.named_modules() if isinstance(m, CBAMBasicBlock)]
    assert converted == ["layer1.0", "layer1.1"]
    assert ATTENTIONS == ("cbam", "se")
    se = add_cbam(CifarResNet(6, widths=(8, 16), depths=(1, 1)), ratio=4, attention="se")
    assert se.layer1[0].cbam.arrangement == "channel" and se.layer1[0].cbam.ca.pools == ("avg",)
    assert not hasattr(se.layer1[0].cbam, "sa")
    keys = set(CifarResNet(6, widths=(8, 16), depths=(1, 1)).state_dict())
    missing, unexpected = se.load_state_dict(CifarResNet(6, widths=(8, 16), depths=(1, 1)).state_dict(), strict=False)
    assert keys <= set(se.state_dict()) and all(".cbam." in k for k in missing) and not unexpected


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(placement="before-add"), r"unknown placement 'before-add'. Use one of 'branch', 'after-add', 'shortcut'"),
        (dict(attention="bam"), r"unknown attention 'bam'"),
        (dict(stages=(4,)), r"stages must be a non-empty tuple of stage numbers from \(1, 2, 3\), got \(4,\)"),
        (dict(stages=2), r"stages must be a non-empty tuple.*got 2"),
        (dict(stages=()), r"stages must be a non-empty tuple"),
    ],
)
def test_bad_placement_arguments_are_named_and_leave_the_model_untouched(kwargs, message):
    model = CifarResNet(6, widths=(8, 16, 32), depths=(1, 1, 1))
    with pytest.raises(ValueError, match=message):
        add_cbam(model, ratio=4, **kwargs)
    assert not any(isinstance(m, CBAMBasicBlock) for m in model.modules())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(widths=(16, 32), depths=(1,)), r"CifarResNet: widths and depths need one entry per stage"),
        (dict(widths=(16, 0), depths=(1, 1)), r"each of widths and depths must be a positive int"),
        (dict(stem_stride=4), r"stem_stride must be 1 \(the CIFAR ResNet\) or 2, got 4"),
    ],
)
def test_bad_cifar_resnet_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CifarResNet(6, **kwargs)
