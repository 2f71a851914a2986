"""Train models with the same seeds, compare them seed by seed, and run the book's recorded experiments.

    python -m cbam_lessons.experiment list                       # the book's experiments and their logs
    python -m cbam_lessons.experiment run ch4-small-models --jobs 2 [--only cbam,plain:3]
    python -m cbam_lessons.experiment verify ch4-small-models --only cbam:0   # re-train, compare with the log
    python -m cbam_lessons.experiment compare --data shapes --models plain,se,cbam --seeds 5 --epochs 8
    python -m cbam_lessons.experiment compare --data cifar10 --data-dir data --models resnet,se-resnet,cbam-resnet --seeds 3 --epochs 30

``run`` trains a spec of :mod:`cbam_lessons.experiment.specs` into its committed log (:mod:`cbam_lessons.experiment.runlog`), under the
reference numerics profile (:mod:`cbam_lessons.numerics`; the command re-executes itself under it).
``compare`` trains any models once per seed with :func:`cbam_lessons.experiment.train.fit` (the seed fixes the
initial weights of the layers the models share and the batch order), scores them on a validation split
carved out of the training data and on the test set, prints the paired table and writes ``runs.csv`` and
``runs.json``. CIFAR-10 must be on disk (see :func:`cbam_lessons.data.load_cifar10`): the book's machines
have no internet, so the book quotes no CIFAR-10 result; that run is for the reader.

The chapters use :func:`train_seeds`, :func:`accuracies` and :func:`comparison_table` directly.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from torch.utils.data import Dataset

from .. import numerics
from .compare import accuracies, comparison_table, train_seeds, write_runs
from .specs import MODELS, SPECS
from .stats import T_95

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
    for name, text in (("run", "train the runs its log lacks into cbam_lessons/experiment/runlogs/NAME.json"),
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
    from ..data import CIFAR10Unavailable, ShapesDataset, load_cifar10, train_val_split

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

