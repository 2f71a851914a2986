"""A validation split carved out of the training data, the same for every model and seed.

Protocol choices (learning rate, epochs, ...) are made on the validation split; the test set is
used once, at the end, for the chosen setting. Which images go to validation depends only on
``seed`` (``torch.randperm`` with its own generator), not on the global random state.
"""

from __future__ import annotations

import torch
from torch.utils.data import Dataset, Subset


def train_val_split(dataset: Dataset, val_size: int | float, *, seed: int = 0) -> tuple[Subset, Subset]:
    """Split ``dataset`` into (train, validation) subsets at random.

    ``val_size`` is a number of samples (int) or a fraction of the dataset (float in (0, 1)).
    """
    n = len(dataset)
    if isinstance(val_size, float) and 0 < val_size < 1:
        val_size = round(n * val_size)
    if isinstance(val_size, bool) or not isinstance(val_size, int) or not 1 <= val_size < n:
        raise ValueError(
            f"train_val_split: val_size must be a number of samples in [1, {n - 1}] or a fraction in (0, 1) "
            f"of the {n} samples, got {val_size!r}. Use e.g. 0.2."
        )
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    return Subset(dataset, sorted(order[val_size:])), Subset(dataset, sorted(order[:val_size]))
