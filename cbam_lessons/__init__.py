"""cbam_lessons: the Convolutional Block Attention Module (Woo et al., ECCV 2018), step by step.

    F' = Mc(F) ⊗ F,   F'' = Ms(F') ⊗ F'

The package's layers, each importing only from the ones above it:

- the attention modules the book builds: :mod:`.channel_attention`, :mod:`.spatial_attention`,
  :mod:`.cbam_block`, :mod:`.fast` (and :mod:`.data`, :mod:`.labels`, :mod:`.device`, :mod:`.numerics` beside them);
- :mod:`.nets`: the networks built from them (the seed's models and their controls, residual blocks, ResNets);
- :mod:`.experiment`: training and comparing (the loop, the statistics, the recorded runs and their runner);
- :mod:`.localization`, :mod:`.viz`, :mod:`.diagram`: what attention looks at, and the book's figures;
- :mod:`.checks`, with the commands for students and teachers beside it: :mod:`.verify`, :mod:`.grade`,
  :mod:`.exercises`, :mod:`.student_notebooks` (and :mod:`.benchmark`, :mod:`.portable` for maintainers).
"""

from .cbam_block import ARRANGEMENTS, CBAMBlock
from .channel_attention import ChannelAttention
from .device import default_device
from .nets import CBAMModel, CifarResNet, PlainModel, ResidualCBAMBlock, SEModel
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
