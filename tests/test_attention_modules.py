"""ChannelAttention, SpatialAttention and CBAMBlock: shapes, the paper's equations, bad input."""

import handmath
import pytest
import torch

from cbam_lessons import ARRANGEMENTS, CBAMBlock, CBAMModel, ChannelAttention, SpatialAttention


def test_channel_attention_shape_and_range():
    gate = ChannelAttention(32, ratio=8)
    mc = gate(torch.randn(4, 32, 9, 5))
    assert mc.shape == (4, 32, 1, 1)
    assert ((mc > 0) & (mc < 1)).all()
    assert gate.fc1.out_channels == 4 and gate.fc2.in_channels == 4  # hidden width C // r


def test_channel_attention_matches_hand_computation():
    gate = ChannelAttention(6, ratio=2).double()
    x = torch.randn(3, 6, 4, 5, dtype=torch.float64)
    w0 = gate.fc1.weight[:, :, 0, 0].detach().numpy()
    w1 = gate.fc2.weight[:, :, 0, 0].detach().numpy()
    expected = handmath.channel_attention(x.numpy(), w0, w1)
    torch.testing.assert_close(gate(x), torch.from_numpy(expected), rtol=0, atol=1e-12)


@pytest.mark.parametrize("kernel_size", [1, 3, 5, 7, 9])
def test_spatial_attention_matches_hand_computation_for_any_odd_kernel(kernel_size):
    gate = SpatialAttention(kernel_size).double()
    x = torch.randn(2, 5, 6, 7, dtype=torch.float64)
    assert gate.conv1.padding == (kernel_size // 2, kernel_size // 2)
    expected = handmath.spatial_attention(x.numpy(), gate.conv1.weight[0].detach().numpy())
    ms = gate(x)
    assert ms.shape == (2, 1, 6, 7)
    torch.testing.assert_close(ms, torch.from_numpy(expected), rtol=0, atol=1e-12)


def test_cbam_block_is_channel_then_spatial_multiplication():
    block = CBAMBlock(8, ratio=4, kernel_size=3).double()
    x = torch.randn(2, 8, 5, 5, dtype=torch.float64)
    w0 = block.ca.fc1.weight[:, :, 0, 0].detach().numpy()
    w1 = block.ca.fc2.weight[:, :, 0, 0].detach().numpy()
    kernel = block.sa.conv1.weight[0].detach().numpy()
    f1 = handmath.channel_attention(x.numpy(), w0, w1) * x.numpy()  # F' = Mc(F) ⊗ F
    f2 = handmath.spatial_attention(f1, kernel) * f1  # F'' = Ms(F') ⊗ F'
    torch.testing.assert_close(block(x), torch.from_numpy(f2), rtol=0, atol=1e-12)


def test_cbam_block_only_shrinks_its_input():
    # Gates lie in (0, 1) and multiply: |F''| < |F| wherever F != 0. A block that added its
    # result to the input (the seed article's claim) would grow it instead.
    x = torch.randn(2, 32, 6, 6)
    out = CBAMBlock(32)(x)
    assert out.shape == x.shape
    assert (out.abs() < x.abs()).all()
    assert (torch.sign(out) == torch.sign(x)).all()


def test_arrangements_follow_their_equations():
    torch.manual_seed(1)
    reference = CBAMBlock(16, ratio=4)
    x = torch.randn(2, 16, 6, 6)
    ca, sa = reference.ca, reference.sa
    expected = {
        "channel-spatial": (lambda f1: f1 * sa(f1))(x * ca(x)),
        "spatial-channel": (lambda f1: f1 * ca(f1))(x * sa(x)),
        "parallel": x * ca(x) * sa(x),
        "channel": x * ca(x),
        "spatial": x * sa(x),
    }
    assert set(expected) == set(ARRANGEMENTS)
    for arrangement, want in expected.items():
        block = CBAMBlock(16, ratio=4, arrangement=arrangement)
        block.load_state_dict(reference.state_dict(), strict=False)
        keys = {k.split(".")[0] for k in block.state_dict()}
        assert keys == {"channel": {"ca"}, "spatial": {"sa"}}.get(arrangement, {"ca", "sa"})
        torch.testing.assert_close(block(x), want)


@pytest.mark.parametrize("pools", [("avg",), ("max",), ("max", "avg")])
def test_channel_pools_ablation_sums_the_chosen_pools(pools):
    gate = ChannelAttention(8, ratio=2, pools=pools)
    x = torch.randn(3, 8, 5, 4)
    pooled = {"avg": x.mean(dim=(2, 3), keepdim=True), "max": x.amax(dim=(2, 3), keepdim=True)}
    torch.testing.assert_close(gate(x), torch.sigmoid(sum(gate.mlp(pooled[p]) for p in pools)))
    assert set(gate.state_dict()) == {"fc1.weight", "fc2.weight"}  # one shared MLP whatever the pools


def test_spatial_compress_conv_is_a_learned_1x1_reduction_then_the_kxk_conv():
    gate = SpatialAttention(3, compress="conv", in_channels=6)
    x = torch.randn(2, 6, 5, 7)
    assert gate.reduce.weight.shape == (1, 6, 1, 1) and gate.conv1.weight.shape == (1, 1, 3, 3)
    expected = torch.sigmoid(gate.conv1((x * gate.reduce.weight).sum(dim=1, keepdim=True)))
    torch.testing.assert_close(gate(x), expected)
    with pytest.raises(ValueError, match=r"expected shape \(N, 6, H, W\), received shape \(2, 4, 5, 7\)"):
        gate(torch.randn(2, 4, 5, 7))


def test_block_and_model_pass_the_ablation_options_on():
    block = CBAMBlock(16, ratio=4, kernel_size=3, channel_pools=("max",), spatial_compress="conv")
    assert block.ca.pools == ("max",) and block.sa.compress == "conv" and block.sa.in_channels == 16
    model = CBAMModel(6, widths=(8, 16, 32), ratio=4, channel_pools=("avg",), spatial_compress="conv")
    assert all(getattr(model, f"cbam{i}").ca.pools == ("avg",) for i in (1, 2, 3))
    assert model.cbam3.sa.reduce.in_channels == 32
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 6)


