"""A cache of finished training runs, so that re-executing the book does not train the same run twice.

Off unless ``$CBAM_RUN_CACHE`` names a folder. ``make test`` sets it to a fresh, empty folder for its
nbval run: the Chinese chapters and the student notebooks repeat the English chapters' training runs
exactly, so :func:`~cbam_lessons.experiment.train_seeds` loads those runs instead of training them again.

A run is reused only when everything that determines it is identical: the network's architecture
(its ``repr``), its modules' plain attributes (settings such as a block's placement of CBAM) and initial
weights, every tensor of the training and evaluation data, the seed, the
options of the run, the torch version and the number of CPU threads. Training on the CPU is then
deterministic, so a reused run is exactly the run that would have been computed, and nbval still
compares its outputs strictly. The random generators and the train/eval mode
are left as the run left them. Only CPU runs are
cached; a reused run reports the seconds of the run that computed it.
"""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

#: The environment variable that switches the cache on and names its folder.
ENVIRONMENT_VARIABLE = "CBAM_RUN_CACHE"


def _hash_tensors(digest, tensors) -> None:
    for t in tensors:
        digest.update(f"{t.dtype}{tuple(t.shape)}".encode())
        if t.numel():
            digest.update(t.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())


def fingerprint(dataset: Dataset) -> str:
    """A hash of every tensor of every item of ``dataset``, in order."""
    digest = hashlib.sha256()
    for batch in DataLoader(dataset, batch_size=500):
        _hash_tensors(digest, batch if isinstance(batch, (list, tuple)) else [batch])
    return digest.hexdigest()


def _settings(network: nn.Module) -> list:
    """Every submodule's own plain attributes. Some change what forward computes but neither the repr nor the
    weights: ``add_cbam(..., placement="after-add")`` sets ``cbam_placement`` on each block, for example."""
    plain = (bool, int, float, str, tuple, type(None))
    return [(name, sorted((k, repr(v)) for k, v in vars(module).items() if not k.startswith("_") and isinstance(v, plain)))
            for name, module in network.named_modules()]


class RunCache:
    """Finished runs in ``folder``, one file per run, named by the hash of what determines the run."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def key(self, network: nn.Module, **determinants) -> str:
        """The run's name: a hash of the network (architecture, settings, initial state) and ``determinants``."""
        digest = hashlib.sha256(repr(network).encode())
        digest.update(repr(_settings(network)).encode())
        _hash_tensors(digest, network.state_dict().values())
        determinants.update(torch=torch.__version__, threads=torch.get_num_threads())
        digest.update(repr(sorted(determinants.items())).encode())
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.pt"

    def load(self, key: str, network: nn.Module) -> dict | None:
        """The stored results of run ``key`` with its trained weights loaded into ``network``, or None."""
        path = self._path(key)
        if not path.exists():
            return None
        record = torch.load(path, weights_only=False)  # written by store() below, not downloaded
        network.load_state_dict(record.pop("state"))
        for module, training in zip(network.modules(), record.pop("modes")):
            module.train(training)
        rng = record.pop("rng")
        random.setstate(rng["random"])
        np.random.set_state(rng["numpy"])
        torch.set_rng_state(rng["torch"])
        return record

    def store(self, key: str, network: nn.Module, **results) -> None:
        """Keep ``results``, the trained weights and the random generators' states after the run."""
        rng = {"random": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
        state = {name: t.detach().cpu().clone() for name, t in network.state_dict().items()}
        partial = self._path(key).with_suffix(".partial")
        modes = [module.training for module in network.modules()]  # evaluation leaves it in eval mode
        torch.save({**results, "state": state, "rng": rng, "modes": modes}, partial)
        partial.replace(self._path(key))  # a run interrupted while saving leaves no half-written file


def from_environment() -> RunCache | None:
    """The cache named by ``$CBAM_RUN_CACHE``, or None when it is unset or empty."""
    folder = os.environ.get(ENVIRONMENT_VARIABLE, "")
    return RunCache(folder) if folder else None
