"""Train several models with the same seeds and compare them seed by seed.

    python -m cbam_lessons.experiment --data shapes --models plain,se,cbam --seeds 5 --epochs 8
    python -m cbam_lessons.experiment --data cifar10 --data-dir data --models resnet,se-resnet,cbam-resnet --seeds 3 --epochs 30

Every model is trained once per seed with :func:`cbam_lessons.train.fit` (the seed fixes the initial
weights and the batch order, so two models with the same seed differ only in their architecture),
then scored on a validation split carved out of the training data and on the test set. The table
compares each model with the first one (or ``--baseline``) by the paired 95 % interval of
:func:`cbam_lessons.stats.paired_gap`; every run is written to ``runs.csv`` and ``runs.json``.

The chapters use :func:`train_seeds`, :func:`accuracies` and :func:`comparison_table` directly.
CIFAR-10 must be on disk (see :func:`cbam_lessons.data.load_cifar10`): the book's machines have no
internet, so the book quotes no CIFAR-10 result; that run is for the reader.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from . import run_cache
from .cifar_resnet import CifarResNet
from .device import default_device
from .labels import label, pad, width
from .models import CBAMModel, PlainModel, SEModel, matched_plain_model, parameter_count
from .resnet import add_cbam
from .stats import T_95, mean_spread, paired_gap
from .train import evaluate, fit, make_loader, progress_enabled, seed_everything

#: The small classifier of chapters 4 and 7, and the CIFAR-style ResNet of chapter 5.
SMALL_WIDTHS, SMALL_RATIO = (16, 32, 64), 8
RESNET_WIDTHS, RESNET_DEPTHS, RESNET_RATIO = (8, 16, 32, 64), (1, 1, 1, 1), 4

#: Model name -> builder(num_classes). The names are the runner's ``--models`` and the label map's keys.
MODELS: dict[str, Callable[[int], nn.Module]] = {
    "plain": lambda n: PlainModel(n, widths=SMALL_WIDTHS),
    "plain-max": lambda n: PlainModel(n, widths=SMALL_WIDTHS, head="max"),
    "plain-avgmax": lambda n: PlainModel(n, widths=SMALL_WIDTHS, head="avg+max"),
    "plain-wide": lambda n: matched_plain_model(CBAMModel(n, widths=SMALL_WIDTHS, ratio=SMALL_RATIO)),
    "se": lambda n: SEModel(n, widths=SMALL_WIDTHS, ratio=SMALL_RATIO),
    "cbam": lambda n: CBAMModel(n, widths=SMALL_WIDTHS, ratio=SMALL_RATIO),
    "resnet": lambda n: CifarResNet(n, widths=RESNET_WIDTHS, depths=RESNET_DEPTHS),
    "se-resnet": lambda n: add_cbam(
        CifarResNet(n, widths=RESNET_WIDTHS, depths=RESNET_DEPTHS), RESNET_RATIO, attention="se"
    ),
    "cbam-resnet": lambda n: add_cbam(CifarResNet(n, widths=RESNET_WIDTHS, depths=RESNET_DEPTHS), RESNET_RATIO),
}


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
    Runs are ordered seed by seed, the models in the order of ``builders``. With ``$CBAM_RUN_CACHE`` set,
    a run identical to one already finished is loaded instead of trained (:mod:`cbam_lessons.run_cache`).
    """
    unknown = set(eval_sets) - {"val", "test"}
    if unknown or not eval_sets:
        raise ValueError(f"train_seeds: eval_sets must map 'val' and/or 'test' to datasets, got keys {sorted(eval_sets)}.")
    loaders = {split: make_loader(data, batch_size=500) for split, data in eval_sets.items()}
    device = torch.device(device) if device is not None else default_device()
    cache = run_cache.from_environment() if device.type == "cpu" else None  # only CPU runs are deterministic
    data = cache and {split: run_cache.fingerprint(d) for split, d in {"train": train_set, **eval_sets}.items()}
    runs = []
    bar = tqdm(total=len(seeds) * len(builders), desc="runs", disable=not progress_enabled(progress))
    for seed in seeds:
        for name, build in builders.items():
            bar.set_postfix_str(f"{name}, seed {seed}")
            seed_everything(seed)
            network = build()
            key = cache and cache.key(network, seed=seed, data=data, epochs=epochs, lr=lr, batch_size=batch_size,
                                      per_epoch=per_epoch, device=str(device))
            done = cache and cache.load(key, network.to(device))
            if not done:
                done = _train_once(network, train_set, loaders, seed, epochs, lr, batch_size, per_epoch, device)
                if cache:
                    cache.store(key, network, **done)
            runs.append(Run(name, seed, done["accuracy"], parameter_count(network), done["seconds"], done["history"],
                            network if keep_models else None))
            bar.update()
    bar.close()
    return runs


