"""Recorded runs: the runner that trains an experiment spec into a log, and the log the chapters read.

A log (``cbam_lessons/experiment/runlogs/NAME.json``, committed) holds the spec, every run's per-epoch metrics, its
final accuracies and seconds, the numerics fingerprint it ran under (:mod:`cbam_lessons.numerics`) and a
hash of the package code that affects training (:func:`code_hash`). ``python -m cbam_lessons.experiment
run NAME`` (or ``make experiments``) writes it, resumably: a run already in the log is not trained again.
A chapter loads the log with :func:`load`, computes its tables from it, and re-trains a few of its runs
(:meth:`Log.retrain`): under the reference profile they must come out bit for bit as logged.
"""

from __future__ import annotations

import ast
import hashlib
import json
import multiprocessing
import os
import statistics
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch
from tqdm.auto import tqdm

from .. import numerics
from ..labels import label
from .specs import SPECS, RunKey, choose_settings, final_keys, grid_keys, key_of, train_key
from .train import progress_enabled, seed_everything

PACKAGE = Path(__file__).resolve().parents[1]
LOGS = Path(__file__).resolve().parent / "runlogs"
#: The package files whose code decides what a training run computes: the networks, the data, the loop, the specs.
TRAINING_FILES = (
    "channel_attention.py", "spatial_attention.py", "cbam_block.py", "nets/pooling_head.py", "nets/models.py",
    "nets/residual.py", "nets/resnet.py", "nets/cifar_resnet.py", "experiment/train.py", "experiment/specs.py",
    "data/shapes.py", "data/split.py",
)


#: Off the reference profile a re-trained run's first epoch must stay this close to the log's, in mean training
#: loss (about 1.5 then). Measured under the perturbed profile (one thread, no vectorisation) on 6 runs of
#: chapter 4: at most 7.4e-4; later epochs drift further, as training amplifies every rounding difference.
PORTABLE_LOSS_TOLERANCE = 0.02


class StaleLog(RuntimeError):
    """A log computed by other code than the package's."""


class RunMismatch(RuntimeError):
    """A re-trained run that differs from its log under the reference profile."""


def _code_only(source: str) -> str:
    """The module's syntax tree without docstrings: comments and docs can change without making logs stale."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def code_hash(package: Path = PACKAGE) -> str:
    """A hash of the code of :data:`TRAINING_FILES` in ``package`` (docstrings and comments excluded)."""
    digest = hashlib.sha256()
    for name in TRAINING_FILES:
        digest.update(name.encode())
        digest.update(_code_only((package / name).read_text(encoding="utf-8")).encode())
    return digest.hexdigest()[:16]


def same_network(build, logged, seed: int = 0) -> bool:
    """Whether two builders give the same network from the same seed: the same keys and initial weights.

    The chapters write their models out in full and check them against the builders the logged runs used.
    """
    seed_everything(seed)
    ours = build().state_dict()
    seed_everything(seed)
    theirs = logged().state_dict()
    return ours.keys() == theirs.keys() and all(torch.equal(ours[k], theirs[k]) for k in ours)


def _train_in_worker(name: str, key: RunKey) -> dict:
    torch.set_num_threads(int(numerics.PROFILE["OMP_NUM_THREADS"]))
    return train_key(SPECS[name], key, device="cpu")


def _selected(keys: list[RunKey], only: list[str] | None) -> list[RunKey]:
    """The keys that ``only`` names: "model" or "model:seed"."""
    if not only:
        return keys
    wanted = [item.split(":") for item in only]
    return [k for k in keys if any(w[0] == k.model and (len(w) == 1 or w[1] == str(k.seed)) for w in wanted)]


def path_of(name: str, folder: Path | None = None) -> Path:
    """Where the log of experiment ``name`` lives: in ``folder``, by default the package's committed logs."""
    return (folder or LOGS) / f"{name}.json"


