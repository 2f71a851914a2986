"""CIFAR-10 through torchvision, with errors that say how to get the data.

The book's core chapters use the generated shapes data, which needs no download.
This loader is for readers with internet access (or a copy of the archive).
"""

from __future__ import annotations

from pathlib import Path

from torch.utils.data import Dataset

ARCHIVE_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"


class CIFAR10Unavailable(RuntimeError):
    """CIFAR-10 is neither on disk nor downloadable; the message says how to get it."""


def _how_to_get_it(root: Path) -> str:
    return (
        f"Either call load_cifar10({str(root)!r}, download=True) on a machine with internet access, "
        f"or download {ARCHIVE_URL} elsewhere and extract it so that "
        f"{root / 'cifar-10-batches-py'} holds data_batch_1..5, test_batch and batches.meta."
    )


def load_cifar10(
    root: str | Path = "data",
    train: bool = True,
    *,
    download: bool = False,
    verify_md5: bool = True,
    transform=None,
) -> Dataset:
    """The CIFAR-10 training (50,000) or test (10,000) images as a torchvision dataset.

    Args:
        root: folder that holds (or will hold) ``cifar-10-batches-py/``.
        train: the training split if True, else the test split.
        download: fetch and extract the archive when the files are missing.
        verify_md5: check the files against the official checksums. Pass False to
            load a re-packed or reduced copy in the same pickle format.
        transform: applied to each PIL image; default ``ToTensor()`` gives (3, 32, 32)
            float tensors in [0, 1].

    Raises:
        CIFAR10Unavailable: the files are missing or corrupted and could not be downloaded.
    """
    from torchvision import datasets, transforms

    root = Path(root)
    cls = datasets.CIFAR10
    if not verify_md5:
        # torchvision skips the checksum of a file whose md5 is None.
        cls = type(
            "UnverifiedCIFAR10",
            (datasets.CIFAR10,),
            {
                "train_list": [[name, None] for name, _ in datasets.CIFAR10.train_list],
                "test_list": [[name, None] for name, _ in datasets.CIFAR10.test_list],
                "meta": {**datasets.CIFAR10.meta, "md5": None},
            },
        )
    transform = transforms.ToTensor() if transform is None else transform
    try:
        return cls(str(root), train=train, transform=transform, download=download)
    except Exception as err:  # noqa: BLE001 - offline, missing or corrupted: one clear message for all
        folder = root / "cifar-10-batches-py"
        if download:
            problem = f"Could not download CIFAR-10 into {root} ({type(err).__name__}: {err}); this machine may be offline."
        elif folder.is_dir():
            problem = (
                f"CIFAR-10 files in {folder} are incomplete or do not match the official checksums ({err}). "
                "Delete the folder and download again, or pass verify_md5=False for a re-packed copy."
            )
        else:
            problem = f"CIFAR-10 was not found in {folder}."
        raise CIFAR10Unavailable(f"{problem} {_how_to_get_it(root)}") from err
