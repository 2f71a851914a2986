"""The one place that decides where tensors live.

CUDA when it is available, else the CPU. Set the environment variable
``CBAM_DEVICE`` (e.g. ``cpu``, ``cuda``, ``cuda:1``, ``mps``) to override.
"""

from __future__ import annotations

import os

import torch

ENV_VAR = "CBAM_DEVICE"


def default_device() -> torch.device:
    """The device to compute on: ``$CBAM_DEVICE`` if set, else CUDA if available, else CPU."""
    requested = os.environ.get(ENV_VAR, "").strip()
    if requested:
        try:
            device = torch.device(requested)
        except RuntimeError as err:
            raise ValueError(f"{ENV_VAR}={requested!r} is not a device name; use e.g. 'cpu' or 'cuda'.") from err
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"{ENV_VAR}={requested!r} but CUDA is not available here; unset it or use 'cpu'.")
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
