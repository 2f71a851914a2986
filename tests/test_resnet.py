"""CBAM inside torchvision's ResNets."""

import copy
import io

import pytest
import torch
from torchvision.models import resnet18, resnet50

from cbam_lessons import CBAMBlock
from cbam_lessons.resnet import CBAMBasicBlock, CBAMBottleneck, add_cbam


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
