"""Train models with the same seeds, compare them seed by seed, and run the book's recorded experiments.

    python -m cbam_lessons.experiment list                       # the book's experiments and their logs
    python -m cbam_lessons.experiment run ch4-small-models --jobs 2 [--only cbam,plain:3]
    python -m cbam_lessons.experiment verify ch4-small-models --only cbam:0   # re-train, compare with the log
    python -m cbam_lessons.experiment compare --data shapes --models plain,se,cbam --seeds 5 --epochs 8
    python -m cbam_lessons.experiment compare --data cifar10 --data-dir data --models resnet,se-resnet,cbam-resnet --seeds 3 --epochs 30

``run`` trains a spec of :mod:`cbam_lessons.specs` into its committed log (:mod:`cbam_lessons.runlog`), under the
reference numerics profile (:mod:`cbam_lessons.numerics`; the command re-executes itself under it).
``compare`` trains any models once per seed with :func:`cbam_lessons.train.fit` (the seed fixes the
initial weights of the layers the models share and the batch order), scores them on a validation split
carved out of the training data and on the test set, prints the paired table and writes ``runs.csv`` and
``runs.json``. CIFAR-10 must be on disk (see :func:`cbam_lessons.data.load_cifar10`): the book's machines
have no internet, so the book quotes no CIFAR-10 result; that run is for the reader.

The chapters use :func:`train_seeds`, :func:`accuracies` and :func:`comparison_table` directly.
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

from . import numerics
from .device import default_device
from .labels import label, pad, width
from .models import parameter_count
from .specs import MODELS, RESNET_WIDTHS, SMALL_RATIO, SMALL_WIDTHS, SPECS  # noqa: F401 - names the chapters import
from .stats import T_95, mean_spread, paired_gap
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

    Each gap has its 95 % interval (:func:`paired_gap`). With ``comparisons`` = m > 1 (the size of the
    chapter's declared family) a second interval, Bonferroni's over the family, follows, and the verdict
    (beyond or within the noise) is that interval's. ``per_seed`` lists every seed's accuracy (default: up
    to 5 seeds). ``names`` overrides the display names (default: the label map).
    """
    if baseline not in accuracy:
        raise ValueError(f"comparison_table: baseline {baseline!r} is not among the models {list(accuracy)}.")
    show = {m: (names or {}).get(m, label(m, lang)) for m in accuracy}
    per_seed = len(accuracy[baseline]) <= 5 if per_seed is None else per_seed
    name_w = max(max(map(width, show.values())) + 2, 16)
    seeds_w = 7 * len(accuracy[baseline]) + 2
    gap_w = max(width(label("gap", lang, baseline=show[baseline])), 20) + 2
    head = pad(label("model", lang), name_w)
    if parameters is not None:
        head += pad(label("parameters", lang), 12, ">")
    head += pad(label("accuracy", lang), 17, ">") + "  "
    if per_seed:
        head += pad(label("seeds", lang), seeds_w)
    head += pad(label("gap", lang, baseline=show[baseline]), gap_w)
    if comparisons > 1:
        head += label("corrected", lang, m=comparisons)
    lines = [head.rstrip()]
    for model, values in accuracy.items():
        row = pad(show[model], name_w)
        if parameters is not None:
            row += f"{parameters[model]:12,d}"
        row += f"{mean_spread(values):>17s}  "
        if per_seed:
            row += pad(" ".join(f"{v:.3f}" for v in values), seeds_w)
        if model == baseline:
            row += label("baseline", lang)
        else:
            points, base = [100 * v for v in values], [100 * v for v in accuracy[baseline]]
            gap = paired_gap(points, base)
            row += pad(f"{gap.mean:+5.1f} [{gap.low:+5.1f}, {gap.high:+5.1f}]", gap_w)
            if comparisons > 1:
                gap = paired_gap(points, base, comparisons=comparisons)
                row += f"[{gap.low:+5.1f}, {gap.high:+5.1f}]  "
            row += label("beyond" if gap.beyond_noise else "within", lang)
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
        description="Run the book's recorded experiments, or train any models with the same seeds and compare them.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the book's experiments and the state of their logs")
    for name, text in (("run", "train the runs its log lacks into cbam_lessons/runlogs/NAME.json"),
                       ("verify", "re-train runs of the log and compare them with it")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("names", nargs="+", metavar="NAME", help=f"one or more of: {', '.join(SPECS)}, or all")
        sub.add_argument("--only", type=lambda t: [p for p in t.split(",") if p], default=None,
                         help="some of the runs: models or model:seed pairs, comma-separated (e.g. cbam:0,plain)")
        if name == "run":
            sub.add_argument("--jobs", type=_positive, default=1, help="runs trained at once, one thread each")
            sub.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                             help="progress bars (default: on, off under CI or CBAM_PROGRESS=0)")
    compare = commands.add_parser("compare", help="train --models with the same seeds; print the paired table")
    _compare_options(compare)
    return parser


def _compare_options(parser: argparse.ArgumentParser) -> None:
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


def _experiments(names: list[str], parser) -> list[str]:
    chosen = list(SPECS) if names == ["all"] else names
    unknown = [n for n in chosen if n not in SPECS]
    if unknown:
        parser.error(f"no experiment named {', '.join(map(repr, unknown))}; choose from {', '.join(SPECS)} or all")
    return chosen


def _list() -> int:
    from . import runlog

    current = runlog.code_hash()
    for name, spec in SPECS.items():
        path = runlog.path_of(name)
        if not path.exists():
            state = "no log yet"
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
            fresh = data["code_hash"] == current and data["spec"] == spec.describe()
            state = f"{len(data['runs'])} runs logged" + ("" if fresh else ", STALE: run it again")
        print(f"{name:18s} {spec.chapter:24s} {len(spec.models)} models x {len(spec.seeds)} seeds  {state}")
    return 0


def _verify(names: list[str], only: list[str] | None) -> int:
    from . import runlog

    print(numerics.describe())
    failed = 0
    for name in names:
        log = runlog.load(name)
        picks = [(m, s) for m in log.spec.models for s in log.seeds
                 if not only or any(o == m or o == f"{m}:{s}" for o in only)]
        try:
            log.retrain(picks if only else picks[:1])
        except runlog.RunMismatch as err:
            print(err)
            failed = 1
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.command == "list":
        return _list()
    if args.command in ("run", "verify"):
        names = _experiments(args.names, parser)
        numerics.reexec_under_profile("cbam_lessons.experiment", argv)  # returns when already under the profile
        if args.command == "verify":
            return _verify(names, args.only)
        from . import runlog

        print(numerics.describe())
        for name in names:
            start = time.perf_counter()
            path = runlog.run(name, only=args.only, jobs=args.jobs, progress=args.progress)
            print(f"{name}: {path} ({time.perf_counter() - start:.0f} s)")
        return 0
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
