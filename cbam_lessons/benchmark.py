"""Measuring speed and memory the way the book does: medians, one run, ratios, saved tensors.

- :func:`median_seconds`: median wall time of a statement with ``torch.utils.benchmark``, which warms
  up, synchronises CUDA and repeats until ``min_run_time`` has passed.
- :func:`interleaved_seconds` / :func:`ratio_summary`: several candidates measured in rounds, in turn,
  and their speed relative to a baseline as the median (and range) of the per-round ratios.
- :func:`elementwise_floor`: the time of one elementwise pass over a tensor (read it once, write once),
  the unit in which memory-bound work such as CBAM's is best expressed.
- :func:`saved_bytes`: the bytes of the tensors autograd keeps for backward while a function builds its
  graph, the activation memory, counted the same way on every device.
- :func:`profile_table`: the operations that take the time, from PyTorch's profiler.
- :func:`train_step_rows` / :func:`print_train_table`: whole training steps of CBAMModel vs PlainModel
  and CBAM-ResNet-18 vs ResNet-18 at 32x32, eager, fast and (optionally) compiled.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
from collections.abc import Callable
from statistics import median

import torch
import torch.nn.functional as F
import torchvision

# torch.utils.benchmark imports torch.utils.cpp_extension, which logs a warning about CUDA_HOME on
# machines without CUDA. It says nothing about timing, so keep it out of notebooks' outputs.
logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
import torch.utils.benchmark as benchmark  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

from .fast import compile_cbam, use_fast_cbam
from .labels import label, pad
from .nets.models import CBAMModel, PlainModel
from .nets.resnet import add_cbam


def median_seconds(stmt: str, min_run_time: float = 1.0, **names) -> float:
    """Median seconds of ``stmt`` (a Python statement using ``names``), measured in blocks."""
    timer = benchmark.Timer(stmt, globals=names, num_threads=torch.get_num_threads())
    return timer.blocked_autorange(min_run_time=min_run_time).median


def interleaved_seconds(
    runs: dict[str, Callable[[], object]], rounds: int = 3, min_run_time: float = 0.5
) -> dict[str, list[float]]:
    """Median seconds of every ``runs[name]()``, once per round, the candidates taken in turn.

    A machine drifts while it is measured: other programs, its clock, the allocator's state. Rounds
    that measure every candidate, each starting with a different one, expose all of them to the same
    drift, and ratios taken within a round cancel most of it (see :func:`ratio_summary`).
    """
    names = list(runs)
    seconds = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            seconds[name].append(median_seconds("run()", min_run_time, run=runs[name]))
    return seconds


def ratio_summary(seconds: dict[str, list[float]], baseline: str) -> dict[str, tuple[float, float, float]]:
    """Speed of each candidate relative to ``baseline`` (> 1: faster): median, min and max over rounds."""
    summary = {}
    for name, times in seconds.items():
        ratios = [base / t for base, t in zip(seconds[baseline], times)]
        summary[name] = (median(ratios), min(ratios), max(ratios))
    return summary


def elementwise_floor(x: torch.Tensor, min_run_time: float = 0.5) -> float:
    """Median seconds of one pass that reads ``x`` once and writes a tensor of its size once."""
    out = torch.empty_like(x)
    return median_seconds("torch.mul(x, 1.0, out=out)", min_run_time, torch=torch, x=x.detach(), out=out)


def saved_bytes(build: Callable[[], object]) -> int:
    """Bytes of the tensors autograd saves for backward while ``build()`` runs."""
    total = 0

    def pack(t):
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        build()
    return total


@contextlib.contextmanager
def _silenced_stderr():
    """Send file descriptor 2 to /dev/null: the profiler's C++ code logs start/stop lines there."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def profile_table(run: Callable[[], object], repeats: int = 5, rows: int = 8, lang: str = "en") -> str:
    """Run ``run()`` ``repeats`` times under the profiler; the ``rows`` operations with most own time.

    One row per operation: its share of all operations' own time, its own time and its time with what it
    calls (ms, over the ``repeats`` runs) and how often it ran; narrower than the profiler's own table, so
    it prints on a page. On a GPU the times are the device's.
    """
    cuda = torch.cuda.is_available()
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with _silenced_stderr(), profile(activities=activities) as prof:
        for _ in range(repeats):
            run()
    own, total = ("self_device_time_total", "device_time_total") if cuda else ("self_cpu_time_total", "cpu_time_total")
    events = sorted(prof.key_averages(), key=lambda e: getattr(e, own), reverse=True)
    everything = sum(getattr(e, own) for e in events) or 1.0
    heads = [(label("operation", lang), 34, "<"), (label("own-share", lang), 10, ">"), (label("own-ms", lang), 10, ">"),
             (label("total-ms", lang), 15, ">"), (label("calls", lang), 10, ">")]
    lines = ["".join(pad(text, w, align) for text, w, align in heads)]
    for e in events[:rows]:
        lines.append(pad(e.key[:33], 34) + f"{100 * getattr(e, own) / everything:9.1f}%{getattr(e, own) / 1e3:10.1f}"
                     f"{getattr(e, total) / 1e3:15.1f}{e.count:10d}")
    lines.append(label("own-total", lang, ms=everything / 1e3, repeats=repeats))
    return "\n".join(lines)


