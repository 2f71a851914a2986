"""The book's experiments, declared before they are run: models, data, seeds, protocol and comparisons.

Each :class:`Spec` names the networks it trains (builders keyed by the label map's names), the data
(a training set with a validation split, and a test set of the chapter's own, scored once at the end),
the seeds, the training protocol or a grid to choose it on the validation split, and the *family* of
comparisons the chapter will report. The runner (:mod:`cbam_lessons.experiment.runlog`,
``python -m cbam_lessons.experiment run NAME``) trains every run of a spec into a committed log, and
the chapter computes its tables and figures from that log.

Same-seed runs see the same batches in the same order and start from the same weights in every
layer their networks have in common: the models build their backbone before their attention.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial

import torch
from torch import nn

from ..nets.cifar_resnet import CifarResNet
from ..nets.models import CBAMModel, PlainModel, SEModel, matched_plain_model
from ..nets.resnet import add_cbam
from .train import seed_everything, train_run

#: The small classifier of chapters 4 and 7, and the CIFAR-style ResNet of chapter 5.
SMALL_WIDTHS, SMALL_RATIO = (16, 32, 64), 8
RESNET_WIDTHS, RESNET_DEPTHS, RESNET_RATIO = (8, 16, 32, 64), (1, 1, 1, 1), 4
#: Chapter 10's ResNet: three stages of one block, a stride-2 stem.
PLACEMENT_WIDTHS, PLACEMENT_DEPTHS, PLACEMENT_RATIO = (16, 32, 64), (1, 1, 1), 4

Builder = Callable[[int], nn.Module]


def _small(num_classes: int, **options) -> nn.Module:
    return CBAMModel(num_classes, widths=SMALL_WIDTHS, ratio=SMALL_RATIO, **options)


def _plain(num_classes: int, head: str = "avg") -> nn.Module:
    return PlainModel(num_classes, widths=SMALL_WIDTHS, head=head)


def _widened(num_classes: int) -> nn.Module:
    """A plain model widened to CBAM's parameter count; the CBAM model it measures is built off the random stream."""
    with torch.random.fork_rng(devices=[]):
        reference = _small(num_classes)
    return matched_plain_model(reference)


def _resnet(num_classes: int, attention: str | None = None) -> nn.Module:
    model = CifarResNet(num_classes, widths=RESNET_WIDTHS, depths=RESNET_DEPTHS)
    return model if attention is None else add_cbam(model, RESNET_RATIO, attention=attention)


def _placement(num_classes: int, **options) -> nn.Module:
    model = CifarResNet(num_classes, widths=PLACEMENT_WIDTHS, depths=PLACEMENT_DEPTHS, stem_stride=2)
    return model if options.get("placement") == "none" else add_cbam(model, PLACEMENT_RATIO, **options)


#: The runner's ad-hoc command (``experiment compare --models``) and chapter 5 build these by name.
MODELS: dict[str, Builder] = {
    "plain": _plain,
    "plain-max": partial(_plain, head="max"),
    "plain-avgmax": partial(_plain, head="avg+max"),
    "plain-wide": _widened,
    "se": partial(SEModel, widths=SMALL_WIDTHS, ratio=SMALL_RATIO),
    "cbam": _small,
    "resnet": _resnet,
    "se-resnet": partial(_resnet, attention="se"),
    "cbam-resnet": partial(_resnet, attention="cbam"),
}

#: Chapter 7's variants: the paper's ablations (Tables 1-3) and the controls without attention.
ABLATION_MODELS: dict[str, Builder] = {
    "plain": _plain,
    "channel-avg": partial(_small, arrangement="channel", channel_pools=("avg",)),  # the SE gate
    "channel-max": partial(_small, arrangement="channel", channel_pools=("max",)),
    "channel-avgmax": partial(_small, arrangement="channel"),
    "spatial-conv-k3": partial(_small, spatial_compress="conv", kernel_size=3),
    "spatial-conv-k7": partial(_small, spatial_compress="conv", kernel_size=7),
    "spatial-pool-k3": partial(_small, kernel_size=3),
    "cbam": _small,
    "spatial-channel": partial(_small, arrangement="spatial-channel"),
    "parallel": partial(_small, arrangement="parallel"),
    "plain-max": partial(_plain, head="max"),
    "plain-avgmax": partial(_plain, head="avg+max"),
    "plain-wide": _widened,
}

