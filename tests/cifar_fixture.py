"""A tiny CIFAR-10 in the real on-disk format, written by the tests (no download)."""

import pickle

import numpy as np

LABEL_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def write_cifar_fixture(root, per_batch=4, test_size=3):
    """A tiny CIFAR-10 in the real format: pickled dicts, uint8 rows of 1024 R, 1024 G, 1024 B."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    batches = {f"data_batch_{i}": per_batch for i in range(1, 6)} | {"test_batch": test_size}
    written = {}
    for name, n in batches.items():
        entry = {
            "batch_label": name,
            "labels": rng.integers(0, 10, n).tolist(),
            "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            "filenames": [f"{name}_{j}.png" for j in range(n)],
        }
        (folder / name).write_bytes(pickle.dumps(entry, protocol=2))
        written[name] = entry
    meta = {"label_names": LABEL_NAMES, "num_cases_per_batch": per_batch, "num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return written
