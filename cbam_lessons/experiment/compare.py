"""Train models with the same seeds and compare them seed by seed: the chapters' tables.

:func:`train_seeds` trains any models once per seed (the seed fixes the initial weights of the layers the models
share and the batch order), :func:`accuracies` collects their scores, :func:`comparison_table` prints the paired
table with the family-wise interval, :func:`write_runs` saves them. The command line is :mod:`.cli`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from ..device import default_device
from ..labels import label, pad, width
from ..nets.models import parameter_count
from .stats import mean_spread, paired_gap
from .train import progress_enabled, seed_everything, train_run


@dataclass
class Run:
    """One model trained with one seed: its final accuracy on each evaluation split, and its history."""

    model: str
    seed: int
    accuracy: dict[str, float]
    parameters: int
    seconds: float
    history: list[dict] = field(default_factory=list)
    network: nn.Module | None = field(default=None, repr=False, compare=False)


def train_seeds(
    builders: Mapping[str, Callable[[], nn.Module]],
    train_set: Dataset,
    eval_sets: Mapping[str, Dataset],
    *,
    seeds: Sequence[int],
    epochs: int,
    lr: float = 2e-3,
    batch_size: int = 128,
    per_epoch: bool = False,
    keep_models: bool = False,
    device=None,
    progress: bool | None = None,
) -> list[Run]:
    """Train every model of ``builders`` once per seed; score each on every set of ``eval_sets``.

    ``eval_sets`` maps ``"val"`` and/or ``"test"`` to datasets. With ``per_epoch=True`` they are also
    scored after every epoch (in ``Run.history``); ``keep_models=True`` keeps the trained networks.
    Runs are ordered seed by seed, the models in the order of ``builders``.
    """
    unknown = set(eval_sets) - {"val", "test"}
    if unknown or not eval_sets:
        raise ValueError(f"train_seeds: eval_sets must map 'val' and/or 'test' to datasets, got keys {sorted(eval_sets)}.")
    device = torch.device(device) if device is not None else default_device()
    runs = []
    bar = tqdm(total=len(seeds) * len(builders), desc="runs", disable=not progress_enabled(progress))
    for seed in seeds:
        for name, build in builders.items():
            bar.set_postfix_str(f"{name}, seed {seed}")
            seed_everything(seed)
            network = build()
            done = train_run(network, train_set, dict(eval_sets), seed=seed, epochs=epochs, lr=lr, batch_size=batch_size,
                             per_epoch=tuple(eval_sets) if per_epoch else (), device=device)
            runs.append(Run(name, seed, done["accuracy"], parameter_count(network), done["seconds"], done["history"],
                            network if keep_models else None))
            bar.update()
    bar.close()
    return runs


def accuracies(runs: Sequence[Run], split: str = "test") -> dict[str, list[float]]:
    """Model name -> its accuracies on ``split``, in the order of the seeds."""
    table: dict[str, list[float]] = {}
    for run in runs:
        table.setdefault(run.model, []).append(run.accuracy[split])
    return table


def comparison_table(
    accuracy: Mapping[str, Sequence[float]],
    baseline: str,
    *,
    parameters: Mapping[str, int] | None = None,
    names: Mapping[str, str] | None = None,
    lang: str = "en",
    comparisons: int = 1,
    per_seed: bool | None = None,
) -> str:
    """A text table: each model's accuracy (mean ± sd) and its paired gap to ``baseline``, in points.

    A title line first says what the short column headings mean. Each gap has its 95% interval
    (:func:`paired_gap`). With ``comparisons`` = m > 1 (the size of the chapter's declared family) a second
    interval, Bonferroni's over the family, follows, and the verdict (beyond or within the noise) is that
    interval's. ``per_seed`` lists every seed's accuracy (default: up
    to 5 seeds). ``names`` overrides the display names (default: the label map).
    """
    if baseline not in accuracy:
        raise ValueError(f"comparison_table: baseline {baseline!r} is not among the models {list(accuracy)}.")
    show = {m: (names or {}).get(m, label(m, lang)) for m in accuracy}
    per_seed = len(accuracy[baseline]) <= 5 if per_seed is None else per_seed
    corrected = comparisons > 1
    # One title line says what the short column headings mean, so the table stays narrow enough to print.
    title = label("gap-title", lang, baseline=show[baseline])
    if corrected:
        title += label("corrected-title", lang, m=comparisons)
    name_w = max(map(width, show.values())) + 2
    params_w = max(width(label("parameters", lang)) + 1, 10)
    seeds_w = 7 * len(accuracy[baseline]) + 2
    interval_w = 16  # "  [+15.3, +19.6]"
    head = pad(label("model", lang), name_w)
    if parameters is not None:
        head += pad(label("parameters", lang), params_w, ">")
    head += pad(label("accuracy", lang), 15, ">") + "  "
    if per_seed:
        head += pad(label("seeds", lang), seeds_w)
    head += pad(label("gap", lang), 5, ">") + pad(label("per-comparison", lang), interval_w, ">")
    if corrected:
        head += pad(label("corrected", lang), interval_w, ">")
    head += "  " + label("verdict", lang)
    lines = [title, head]
    for model, values in accuracy.items():
        row = pad(show[model], name_w)
        if parameters is not None:
            row += f"{parameters[model]:{params_w},d}"
        row += f"{mean_spread(values):>15s}  "
        if per_seed:
            row += pad(" ".join(f"{v:.3f}" for v in values), seeds_w)
        if model == baseline:
            row += label("baseline", lang)
        else:
            points, base = [100 * v for v in values], [100 * v for v in accuracy[baseline]]
            gap = paired_gap(points, base)
            row += f"{gap.mean:+5.1f}" + pad(f"[{gap.low:+5.1f}, {gap.high:+5.1f}]", interval_w, ">")
            if corrected:
                gap = paired_gap(points, base, comparisons=comparisons)
                row += pad(f"[{gap.low:+5.1f}, {gap.high:+5.1f}]", interval_w, ">")
            row += "  " + label("beyond" if gap.beyond_noise else "within", lang)
        lines.append(row.rstrip())
    return "\n".join(lines)


def write_runs(runs: Sequence[Run], folder: str | Path) -> list[Path]:
    """Write every run to ``folder/runs.json`` (with histories) and ``folder/runs.csv`` (one row per run)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    records = [{k: v for k, v in asdict(run).items() if k != "network"} for run in runs]
    (folder / "runs.json").write_text(json.dumps(records, indent=1), encoding="utf-8")
    splits = sorted({split for run in runs for split in run.accuracy})
    with open(folder / "runs.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["model", "seed", "parameters", "seconds", *(f"{s}_accuracy" for s in splits)])
        for run in runs:
            writer.writerow([run.model, run.seed, run.parameters, f"{run.seconds:.2f}",
                             *(f"{run.accuracy[s]:.4f}" for s in splits)])
    return [folder / "runs.json", folder / "runs.csv"]
