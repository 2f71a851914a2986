"""Training helpers and the device choice: repeatability, accuracy, progress bars, overrides."""

import pytest
import torch
from torch import nn

from cbam_lessons import CBAMModel, default_device
from cbam_lessons.data import ShapesDataset
from cbam_lessons.device import ENV_VAR
from cbam_lessons.experiment.train import evaluate, fit, make_loader, progress_enabled, seed_everything


def _train_once(seed, data):
    seed_everything(seed)
    model = CBAMModel(num_classes=6, widths=(8, 16, 32), ratio=4)
    history = fit(model, make_loader(data, 64, shuffle=True, seed=seed), epochs=2, device="cpu", progress=False)
    return model, history


def test_same_seed_gives_bit_identical_training_on_cpu():
    data = ShapesDataset(256, seed=0)
    (a, ha), (b, hb), (c, _) = _train_once(3, data), _train_once(3, data), _train_once(4, data)
    assert ha == hb
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(pa, pb), name
    assert not torch.equal(a.fc.weight, c.fc.weight)


def test_fit_reduces_the_loss_and_reports_test_accuracy():
    seed_everything(0)
    easy = dict(strokes=2, radius=(0.15, 0.25))  # this tests fit, not the task's difficulty
    train, test = ShapesDataset(1024, seed=0, **easy), ShapesDataset(256, seed=1, **easy)
    model = CBAMModel(num_classes=6, widths=(16, 32, 64), ratio=4)
    history = fit(model, make_loader(train, 64, shuffle=True), epochs=4, test_loader=make_loader(test), progress=False)
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    assert history[-1]["loss"] < 0.8 * history[0]["loss"]
    assert all(0 <= h["test_accuracy"] <= 1 for h in history)


class _AlwaysClassZero(nn.Module):
    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.zeros(x.shape[0], 6).index_fill_(1, torch.tensor([0]), 1.0)


def test_evaluate_counts_correct_predictions():
    data = ShapesDataset(200, seed=5)
    expected = (data.labels == 0).float().mean().item()
    assert evaluate(_AlwaysClassZero(), make_loader(data, 32)) == pytest.approx(expected)


def test_loader_order_depends_only_on_seed():
    data = ShapesDataset(50, seed=0)
    order = lambda seed: torch.cat([b[1] for b in make_loader(data, 10, shuffle=True, seed=seed)])  # noqa: E731
    assert torch.equal(order(1), order(1)) and not torch.equal(order(1), order(2))


def test_progress_bar_off_under_ci_and_by_flag(monkeypatch, capsys):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("CBAM_PROGRESS", raising=False)
    assert progress_enabled() is True
    monkeypatch.setenv("CI", "true")
    assert progress_enabled() is False
    assert progress_enabled(True) is True
    monkeypatch.delenv("CI")
    monkeypatch.setenv("CBAM_PROGRESS", "0")
    assert progress_enabled() is False

    model = CBAMModel(num_classes=6, widths=(8, 16, 32), ratio=4)
    loader = make_loader(ShapesDataset(64, seed=0), 32)
    fit(model, loader, epochs=1, device="cpu", progress=True)
    assert "epoch 1/1" in capsys.readouterr().err
    fit(model, loader, epochs=1, device="cpu", progress=False)
    assert capsys.readouterr().err == ""


def test_default_device_prefers_cuda_and_honours_override(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert default_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setenv(ENV_VAR, "cpu")
    assert default_device() == torch.device("cpu")
    monkeypatch.setenv(ENV_VAR, "not-a-device")
    with pytest.raises(ValueError, match=r"CBAM_DEVICE='not-a-device' is not a device name"):
        default_device()
    if not torch.cuda.is_available():
        monkeypatch.setenv(ENV_VAR, "cuda")
        with pytest.raises(ValueError, match="CUDA is not available"):
            default_device()


def test_fit_uses_the_default_device(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "cpu")
    model = CBAMModel(num_classes=6, widths=(8, 16, 32), ratio=4)
    fit(model, make_loader(ShapesDataset(32, seed=0), 32), epochs=1, progress=False)
    assert next(model.parameters()).device == torch.device("cpu")


def test_fit_rejects_zero_epochs():
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        fit(CBAMModel(), make_loader(ShapesDataset(8, seed=0)), epochs=0)


def test_fit_scores_a_validation_loader_under_its_own_name():
    seed_everything(0)
    data = ShapesDataset(64, seed=0)
    history = fit(CBAMModel(6, widths=(8, 16, 32), ratio=4), make_loader(data, 32), epochs=2,
                  val_loader=make_loader(ShapesDataset(16, seed=2), 16), progress=False)
    assert [sorted(r) for r in history] == [["epoch", "loss", "val_accuracy"]] * 2


def test_train_run_scores_every_split_and_the_named_ones_after_each_epoch():
    from cbam_lessons import PlainModel
    from cbam_lessons.experiment.train import train_run

    seed_everything(0)
    network = PlainModel(6, widths=(4, 8, 8))
    done = train_run(network, ShapesDataset(32, seed=0), {"val": ShapesDataset(16, seed=1), "test": ShapesDataset(16, seed=2)},
                     seed=0, epochs=2, lr=1e-2, batch_size=16, per_epoch=("val",))
    assert set(done["accuracy"]) == {"val", "test"} and len(done["history"]) == 2
    assert "val_accuracy" in done["history"][-1] and "test_accuracy" not in done["history"][-1]
    assert done["accuracy"]["val"] == done["history"][-1]["val_accuracy"] and done["seconds"] > 0
