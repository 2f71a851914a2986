"""Attention maps, Grad-CAM and the two localization scores, on cases small enough to check by hand."""

import pytest
import torch

import cbam_lessons as cl
from cbam_lessons.localization import attention_maps, grad_cam, pointing_game, share_inside


def test_attention_maps_reads_every_gate_and_removes_its_hooks():
    model = cl.CBAMModel(6, widths=(8, 16, 32), ratio=4)
    maps = attention_maps(model, torch.rand(2, 3, 32, 32))
    assert {k: tuple(v.shape) for k, v in maps.items()} == {
        ("cbam1", "ca"): (2, 8, 1, 1), ("cbam1", "sa"): (2, 1, 16, 16),
        ("cbam2", "ca"): (2, 16, 1, 1), ("cbam2", "sa"): (2, 1, 8, 8),
        ("cbam3", "ca"): (2, 32, 1, 1), ("cbam3", "sa"): (2, 1, 4, 4),
    }
    assert not any(m._forward_hooks for m in model.modules())
    channel_only = cl.CBAMModel(6, widths=(8, 16, 32), ratio=4, arrangement="channel")
    assert set(attention_maps(channel_only, torch.rand(1, 3, 32, 32))) == {("cbam1", "ca"), ("cbam2", "ca"), ("cbam3", "ca")}


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