def train_step_rows(
    device: torch.device,
    batch: int = 64,
    min_run_time: float = 1.0,
    rounds: int = 3,
    compiled: bool = False,
    models: dict[str, tuple[Callable[[], torch.nn.Module], str]] | None = None,
    num_classes: int = 10,
) -> list[dict]:
    """One SGD step per model at 32x32: median ms, extra time over its baseline, activation MiB.

    ``models`` maps a name to (build, the name of the baseline it is compared with); the default is
    CBAMModel vs PlainModel and CBAM-ResNet-18 vs ResNet-18 (10 classes), eager and fast.

    The models are measured in interleaved rounds (:func:`interleaved_seconds`); ``extra`` is the median
    over rounds of (model's time / baseline's time - 1), with its range. ``compiled=True`` adds the
    CBAM models with :func:`~cbam_lessons.fast.compile_cbam` (needs a C++ compiler on a CPU; compiling
    takes a while). On CUDA ``peak_mib`` is the allocator's peak during the model's first steps.
    """
    def resnet18(cbam):
        model = torchvision.models.resnet18(num_classes=10)
        return add_cbam(model) if cbam else model

    default = {  # name: (build, the attention-free baseline it is compared with)
        "PlainModel": (lambda: PlainModel(10), "PlainModel"),
        "CBAMModel": (lambda: CBAMModel(10), "PlainModel"),
        "CBAMModel, fast": (lambda: use_fast_cbam(CBAMModel(10)), "PlainModel"),
        "ResNet-18": (lambda: resnet18(False), "ResNet-18"),
        "CBAM-ResNet-18": (lambda: resnet18(True), "ResNet-18"),
        "CBAM-ResNet-18, fast": (lambda: use_fast_cbam(resnet18(True)), "ResNet-18"),
    }
    models = dict(models if models is not None else default)
    if compiled:
        models["CBAMModel, compiled"] = (lambda: compile_cbam(CBAMModel(10)), "PlainModel")
        models["CBAM-ResNet-18, compiled"] = (lambda: compile_cbam(resnet18(True)), "ResNet-18")
    x = torch.randn(batch, 3, 32, 32, device=device)
    y = torch.randint(0, num_classes, (batch,), device=device)
    steps, rows = {}, []
    for name, (make, baseline) in models.items():
        torch.manual_seed(0)
        model = make().to(device).train()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

        def step(model=model, optimizer=optimizer):
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            optimizer.step()

        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        step()  # compiles the compiled models now, outside the timing
        step()
        peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else float("nan")
        activations = saved_bytes(lambda model=model: F.cross_entropy(model(x), y)) / 2**20
        steps[name] = step
        rows.append(dict(model=name, baseline=baseline, activations_mib=activations, peak_mib=peak))
    seconds = interleaved_seconds(steps, rounds, min_run_time)
    for row in rows:
        name, baseline = row["model"], row["baseline"]
        extra = [t / base - 1 for t, base in zip(seconds[name], seconds[baseline])]
        row.update(ms=1e3 * median(seconds[name]), extra=median(extra), extra_range=(min(extra), max(extra)))
    return rows


def print_train_table(rows: list[dict], lang: str = "en") -> None:
    """Print :func:`train_step_rows`: each model's extra time over its attention-free baseline.

    ``lang`` ("en" or "zh") picks the headings and the variant names (", fast" is "，快速块" in Chinese).
    """
    heads = ("ms-per-step", "vs-base", "range", "activations-mib", "cuda-peak-mib")
    widths = (9, 9, 15, 17, 15)
    print(pad(label("model", lang), 26) + "".join(pad(label(h, lang), w, ">") for h, w in zip(heads, widths)))
    for r in rows:
        low, high = r["extra_range"]
        spread = f"{low:+.0%}..{high:+.0%}"
        model, _, variant = r["model"].partition(", ")
        if variant:
            model += label("list-separator", lang) + label(variant, lang)
        peak = label("not-measured", lang) if math.isnan(r["peak_mib"]) else f"{r['peak_mib']:.1f}"  # no CUDA device
        print(pad(model, 26) + f"{r['ms']:9.1f}{r['extra']:+9.0%}{spread:>15s}{r['activations_mib']:17.1f}{peak:>15s}")