def _write(path: Path, log: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")
    partial.replace(path)  # an interrupted write leaves the previous log whole


def run(name: str, *, only: list[str] | None = None, jobs: int = 1, progress: bool | None = None,
        folder: Path | None = None) -> Path:
    """Train every run of spec ``name`` that its log lacks (the grid first, then the final runs) into the log.

    ``only`` restricts the runs to some models or "model:seed" pairs; ``jobs`` trains that many runs at once
    (one thread each). Returns the log's path. A log made by other code, under another spec or under another
    numerics fingerprint (another machine) starts afresh.
    """
    if name not in SPECS:
        raise ValueError(f"no experiment named {name!r}; choose from {', '.join(SPECS)}")
    spec = SPECS[name]
    path = path_of(name, folder)
    log = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    fresh = {"name": name, "spec": spec.describe(), "code_hash": code_hash(), "numerics": numerics.fingerprint(),
             "runs": []}
    # A log resumes only where it started: its runs must come from one code, one spec and one machine's numerics.
    if log is None or any(log[key] != fresh[key] for key in ("code_hash", "spec", "numerics")):
        log = fresh
    done = {key_of(r) for r in log["runs"]}
    # One job trains in this process; more train in fresh processes (spawned: no state shared with this one).
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) if jobs > 1 else None

    def train(keys):
        if pool:
            return pool.map(_train_in_worker, [name] * len(keys), keys)
        return (train_key(spec, key, device="cpu") for key in keys)

    try:
        for phase in ("grid", "final"):
            try:
                keys = grid_keys(spec) if phase == "grid" else final_keys(spec, choose_settings(spec, log["runs"]))
            except ValueError:  # --only left the grid incomplete: its final runs cannot be chosen yet
                break
            todo = [k for k in _selected(keys, only) if k not in done]
            bar = tqdm(total=len(todo), desc=f"{name}: {phase} runs", disable=not progress_enabled(progress))
            for record in train(todo):
                log["runs"].append(record)
                done.add(key_of(record))
                _write(path, log)
                bar.set_postfix_str(f"{record['model']}, seed {record['seed']}")
                bar.update()
            bar.close()
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    order = {k: i for i, k in enumerate(grid_keys(spec) + final_keys(spec, choose_settings(spec, log["runs"])))} \
        if not only else None
    if order is not None:
        log["runs"].sort(key=lambda r: order.get(key_of(r), len(order)))
    _write(path, log)
    return path


# --- reading a log ---------------------------------------------------------------------------------------


