"""Training and comparing: the loop, the statistics, and the book's recorded experiments.

- :mod:`.train`: the one training loop (:func:`fit`, :func:`train_run`, :func:`evaluate`, :func:`seed_everything`);
- :mod:`.stats`: paired intervals with family-wise corrections (:func:`paired_gap`, :func:`family_gaps`,
  :func:`seeds_needed`);
- :mod:`.compare`: train models seed by seed and print the paired table (:func:`comparison_table`);
- :mod:`.specs`: the recorded experiments, declared before they ran (:data:`SPECS`, :data:`MODELS`);
- :mod:`.runlog`: the runner that trains a spec into its log under ``runlogs/``, and the log the chapters read;
- :mod:`.cli`: ``python -m cbam_lessons.experiment list | run | verify | compare``.
"""

from .compare import Run, accuracies, comparison_table, train_seeds, write_runs
from .specs import MODELS, SPECS

__all__ = ["MODELS", "SPECS", "Run", "accuracies", "comparison_table", "train_seeds", "write_runs"]
