import sys
from pathlib import Path

import pytest
import torch

# `import seed_cbam` from the tests folder.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)
