"""Measuring speed and memory the way the book does: medians, one run, ratios, saved tensors.

- :func:`median_seconds`: median wall time of a statement with ``torch.utils.benchmark``, which warms
  up, synchronises CUDA and repeats until ``min_run_time`` has passed.
- :func:`elementwise_floor`: the time of one elementwise pass over a tensor (read it once, write once),
  the unit in which memory-bound work such as CBAM's is best expressed.
- :func:`saved_bytes`: the bytes of the tensors autograd keeps for backward while a function builds its
  graph, the activation memory, counted the same way on every device.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.utils.benchmark as benchmark


def median_seconds(stmt: str, min_run_time: float = 1.0, **names) -> float:
    """Median seconds of ``stmt`` (a Python statement using ``names``), measured in blocks."""
    timer = benchmark.Timer(stmt, globals=names, num_threads=torch.get_num_threads())
    return timer.blocked_autorange(min_run_time=min_run_time).median


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
