"""``python -m cbam_lessons.experiment``: see :mod:`.cli`."""

import sys

from .cli import main

sys.exit(main())
