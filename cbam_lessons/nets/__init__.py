"""The networks built from the attention modules: small classifiers, residual blocks, ResNets with CBAM.

- :mod:`.models`: the seed article's :class:`CBAMModel` and its controls (:class:`PlainModel`, :class:`SEModel`,
  :func:`matched_plain_model`);
- :mod:`.pooling_head`: the classifier's global pooling (``avg``, ``max``, ``avg+max``);
- :mod:`.residual`: the seed article's :class:`ResidualCBAMBlock`;
- :mod:`.resnet`: :func:`add_cbam` for torchvision's ResNets, at the paper's placement or elsewhere;
- :mod:`.cifar_resnet`: :class:`CifarResNet`, a ResNet small enough for a laptop CPU.
"""

from .cifar_resnet import CifarResNet
from .models import CBAMModel, PlainModel, SEModel, matched_plain_model, parameter_count
from .pooling_head import GlobalPool
from .residual import ResidualCBAMBlock
from .resnet import add_cbam

__all__ = ["CBAMModel", "CifarResNet", "GlobalPool", "PlainModel", "ResidualCBAMBlock", "SEModel", "add_cbam",
           "matched_plain_model", "parameter_count"]
