"""The run cache: an identical run is loaded, not trained, and leaves everything as training would."""

import random

import numpy as np
import pytest
import torch

from cbam_lessons import run_cache
from cbam_lessons.data import ShapesDataset
from cbam_lessons.experiment import MODELS, train_seeds


def _runs(lr=5e-3, seeds=(0, 1), build=lambda: MODELS["cbam"](6)):
    """Two tiny runs; afterwards, one draw from each random generator the chapters use."""
    runs = train_seeds({"cbam": build}, ShapesDataset(48, seed=0), {"test": ShapesDataset(24, seed=1)}, seeds=seeds,
                       epochs=1, lr=lr, batch_size=16, per_epoch=True, keep_models=True, progress=False, device="cpu")
    return runs, (random.random(), np.random.rand(), torch.rand(1).item())


def _same(a, b):
    assert [(r.accuracy, r.history, r.seconds) for r in a] == [(r.accuracy, r.history, r.seconds) for r in b]
    for x, y in zip(a, b):
        assert all(torch.equal(s, t) for s, t in zip(x.network.state_dict().values(), y.network.state_dict().values()))
        assert [m.training for m in x.network.modules()] == [m.training for m in y.network.modules()]


def test_without_the_variable_nothing_is_cached(monkeypatch, tmp_path):
    monkeypatch.delenv(run_cache.ENVIRONMENT_VARIABLE, raising=False)
    assert run_cache.from_environment() is None
    monkeypatch.setenv(run_cache.ENVIRONMENT_VARIABLE, "")
    assert run_cache.from_environment() is None


def test_an_identical_run_is_loaded_and_leaves_the_same_state(monkeypatch, tmp_path):
    monkeypatch.delenv(run_cache.ENVIRONMENT_VARIABLE, raising=False)
    uncached, draws = _runs()
    monkeypatch.setenv(run_cache.ENVIRONMENT_VARIABLE, str(tmp_path))
    first, first_draws = _runs()
    assert len(list(tmp_path.glob("*.pt"))) == 2
    assert [r.accuracy for r in first] == [r.accuracy for r in uncached] and first_draws == draws
    loaded, loaded_draws = _runs()
    _same(loaded, first)  # same seconds: loaded, not trained again
    assert loaded_draws == draws, "the random generators must continue as after training"
    assert len(list(tmp_path.glob("*.pt"))) == 2


@pytest.mark.parametrize("change", ["lr", "initial weights", "seed"])
def test_a_run_that_differs_in_anything_is_trained(monkeypatch, tmp_path, change):
    monkeypatch.setenv(run_cache.ENVIRONMENT_VARIABLE, str(tmp_path))
    _runs(seeds=(0,))
    other = {"lr": dict(lr=1e-2, seeds=(0,)), "seed": dict(seeds=(2,)),
             "initial weights": dict(seeds=(0,), build=lambda: (torch.manual_seed(9), MODELS["cbam"](6))[1])}[change]
    _runs(**other)
    assert len(list(tmp_path.glob("*.pt"))) == 2


def test_the_data_is_part_of_the_key():
    assert run_cache.fingerprint(ShapesDataset(20, seed=0)) == run_cache.fingerprint(ShapesDataset(20, seed=0))
    assert run_cache.fingerprint(ShapesDataset(20, seed=0)) != run_cache.fingerprint(ShapesDataset(20, seed=1))
    assert run_cache.fingerprint(ShapesDataset(20, seed=0)) != run_cache.fingerprint(ShapesDataset(21, seed=0))


def test_a_stored_run_loads_into_a_fresh_network_and_leaves_no_partial_file(tmp_path):
    cache = run_cache.RunCache(tmp_path / "cache")
    torch.manual_seed(0)
    trained, fresh = MODELS["plain"](6).eval(), MODELS["plain"](6)
    key = cache.key(fresh, seed=0)
    assert cache.load(key, fresh) is None
    cache.store(key, trained, accuracy={"test": 0.5}, history=[], seconds=1.0)
    assert cache.load(key, fresh) == {"accuracy": {"test": 0.5}, "history": [], "seconds": 1.0}
    assert all(torch.equal(a, b) for a, b in zip(trained.state_dict().values(), fresh.state_dict().values()))
    assert not fresh.training
    assert [p.suffix for p in (tmp_path / "cache").iterdir()] == [".pt"]


def test_settings_that_change_forward_but_not_the_weights_are_part_of_the_key(tmp_path):
    """Chapter 10's placements: the same architecture and weights, CBAM at another place in each block."""
    from cbam_lessons.cifar_resnet import CifarResNet
    from cbam_lessons.resnet import add_cbam

    cache = run_cache.RunCache(tmp_path)
    keys = set()
    for placement in ("branch", "after-add", "shortcut"):
        torch.manual_seed(0)
        keys.add(cache.key(add_cbam(CifarResNet(6, widths=(8, 16, 32, 64), depths=(1, 1, 1, 1)), 4, placement=placement)))
    assert len(keys) == 3
