"""Training helpers: seeding, data loaders, a fit loop and accuracy.

On the CPU, the same seed gives bit-for-bit the same model (same torch build and
thread count). The device is chosen by :func:`cbam_lessons.device.default_device`.
"""

from __future__ import annotations

import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from .. import _validate
from ..device import default_device


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's generators (all devices)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_loader(dataset: Dataset, batch_size: int = 128, *, shuffle: bool = False, seed: int = 0) -> DataLoader:
    """A DataLoader whose shuffling order depends only on ``seed``."""
    _validate.positive_int("make_loader", "batch_size", batch_size)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)


def progress_enabled(progress: bool | None = None) -> bool:
    """Whether to show progress bars: ``progress`` if given, else off under CI or CBAM_PROGRESS=0."""
    if progress is not None:
        return progress
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        return False
    return os.environ.get("CBAM_PROGRESS", "1").lower() not in ("0", "false", "no", "off")


def _inputs_and_labels(batch, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Batches are (image, label) or (image, label, mask); only the first two are needed here."""
    return batch[0].to(device), batch[1].to(device)


@torch.no_grad()
def evaluate(model: nn.Module, loader: DataLoader, device: torch.device | None = None) -> float:
    """Top-1 accuracy of ``model`` over ``loader``, in [0, 1]."""
    device = device or next(model.parameters()).device
    model.eval()
    correct = total = 0
    for batch in loader:
        x, y = _inputs_and_labels(batch, device)
        correct += (model(x).argmax(dim=1) == y).sum().item()
        total += y.numel()
    return correct / total


def fit(
    model: nn.Module,
    train_loader: DataLoader,
    *,
    epochs: int = 5,
    lr: float = 2e-3,
    weight_decay: float = 5e-4,
    val_loader: DataLoader | None = None,
    test_loader: DataLoader | None = None,
    device: torch.device | str | None = None,
    progress: bool | None = None,
) -> list[dict[str, float]]:
    """Train ``model`` with AdamW, cross-entropy and a cosine learning-rate decay to 0.

    Returns one record per epoch.

    Each record has ``epoch``, ``loss`` (mean training loss) and, when
    ``val_loader`` / ``test_loader`` is given, ``val_accuracy`` / ``test_accuracy``. The model is moved to ``device``
    (default: :func:`default_device`).
    """
    _validate.positive_int("fit", "epochs", epochs)
    device = torch.device(device) if device is not None else default_device()
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    # Decaying to 0 makes the final epoch's accuracy stable enough to compare models.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * len(train_loader))
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        loss_sum = seen = 0.0
        bar = tqdm(train_loader, desc=f"epoch {epoch}/{epochs}", leave=False, disable=not progress_enabled(progress))
        for batch in bar:
            x, y = _inputs_and_labels(batch, device)
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += loss.item() * y.numel()
            seen += y.numel()
            bar.set_postfix(loss=f"{loss.item():.3f}")
        record = {"epoch": epoch, "loss": loss_sum / seen}
        for split, loader in (("val", val_loader), ("test", test_loader)):
            if loader is not None:
                record[f"{split}_accuracy"] = evaluate(model, loader, device)
        history.append(record)
    return history


def train_run(
    network: nn.Module,
    train_set: Dataset,
    eval_sets: dict[str, Dataset],
    *,
    seed: int,
    epochs: int,
    lr: float,
    batch_size: int = 128,
    per_epoch: tuple[str, ...] = (),
    device: torch.device | str | None = None,
) -> dict:
    """Train ``network`` once with ``seed``'s batch order, then score it on every set of ``eval_sets``.

    The splits named in ``per_epoch`` are also scored after every epoch (in the history). Returns
    ``{"accuracy": {split: final accuracy}, "history": fit's records, "seconds": training time}``.
    Seed the generators and build ``network`` before calling, so that its initial weights follow the seed.
    """
    loaders = {split: make_loader(data, batch_size=500) for split, data in eval_sets.items()}
    start = time.perf_counter()
    history = fit(network, make_loader(train_set, batch_size, shuffle=True, seed=seed), epochs=epochs, lr=lr,
                  device=device, progress=False, **{f"{split}_loader": loaders[split] for split in per_epoch})
    seconds = time.perf_counter() - start
    accuracy = {split: (history[-1][f"{split}_accuracy"] if split in per_epoch else evaluate(network, loader))
                for split, loader in loaders.items()}
    return {"accuracy": accuracy, "history": history, "seconds": seconds}