def _train_once(network, train_set, loaders, seed, epochs, lr, batch_size, per_epoch, device) -> dict:
    """Train ``network`` once with ``seed``'s batch order; its accuracy on each loader, history and seconds."""
    start = time.perf_counter()
    history = fit(
        network, make_loader(train_set, batch_size, shuffle=True, seed=seed), epochs=epochs, lr=lr,
        device=device, progress=False,
        **({f"{split}_loader": loader for split, loader in loaders.items()} if per_epoch else {}),
    )
    seconds = time.perf_counter() - start
    if per_epoch:
        accuracy = {split: history[-1][f"{split}_accuracy"] for split in loaders}
    else:
        accuracy = {split: evaluate(network, loader) for split, loader in loaders.items()}
    return {"accuracy": accuracy, "history": history, "seconds": seconds}


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
) -> str:
    """A text table: each model's accuracy (mean ± sd, per seed) and its paired gap to ``baseline``.

    Gaps are in percentage points with their 95 % interval (:func:`paired_gap`), marked beyond or
    within the seed-to-seed noise. ``names`` overrides the display names (default: the label map).
    """
    if baseline not in accuracy:
        raise ValueError(f"comparison_table: baseline {baseline!r} is not among the models {list(accuracy)}.")
    show = {m: (names or {}).get(m, label(m, lang)) for m in accuracy}
    name_w = max(max(map(width, show.values())) + 2, 16)
    seeds_w = 7 * len(accuracy[baseline]) + 2
    gap_head = label("gap", lang, baseline=show[baseline])
    head = pad(label("model", lang), name_w)
    if parameters is not None:
        head += pad(label("parameters", lang), 12, ">")
    head += pad(label("accuracy", lang), 17, ">") + "  " + pad(label("seeds", lang), seeds_w) + gap_head
    lines = [head]
    for model, values in accuracy.items():
        row = pad(show[model], name_w)
        if parameters is not None:
            row += f"{parameters[model]:12,d}"
        row += f"{mean_spread(values):>17s}  " + pad(" ".join(f"{v:.3f}" for v in values), seeds_w)
        if model == baseline:
            row += label("baseline", lang)
        else:
            gap = paired_gap([100 * v for v in values], [100 * v for v in accuracy[baseline]])
            verdict = label("beyond" if gap.beyond_noise else "within", lang)
            row += f"{gap.mean:+5.1f} [{gap.low:+5.1f}, {gap.high:+5.1f}]  {verdict}"
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


# --- the command line -------------------------------------------------------------------------------