#: Chapter 10's placements of CBAM in a ResNet, every one on the same backbone weights.
PLACEMENT_MODELS: dict[str, Builder] = {
    "none": partial(_placement, placement="none"),
    "branch": _placement,  # the paper's placement, in every block
    "after-add": partial(_placement, placement="after-add"),
    "shortcut": partial(_placement, placement="shortcut"),
    "first-stage": partial(_placement, stages=(1,)),
    "last-stage": partial(_placement, stages=(3,)),
}


@dataclass(frozen=True)
class Grid:
    """Settings tried on the validation split before the final runs.

    Every model gets the setting with its own best mean validation accuracy over the grid's seeds; ties go
    to fewer epochs, then the smaller rate. The grid's seeds are not the final runs' seeds, so the final
    runs are not the runs the choice was made on.
    """

    lrs: tuple[float, ...]
    epochs: tuple[int, ...]
    seeds: tuple[int, ...]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a spec is one declared experiment
class Spec:
    """One experiment: what is trained, on which data, with which seeds, and what will be compared."""

    name: str
    chapter: str
    models: dict[str, Builder] = field(repr=False)
    seeds: tuple[int, ...]
    family: tuple[tuple[str, str], ...]  # (a, b): the gap a - b, declared before the runs
    epochs: int | None = None  # the protocol when there is no grid
    lr: float | None = None
    grid: Grid | None = None
    batch_size: int = 128
    train_size: int = 2000  # ShapesDataset(train_size, seed=0), split into training and validation
    val_size: int = 400
    test_size: int = 1000
    test_seed: int = 1  # the chapter's own test images: ShapesDataset(test_size, seed=test_seed)
    num_classes: int = 6

    def describe(self) -> dict:
        """The spec as plain data (what the log stores)."""
        return {
            "name": self.name, "chapter": self.chapter, "models": list(self.models), "seeds": list(self.seeds),
            "family": [list(pair) for pair in self.family], "epochs": self.epochs, "lr": self.lr,
            "grid": None if self.grid is None else {"lrs": list(self.grid.lrs), "epochs": list(self.grid.epochs),
                                                    "seeds": list(self.grid.seeds)},
            "batch_size": self.batch_size, "train_size": self.train_size, "val_size": self.val_size,
            "test_size": self.test_size, "test_seed": self.test_seed, "num_classes": self.num_classes,
        }

    def datasets(self):
        """(training subset, validation subset, test set), the same on every call."""
        from ..data import ShapesDataset, train_val_split

        train, val = train_val_split(ShapesDataset(self.train_size, seed=0), self.val_size, seed=0)
        return train, val, ShapesDataset(self.test_size, seed=self.test_seed)


SEEDS_20 = tuple(range(20))

SPECS: dict[str, Spec] = {
    spec.name: spec
    for spec in (
        Spec(
            name="ch4-small-models", chapter="04_cbam_model",
            models={name: MODELS[name] for name in ("plain", "plain-max", "plain-wide", "se", "cbam")},
            seeds=SEEDS_20, epochs=8, lr=2e-3, test_seed=41,
            family=(("cbam", "plain"), ("cbam", "plain-max"), ("cbam", "plain-wide"), ("cbam", "se"),
                    ("plain-max", "plain"), ("plain-wide", "plain"), ("se", "plain")),
        ),
        Spec(
            name="ch5-resnets", chapter="05_cbam_in_resnet",
            models={name: MODELS[name] for name in ("resnet", "se-resnet", "cbam-resnet")},
            seeds=SEEDS_20, epochs=5, lr=5e-3, test_seed=51,
            family=(("se-resnet", "resnet"), ("cbam-resnet", "resnet"), ("cbam-resnet", "se-resnet")),
        ),
        Spec(
            name="ch7-ablations", chapter="07_ablations", models=ABLATION_MODELS, seeds=SEEDS_20, test_seed=71,
            grid=Grid(lrs=(2e-3, 5e-3, 1e-2), epochs=(4, 8), seeds=(100, 101, 102)),
            family=(
                ("channel-avgmax", "channel-avg"), ("channel-avgmax", "channel-max"),  # Table 1
                ("cbam", "channel-avgmax"), ("cbam", "spatial-conv-k3"), ("cbam", "spatial-conv-k7"),
                ("cbam", "spatial-pool-k3"),  # Table 2
                ("cbam", "spatial-channel"), ("cbam", "parallel"),  # Table 3
                ("cbam", "plain"), ("cbam", "plain-max"), ("cbam", "plain-avgmax"), ("cbam", "plain-wide"),
                ("cbam", "channel-avg"),  # the controls
                ("plain-max", "plain"), ("plain-wide", "plain"),  # controls that should not differ much
            ),
        ),
        Spec(
            name="ch10-placements", chapter="10_where_to_put_cbam", models=PLACEMENT_MODELS, seeds=SEEDS_20,
            test_seed=101, grid=Grid(lrs=(2e-3, 5e-3, 1e-2), epochs=(4, 8), seeds=(100, 101, 102)),
            family=tuple((key, "branch") for key in PLACEMENT_MODELS if key != "branch")
            + tuple((key, "none") for key in PLACEMENT_MODELS if key not in ("none", "branch")),
        ),
    )
}


