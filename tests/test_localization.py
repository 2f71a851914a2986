"""Attention maps, Grad-CAM and the two localization scores, on cases small enough to check by hand."""

import pytest
import torch
from torch import nn

import cbam_lessons as cl
from cbam_variants import official, timm, ultralytics
from cbam_lessons.localization import GateMaps, attention_maps, grad_cam, pointing_game, share_inside, spatial_gates


def test_attention_maps_reads_every_spatial_gate_by_path_and_removes_its_hooks():
    model = cl.CBAMModel(6, widths=(8, 16, 32), ratio=4)
    maps = attention_maps(model, torch.rand(2, 3, 32, 32))
    assert {k: tuple(v.shape) for k, v in maps.items()} == {
        "cbam1.sa": (2, 1, 16, 16), "cbam2.sa": (2, 1, 8, 8), "cbam3.sa": (2, 1, 4, 4)}
    assert maps["cbam2", "sa"] is maps["cbam2.sa"] and ("cbam3", "sa") in maps
    assert not any(m._forward_hooks for m in model.modules())
    channel_only = cl.CBAMModel(6, widths=(8, 16, 32), ratio=4, arrangement="channel")
    assert attention_maps(channel_only, torch.rand(1, 3, 32, 32)) == {}


# Spatial gates as other code bases write them (tests/cbam_variants), returning x * M.
class Detector(nn.Module):
    """A detector-style backbone: strided conv stages, a spatial gate after each of three, a 1x1 head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.SiLU())
        self.stage1 = nn.Sequential(nn.Conv2d(8, 16, 3, 2, 1), nn.SiLU(), ultralytics.SpatialAttention(7))
        self.stage2 = nn.Sequential(nn.Conv2d(16, 32, 3, 2, 1), nn.SiLU(), official.SpatialGate())
        self.stage3 = nn.Sequential(nn.Conv2d(32, 32, 3, 1, 1), nn.SiLU(), timm.CbamModule(32))
        self.head = nn.Conv2d(32, 5, 1)

    def forward(self, x):
        return self.head(self.stage3(self.stage2(self.stage1(self.stem(x)))))


def test_attention_maps_finds_the_gates_of_other_code_bases_and_reads_m_not_x_times_m():
    torch.manual_seed(0)
    model, images = Detector(), torch.rand(2, 3, 32, 32)
    model.stage2[2].spatial.bn.running_mean.fill_(0.3)  # the BatchNorm must be inside the map
    maps = attention_maps(model, images)
    assert sorted(maps) == ["stage1.2", "stage2.2", "stage3.2.spatial"] and isinstance(maps, GateMaps)
    assert spatial_gates(model, images) == {"stage1.2": model.stage1[2], "stage2.2": model.stage2[2],
                                            "stage3.2.spatial": model.stage3[2].spatial}
    model.eval()
    with torch.no_grad():
        f1 = model.stage1[1](model.stage1[0](model.stem(images)))
        gate = model.stage1[2]
        pooled = torch.cat([f1.mean(1, keepdim=True), f1.amax(1, keepdim=True)], 1)
        torch.testing.assert_close(maps["stage1.2"], torch.sigmoid(gate.cv1(pooled)))
        f2 = model.stage2[1](model.stage2[0](model.stage1(model.stem(images))))
        pooled = torch.cat([f2.amax(1, keepdim=True), f2.mean(1, keepdim=True)], 1)
        torch.testing.assert_close(maps["stage2.2"], torch.sigmoid(model.stage2[2].spatial(pooled)))
    assert maps["stage1.2"].shape == (2, 1, 8, 8) and maps["stage2.2"].shape == (2, 1, 4, 4)
    with torch.no_grad():
        f3 = model.stage3[2].channel(model.stage3[1](model.stage3[0](model.stage2(model.stage1(model.stem(images))))))
        gate = model.stage3[2].spatial
        pooled = torch.cat([f3.mean(1, keepdim=True), f3.amax(1, keepdim=True)], 1)
        torch.testing.assert_close(maps["stage3.2.spatial"], gate.gate(gate.conv(pooled)))


def test_attention_maps_of_a_torchvision_resnet_with_add_cbam_and_of_chosen_gates():
    import torchvision

    from cbam_lessons.nets.resnet import add_cbam

    model = add_cbam(torchvision.models.resnet18(num_classes=4))
    maps = attention_maps(model, torch.rand(1, 3, 64, 64))
    assert len(maps) == 8 and "layer1.0.cbam.sa" in maps and maps["layer4.1.cbam.sa"].shape == (1, 1, 2, 2)
    chosen = {"early": model.layer1[0].cbam.sa}
    assert list(attention_maps(model, torch.rand(1, 3, 64, 64), gates=chosen)) == ["early"]


class SequentialGate(nn.Module):  # the map made by an nn.Sequential(conv, sigmoid), x * M returned with M
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(2, 1, 7, padding=3), nn.Sigmoid())

    def forward(self, x):
        m = self.body(torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1))
        return x * m, m


class NotAGate(nn.Module):
    """A Conv2d(2, 1) that does not read pooled maps (a 2-channel input's stem), then a tuple-returning gate."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(2, 1, 3, padding=1), nn.Conv2d(1, 8, 3, padding=1))
        self.attend = SequentialGate()
        self.head = nn.Conv2d(2, 1, 1)  # a direct child: never the model itself taken as a gate

    def forward(self, x):
        refined, _ = self.attend(self.stem(x))
        return self.head(refined[:, :2])


def test_attention_maps_reads_m_whatever_the_gate_does_inside_and_skips_what_is_no_gate():
    torch.manual_seed(0)
    model, images = NotAGate(), torch.rand(2, 2, 16, 16)
    assert spatial_gates(model, images) == {"attend": model.attend}  # not the stem's or the head's Conv2d(2, 1)
    maps = attention_maps(model, images)
    assert list(maps) == ["attend"] and maps.get(("attend",)) is maps["attend"]
    with torch.no_grad():
        f = model.stem(images)
        expected = model.attend.body(torch.cat([f.mean(1, keepdim=True), f.amax(1, keepdim=True)], 1))
    torch.testing.assert_close(maps["attend"], expected)  # once through the sigmoid, not twice
    with pytest.raises(ValueError, match=r"no map could be read from \['head'\]"):
        attention_maps(model, images, gates={"head": model.head})


def test_show_attention_draws_the_maps_of_any_model_over_the_images():
    import matplotlib

    matplotlib.use("Agg")
    from cbam_lessons.viz import show_attention

    images = torch.rand(3, 3, 32, 32)
    maps = attention_maps(Detector(), images)
    fig = show_attention(images, list(maps.values()), row_labels=("image", *maps))
    assert len(fig.axes) == 4 * 3 and [ax.get_ylabel() for ax in fig.axes[::3]] == ["image", *sorted(maps)]


def test_grad_cam_is_relu_of_gradient_weighted_activations():
    torch.manual_seed(0)
    model = cl.PlainModel(4, widths=(4, 8, 8))
    images, targets = torch.rand(3, 3, 32, 32), torch.tensor([0, 3, 1])
    cam = grad_cam(model, model.cbam2, images, targets)

    activations = []
    hook = model.cbam2.register_forward_hook(lambda m, i, o: activations.append(o))
    logits = model.eval()(images)
    hook.remove()
    a = activations[0]
    (grads,) = torch.autograd.grad(logits[torch.arange(3), targets].sum(), a)
    expected = torch.relu((grads.mean(dim=(2, 3), keepdim=True) * a).sum(dim=1, keepdim=True))
    assert cam.shape == (3, 1, 8, 8) and not cam.requires_grad
    torch.testing.assert_close(cam, expected)
    # Without targets it explains the predicted class.
    torch.testing.assert_close(grad_cam(model, model.cbam2, images), grad_cam(model, model.cbam2, images, logits.argmax(1)))


def test_pointing_game_hits_on_the_object_or_within_tolerance():
    masks = torch.zeros(4, 8, 8, dtype=torch.bool)
    masks[:, 2:4, 2:4] = True
    maps = torch.zeros(4, 1, 8, 8)
    maps[0, 0, 3, 3] = 1  # on the object
    maps[1, 0, 4, 4] = 1  # one pixel off (diagonally)
    maps[2, 0, 7, 7] = 1  # far away
    # maps[3] is flat: it points nowhere
    assert pointing_game(maps, masks).tolist() == [True, True, False, False]
    assert pointing_game(maps, masks, tolerance=0).tolist() == [True, False, False, False]


def test_pointing_game_upsamples_coarse_maps():
    masks = torch.zeros(2, 8, 8, dtype=torch.bool)
    masks[0, :4, :4] = True  # top-left quarter
    masks[1, 4:, 4:] = True  # bottom-right quarter
    coarse = torch.tensor([[1.0, 0.0], [0.0, 0.0]]).expand(2, 1, 2, 2)  # peak in the top-left cell
    assert pointing_game(coarse, masks, tolerance=0).tolist() == [True, False]


def test_share_inside_is_the_map_weight_on_the_object():
    masks = torch.zeros(3, 4, 4, dtype=torch.bool)
    masks[:, :2, :] = True  # half the image
    maps = torch.stack([torch.full((1, 4, 4), 0.5), masks[1:2].float(), torch.zeros(1, 4, 4)])
    torch.testing.assert_close(share_inside(maps, masks), torch.tensor([0.5, 1.0, 0.0]))


@pytest.mark.parametrize(
    "maps, masks, message",
    [
        (torch.rand(2, 3, 4, 4), torch.zeros(2, 4, 4, dtype=torch.bool), r"expected maps \(N, 1, h, w\).*received \(2, 3, 4, 4\)"),
        (torch.rand(2, 1, 4, 4), torch.zeros(3, 4, 4, dtype=torch.bool), r"same N, received \(2, 1, 4, 4\) and \(3, 4, 4\)"),
        (torch.rand(2, 1, 4, 4), torch.zeros(2, 1, 4, 4, dtype=torch.bool), r"masks without a channel axis"),
        (-torch.rand(2, 1, 4, 4), torch.zeros(2, 4, 4, dtype=torch.bool), r"non-negative"),
    ],
)
def test_bad_maps_or_masks_are_named(maps, masks, message):
    score = share_inside if "non-negative" in message else pointing_game
    with pytest.raises(ValueError, match=message):
        score(maps, masks)