def _seeds(text: str) -> list[int]:
    """'5' -> seeds 0..4; '0,3,7' -> those seeds."""
    most = 1 + max(T_95)
    try:
        values = [int(part) for part in text.split(",")] if "," in text else list(range(int(text)))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a number of seeds (e.g. 5) nor a list (e.g. 0,1,2)")
    if len(values) != len(set(values)) or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"seeds must be distinct and >= 0, got {text!r}")
    if not 2 <= len(values) <= most:
        raise argparse.ArgumentTypeError(
            f"need 2 to {most} seeds for a paired interval, got {len(values)} ({text!r}); e.g. --seeds 5"
        )
    return values


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cbam_lessons.experiment",
        description="Train models with the same seeds and compare them with paired 95 %% intervals.",
    )
    parser.add_argument("--data", choices=("shapes", "cifar10"), default="shapes")
    parser.add_argument("--data-dir", default="data", help="folder holding cifar-10-batches-py/ (cifar10 only)")
    parser.add_argument("--skip-checksums", action="store_true",
                        help="load a re-packed or reduced CIFAR-10 copy whose files differ from the official ones")
    parser.add_argument("--models", default="plain,se,cbam", help=f"comma-separated, from: {', '.join(MODELS)}")
    parser.add_argument("--baseline", help="model the others are compared with (default: the first)")
    parser.add_argument("--seeds", type=_seeds, default=_seeds("5"), help="a count (5: seeds 0-4) or a list (0,1,2)")
    parser.add_argument("--epochs", type=_positive, default=8)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--batch-size", type=_positive, default=128)
    parser.add_argument("--train-size", type=_positive, help="training images before the validation split "
                        "(shapes: default 3000; cifar10: default all 50,000)")
    parser.add_argument("--val-size", type=float, default=0.2, help="validation share (< 1) or count (default 0.2)")
    parser.add_argument("--test-size", type=_positive, default=1000, help="test images (shapes only)")
    parser.add_argument("--out", default="experiment-results", help="folder for runs.csv and runs.json")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the table")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar (default: on, off under CI or CBAM_PROGRESS=0)")
    return parser


def _datasets(args, parser) -> tuple[Dataset, Dataset, Dataset, int]:
    from .data import CIFAR10Unavailable, ShapesDataset, load_cifar10, train_val_split

    if args.data == "shapes":
        full, test = ShapesDataset(args.train_size or 3000, seed=0), ShapesDataset(args.test_size, seed=1)
        classes = len(full.classes)
    else:
        try:
            full = load_cifar10(args.data_dir, train=True, verify_md5=not args.skip_checksums)
            test = load_cifar10(args.data_dir, train=False, verify_md5=not args.skip_checksums)
        except CIFAR10Unavailable as err:
            hint = " On the command line, --skip-checksums stands for verify_md5=False." if "verify_md5" in str(err) else ""
            parser.exit(2, f"{parser.prog}: error: {err}{hint}\n")
        classes = len(full.classes)
        if args.train_size and args.train_size < len(full):
            full, _ = train_val_split(full, len(full) - args.train_size, seed=1)
    val_size = int(args.val_size) if args.val_size >= 1 else args.val_size
    try:
        train, val = train_val_split(full, val_size, seed=0)
    except ValueError as err:
        parser.error(str(err))
    return train, val, test, classes


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = [name for name in names if name not in MODELS]
    if unknown or not names:
        parser.error(f"unknown model {', '.join(map(repr, unknown)) or '(none given)'}; choose from {', '.join(MODELS)}")
    if len(set(names)) != len(names):
        parser.error(f"each model once, please: got {args.models!r}")
    baseline = args.baseline or names[0]
    if baseline not in names:
        parser.error(f"--baseline {baseline!r} must be one of --models ({', '.join(names)})")
    if not args.lr > 0:
        parser.error(f"--lr must be positive, got {args.lr}")
    train, val, test, classes = _datasets(args, parser)
    print(f"{args.data}: {len(train)} training, {len(val)} validation, {len(test)} test images; "
          f"seeds {','.join(map(str, args.seeds))}; {args.epochs} epochs, lr {args.lr}")
    runs = train_seeds(
        {name: (lambda name=name: MODELS[name](classes)) for name in names}, train, {"val": val, "test": test},
        seeds=args.seeds, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, progress=args.progress,
    )
    params = {run.model: run.parameters for run in runs}
    for split in ("val", "test"):
        print(f"\n{split}:")
        print(comparison_table(accuracies(runs, split), baseline, parameters=params, lang=args.lang))
    for path in write_runs(runs, args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