# --- the runs of a spec, and training one (the runner, cbam_lessons.experiment.runlog, calls these) ------------------


@dataclass(frozen=True)
class RunKey:
    """One run of a spec: a model, a seed and its setting, in the grid or among the final runs."""

    phase: str  # "grid" (scored on validation only) or "final" (validation each epoch, test once at the end)
    model: str
    seed: int
    lr: float
    epochs: int

    def as_dict(self) -> dict:
        return {"phase": self.phase, "model": self.model, "seed": self.seed, "lr": self.lr, "epochs": self.epochs}


@lru_cache(maxsize=4)
def _data(spec: Spec):
    return spec.datasets()


def train_key(spec: Spec, key: RunKey, device=None, keep: bool = False) -> dict:
    """Train one run of ``spec``: a record for the log (with the trained network under "network" if ``keep``)."""
    train, val, test = _data(spec)
    seed_everything(key.seed)
    network = spec.models[key.model](spec.num_classes)
    eval_sets = {"val": val} if key.phase == "grid" else {"val": val, "test": test}
    done = train_run(network, train, eval_sets, seed=key.seed, epochs=key.epochs, lr=key.lr,
                     batch_size=spec.batch_size, per_epoch=("val",), device=device)
    record = {**key.as_dict(), "parameters": sum(p.numel() for p in network.parameters()), **done}
    if keep:
        record["network"] = network
    return record


def grid_keys(spec: Spec) -> list[RunKey]:
    grid = spec.grid
    if grid is None:
        return []
    return [RunKey("grid", model, seed, lr, epochs)
            for lr in grid.lrs for epochs in grid.epochs for seed in grid.seeds for model in spec.models]


def choose_settings(spec: Spec, runs: list[dict]) -> dict[str, tuple[float, int]]:
    """Each model's (lr, epochs): the spec's protocol, or the grid's choice by its rule on the validation runs."""
    if spec.grid is None:
        return {model: (spec.lr, spec.epochs) for model in spec.models}
    scores: dict[str, dict[tuple[float, int], float]] = {}
    for model in spec.models:
        for lr in spec.grid.lrs:
            for epochs in spec.grid.epochs:
                values = [r["accuracy"]["val"] for r in runs
                          if r["phase"] == "grid" and r["model"] == model and r["lr"] == lr and r["epochs"] == epochs]
                if len(values) != len(spec.grid.seeds):
                    raise ValueError(f"{spec.name}: the grid is incomplete for {model} at lr {lr}, {epochs} epochs; "
                                     f"run `python -m cbam_lessons.experiment run {spec.name}` first.")
                scores.setdefault(model, {})[lr, epochs] = statistics.mean(values)
    # ties (to 6 decimals): fewer epochs, then the smaller rate
    return {model: max(s, key=lambda setting: (round(s[setting], 6), -setting[1], -setting[0]))
            for model, s in scores.items()}


def final_keys(spec: Spec, settings: dict[str, tuple[float, int]]) -> list[RunKey]:
    return [RunKey("final", model, seed, *settings[model]) for seed in spec.seeds for model in spec.models]


def key_of(record: dict) -> RunKey:
    return RunKey(record["phase"], record["model"], record["seed"], record["lr"], record["epochs"])
