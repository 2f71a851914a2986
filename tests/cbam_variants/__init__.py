"""Other code bases' CBAM modules, rewritten for the tests from each one's documented layout (not copied).

One file per code base, the classes under their own names: ``official`` (Jongchan/attention-module, MODELS/cbam.py:
ChannelGate, SpatialGate, CBAM), ``ultralytics`` (ultralytics/nn/modules/conv.py: ChannelAttention,
SpatialAttention, CBAM) and ``timm`` (timm/layers/cbam.py: ChannelAttn, SpatialAttn, CbamModule). Tests import
them as ``from cbam_variants import official`` (tests/conftest.py puts tests/ on sys.path) and give
``python -m cbam_lessons.verify`` a file by its path, e.g. ``f"{official.__file__}:CBAM"`` (see :func:`target`).
Each file imports only torch, so verify can load it on its own.
"""

from pathlib import Path

HERE = Path(__file__).parent


def target(code_base: str, name: str) -> str:
    """``path/to/cbam_variants/<code_base>.py:<name>``, a target for ``python -m cbam_lessons.verify``."""
    return f"{HERE / f'{code_base}.py'}:{name}"
