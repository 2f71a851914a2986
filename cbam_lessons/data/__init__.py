"""Datasets: the generated shapes task (no download) and CIFAR-10 (download once)."""

from .cifar10 import CIFAR10Unavailable, load_cifar10
from .shapes import SHAPE_NAMES, ShapesDataset, generate_shapes

__all__ = ["SHAPE_NAMES", "ShapesDataset", "generate_shapes", "CIFAR10Unavailable", "load_cifar10"]