def test_pools_accept_any_input_size():
    block = CBAMBlock(16, ratio=4)
    for size in [(1, 1), (3, 17), (32, 32)]:
        assert block(torch.randn(1, 16, *size)).shape == (1, 16, *size)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: ChannelAttention(8, 16), r"in_planes // ratio must be at least 1.*in_planes=8, ratio=16"),
        (lambda: ChannelAttention(0), r"in_planes must be a positive int.*in_planes=0"),
        (lambda: ChannelAttention(-4, 2), r"in_planes=-4"),
        (lambda: ChannelAttention(16, 0), r"ratio must be a positive int.*ratio=0"),
        (lambda: ChannelAttention(16, -2), r"ratio=-2"),
        (lambda: ChannelAttention(16.0), r"in_planes must be a positive int, got 16.0 \(float\)"),
        (lambda: SpatialAttention(4), r"kernel_size must be odd.*kernel_size=4.*Use 3 or 5"),
        (lambda: SpatialAttention(0), r"kernel_size must be a positive int.*kernel_size=0"),
        (lambda: SpatialAttention(-7), r"kernel_size=-7"),
        (lambda: CBAMBlock(8), r"in_planes // ratio must be at least 1.*in_planes=8, ratio=16"),
        (lambda: CBAMBlock(0), r"in_channels must be a positive int"),
        (lambda: CBAMBlock(64, kernel_size=6), r"kernel_size must be odd"),
        (lambda: CBAMBlock(64, arrangement="add"), r"unknown arrangement 'add'.*'channel-spatial'"),
        (lambda: ChannelAttention(16, pools=()), r"pools must be a non-empty tuple.*got \(\)"),
        (lambda: ChannelAttention(16, pools=("avg", "mean")), r"distinct names from \('avg', 'max'\), got \('avg', 'mean'\)"),
        (lambda: ChannelAttention(16, pools=("max", "max")), r"distinct names.*got \('max', 'max'\)"),
        (lambda: ChannelAttention(16, pools="avg"), r"got the string 'avg'. Write \('avg',\)"),
        (lambda: SpatialAttention(compress="mean"), r"compress must be 'pool' or 'conv', got 'mean'"),
        (lambda: SpatialAttention(compress="conv"), r"compress='conv'.*needs in_channels. Pass in_channels=C"),
        (lambda: SpatialAttention(compress="conv", in_channels=0), r"in_channels must be a positive int"),
    ],
)
def test_bad_arguments_fail_in_the_constructor(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_seed_code_builds_with_hidden_width_zero_and_fails_only_at_forward():
    # The defect our constructor check removes: the seed's error comes late and obscure.
    import seed_cbam

    with pytest.warns(UserWarning, match="zero-element"):  # its only hint at build time
        gate = seed_cbam.ChannelAttention(8, 16)
    with pytest.raises(RuntimeError):
        gate(torch.randn(1, 8, 4, 4))


@pytest.mark.parametrize(
    "module, x, message",
    [
        (ChannelAttention(32), torch.randn(32, 4, 4), r"expected a 4-D tensor of shape \(N, 32, H, W\), received shape \(32, 4, 4\)"),
        (ChannelAttention(32), torch.randn(2, 16, 4, 4), r"expected shape \(N, 32, H, W\), received shape \(2, 16, 4, 4\)"),
        (SpatialAttention(), torch.randn(2, 3, 4, 4, 4), r"expected a 4-D tensor of shape \(N, C, H, W\), received shape \(2, 3, 4, 4, 4\)"),
        (CBAMBlock(64), torch.randn(2, 32, 8, 8), r"CBAMBlock: expected shape \(N, 64, H, W\), received shape \(2, 32, 8, 8\)"),
        (CBAMBlock(64), torch.randn(64, 8, 8), r"received shape \(64, 8, 8\).*unsqueeze"),
    ],
)
def test_bad_input_shapes_name_expected_and_received(module, x, message):
    with pytest.raises(ValueError, match=message):
        module(x)
