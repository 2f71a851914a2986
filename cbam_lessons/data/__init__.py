"""Datasets: the generated shapes task (no download), CIFAR-10 (download once), validation splits."""

from .cifar10 import CIFAR10Unavailable, load_cifar10
from .shapes import SHAPE_NAMES, ShapesDataset, generate_shapes
from .split import train_val_split

__all__ = ["SHAPE_NAMES", "ShapesDataset", "generate_shapes", "CIFAR10Unavailable", "load_cifar10", "train_val_split"]