class Log:
    """A finished experiment: its spec, its runs, and the accessors the chapters use."""

    def __init__(self, data: dict):
        self.data = data
        self.name = data["name"]
        self.spec = SPECS[self.name]
        self.runs = data["runs"]

    @property
    def seeds(self) -> list[int]:
        return list(self.data["spec"]["seeds"])

    @property
    def family(self) -> list[tuple[str, str]]:
        return [tuple(pair) for pair in self.data["spec"]["family"]]

    def final(self, model: str, seed: int) -> dict:
        return next(r for r in self.runs if r["phase"] == "final" and r["model"] == model and r["seed"] == seed)

    def accuracy(self, split: str = "test") -> dict[str, list[float]]:
        """Model -> its final runs' accuracies on ``split``, in the order of the seeds."""
        return {model: [self.final(model, seed)["accuracy"][split] for seed in self.seeds] for model in self.spec.models}

    def parameters(self) -> dict[str, int]:
        return {model: self.final(model, self.seeds[0])["parameters"] for model in self.spec.models}

    def settings(self) -> dict[str, tuple[float, int]]:
        return choose_settings(self.spec, self.runs)

    def grid_scores(self) -> dict[str, dict[tuple[float, int], float]]:
        """Model -> (lr, epochs) -> mean validation accuracy over the grid's seeds."""
        scores: dict[str, dict[tuple[float, int], list[float]]] = {}
        for r in self.runs:
            if r["phase"] == "grid":
                scores.setdefault(r["model"], {}).setdefault((r["lr"], r["epochs"]), []).append(r["accuracy"]["val"])
        return {m: {s: statistics.mean(v) for s, v in by.items()} for m, by in scores.items()}

    def seconds(self) -> float:
        return sum(r["seconds"] for r in self.runs)

    def describe(self, lang: str = "en") -> str:
        """Where the numbers come from: the runs, the seeds, the machine and whether the code still matches."""
        found = self.data["numerics"]
        grid = sum(r["phase"] == "grid" for r in self.runs)
        return label("log", lang, name=self.name, finals=len(self.runs) - grid, models=len(self.spec.models),
                     seeds=len(self.seeds), grid=label("log-grid", lang, runs=grid) if grid else "",
                     minutes=f"{self.seconds() / 60:.0f}", torch=found["torch"], cpu=found["cpu"],
                     capability=found["capability"], threads=found["threads"], code=self.data["code_hash"]) \
            + label("log-current" if self.data["code_hash"] == code_hash() else "log-stale", lang)

    def retrain(self, picks: list[tuple[str, int]], device=None, lang: str = "en") -> dict[tuple[str, int], torch.nn.Module]:
        """Train the final runs ``picks`` [(model, seed), ...] again; compare each with the log.

        Under the reference profile on the CPU every epoch's loss and accuracies must equal the log's;
        elsewhere the first epoch's loss must be within :data:`PORTABLE_LOSS_TOLERANCE` of it, and the other
        differences are printed (in ``lang``). RunMismatch otherwise. Returns the trained networks.
        """
        from ..device import default_device

        device = torch.device(device) if device is not None else default_device()
        strict = numerics.is_reference() and device.type == "cpu"
        networks = {}
        for model, seed in picks:
            logged = self.final(model, seed)
            record = train_key(self.spec, key_of(logged), device=device, keep=True)
            networks[model, seed] = record.pop("network")
            diff = max(abs(a[k] - b[k]) for a, b in zip(record["history"], logged["history"]) for k in a if k != "epoch")
            diff = max(diff, abs(record["accuracy"]["test"] - logged["accuracy"]["test"]))
            first = abs(record["history"][0]["loss"] - logged["history"][0]["loss"])
            if diff == 0:
                print(label("retrained-same", lang, model=label(model, lang), seed=seed))
                continue
            problem = (f"{self.name}: re-training {model} with seed {seed} differs from the log by up to {diff:.2e}"
                       f" (first epoch's loss: {first:.2e})")
            if strict:
                raise RunMismatch(f"{problem} under the reference profile. The training code or the numerics changed: "
                                  f"run `make experiments NAME={self.name}`.")
            if first > PORTABLE_LOSS_TOLERANCE:
                raise RunMismatch(f"{problem}, more than the portable tolerance {PORTABLE_LOSS_TOLERANCE} for the first "
                                  f"epoch's loss: this is not a rounding difference.")
            why = "; ".join(numerics.mismatches()) if device.type == "cpu" else f"on {device.type}"
            print(label("retrained-close", lang, model=label(model, lang), seed=seed, first=first, later=diff, why=why))
        return networks


def load(name: str, folder: Path | None = None) -> Log:
    """The committed log of experiment ``name``; StaleLog if the package's training code has changed since."""
    path = path_of(name, folder)
    if not path.exists():
        raise FileNotFoundError(f"no log for {name!r} at {path}: run `make experiments NAME={name}`")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["code_hash"] != code_hash():
        raise StaleLog(f"results are stale: {path.name} was computed by other training code than the package's; "
                       f"run `make experiments NAME={name}`")
    if data["spec"] != SPECS[name].describe():
        raise StaleLog(f"results are stale: the spec of {name} changed since {path.name} was written; "
                       f"run `make experiments NAME={name}`")
    spec, logged = SPECS[name], {key_of(r) for r in data["runs"]}
    try:
        expected = grid_keys(spec) + final_keys(spec, choose_settings(spec, data["runs"]))
    except ValueError:  # the grid is incomplete
        expected = grid_keys(spec)
    missing = [k for k in expected if k not in logged]
    if missing or len(logged) < len(spec.models) * len(spec.seeds):
        raise StaleLog(f"the log of {name} is incomplete ({len(logged)} runs; {len(missing) or 'the final'} runs "
                       f"missing): run `make experiments NAME={name}`, which resumes where it stopped")
    return Log(data)


def rerun(name: str, jobs: int | None = None) -> Log:
    """Train the whole experiment again here, into a fresh log in a temporary folder, and return it."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=f"cbam-{name}-"))
    run(name, jobs=jobs or max(1, (os.cpu_count() or 1)), folder=folder)
    return Log(json.loads(path_of(name, folder).read_text(encoding="utf-8")))
