"""cbam_lessons: the Convolutional Block Attention Module (Woo et al., ECCV 2018), step by step.

    F' = Mc(F) ⊗ F,   F'' = Ms(F') ⊗ F'

Modules: :mod:`.channel_attention`, :mod:`.spatial_attention`, :mod:`.cbam_block`,
:mod:`.models` (and the controls :class:`PlainModel` with any head, :class:`SEModel`), :mod:`.residual`, :mod:`.resnet`, :mod:`.cifar_resnet`, :mod:`.experiment` (the runner), :mod:`.labels`, :mod:`.localization`, :mod:`.data`, :mod:`.train`, :mod:`.device`, :mod:`.viz`, :mod:`.diagram`, and :mod:`.checks` for the exercises.
"""

from .cbam_block import ARRANGEMENTS, CBAMBlock
from .channel_attention import ChannelAttention
from .device import default_device
from .cifar_resnet import CifarResNet
from .models import CBAMModel, PlainModel, SEModel
from .residual import ResidualCBAMBlock
from .spatial_attention import SpatialAttention

__version__ = "0.1.0"

__all__ = [
    "ARRANGEMENTS",
    "CBAMBlock",
    "CBAMModel",
    "CifarResNet",
    "ChannelAttention",
    "PlainModel",
    "ResidualCBAMBlock",
    "SEModel",
    "SpatialAttention",
    "default_device",
]
