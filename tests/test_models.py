"""CBAMModel and PlainModel: shapes, the seed's state_dicts, gradients, bad arguments."""

import io

import pytest
import seed_cbam
import torch

from cbam_lessons import CBAMBlock, CBAMModel, PlainModel


def _roundtrip(state_dict):
    """Save and reload through bytes, as a reader's checkpoint file would be."""
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    buffer.seek(0)
    return torch.load(buffer)


def test_model_output_shape():
    assert CBAMModel()(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert CBAMModel(num_classes=6, widths=(16, 32, 64), ratio=4)(torch.randn(3, 3, 48, 40)).shape == (3, 6)
    assert PlainModel(num_classes=4)(torch.randn(2, 3, 32, 32)).shape == (2, 4)


def test_seed_state_dict_loads_strictly_and_gives_identical_outputs():
    seed_model = seed_cbam.CBAMModel(num_classes=10)
    seed_model.train()(torch.randn(8, 3, 32, 32))  # move BatchNorm running stats off their init
    ours = CBAMModel(num_classes=10)
    assert list(ours.state_dict()) == list(seed_model.state_dict())
    ours.load_state_dict(_roundtrip(seed_model.state_dict()), strict=True)
    x = torch.randn(4, 3, 32, 32)
    for mode in ("eval", "train"):
        getattr(seed_model, mode)(), getattr(ours, mode)()
        torch.testing.assert_close(ours(x), seed_model(x), rtol=0, atol=1e-6)


@pytest.mark.parametrize("channels, ratio, kernel_size", [(64, 16, 7), (32, 8, 3), (16, 16, 7)])
def test_seed_block_state_dict_compatible(channels, ratio, kernel_size):
    seed_block = seed_cbam.CBAMBlock(channels, ratio, kernel_size)
    ours = CBAMBlock(channels, ratio, kernel_size)
    ours.load_state_dict(_roundtrip(seed_block.state_dict()), strict=True)
    x = torch.randn(2, channels, 11, 9)
    torch.testing.assert_close(ours(x), seed_block(x), rtol=0, atol=1e-6)
    torch.testing.assert_close(ours.ca(x), seed_block.ca(x), rtol=0, atol=1e-6)
    torch.testing.assert_close(ours.sa(x), seed_block.sa(x), rtol=0, atol=1e-6)


def test_plain_model_is_the_same_backbone_without_attention():
    cbam, plain = CBAMModel(), PlainModel()
    plain_keys = set(plain.state_dict())
    assert plain_keys == {k for k in cbam.state_dict() if not k.startswith("cbam")}
    assert all(isinstance(getattr(plain, f"cbam{i}"), torch.nn.Identity) for i in (1, 2, 3))
    plain.load_state_dict({k: v for k, v in cbam.state_dict().items() if k in plain_keys})
    cbam.eval(), plain.eval()
    x = torch.randn(2, 3, 32, 32)
    assert not torch.allclose(cbam(x), plain(x))  # attention changes the function...
    for i in (1, 2, 3):  # ...and with identity attention, the two models agree
        setattr(cbam, f"cbam{i}", torch.nn.Identity())
    torch.testing.assert_close(cbam(x), plain(x))


@pytest.mark.parametrize("arrangement", ["channel-spatial", "spatial-channel", "parallel", "channel", "spatial"])
def test_gradient_reaches_every_parameter(arrangement):
    model = CBAMModel(widths=(16, 32, 64), ratio=4, arrangement=arrangement)
    loss = torch.nn.functional.cross_entropy(model(torch.randn(4, 3, 32, 32)), torch.tensor([0, 1, 2, 3]))
    loss.backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, f"{name} got no gradient"
        assert param.grad.abs().sum() > 0, f"{name} got an all-zero gradient"


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: CBAMModel(num_classes=0), r"CBAMModel: num_classes must be a positive int.*num_classes=0"),
        (lambda: CBAMModel(widths=(64, 128)), r"widths must give 3 stage widths, got \(64, 128\)"),
        (lambda: CBAMModel(widths=(8, 16, 32)), r"in_planes // ratio must be at least 1.*in_planes=8, ratio=16"),
        (lambda: CBAMModel(kernel_size=4), r"kernel_size must be odd"),
        (lambda: PlainModel(widths=(0, 16, 32)), r"PlainModel: each of widths must be a positive int"),
        (lambda: PlainModel(in_channels=-1), r"PlainModel: in_channels must be a positive int"),
    ],
)
def test_model_bad_arguments(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_plain_model_accepts_narrow_widths_that_attention_could_not():
    assert PlainModel(widths=(4, 8, 8))(torch.randn(1, 3, 16, 16)).shape == (1, 10)


def test_model_rejects_wrong_input_channels():
    with pytest.raises(ValueError, match=r"CBAMModel: expected shape \(N, 3, H, W\), received shape \(2, 1, 32, 32\)"):
        CBAMModel()(torch.randn(2, 1, 32, 32))
