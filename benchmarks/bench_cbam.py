"""Benchmark CBAM implementations: forward + backward time, activation memory, whole training steps.

Run with `make bench` (or `python benchmarks/bench_cbam.py [--quick]`). Everything is measured in one
process and one run, so the ratios compare like with like; absolute times are machine-specific.

- Blocks: the seed article's classes, the package's eager `CBAMBlock`, timm's `CbamModule` (when
  timm is installed), the package's `FastCBAMBlock` and the eager block under `torch.compile`, all
  with the same weights where the layouts allow it (timm's differ: it has a BatchNorm). Time is the
  median of `torch.utils.benchmark` measurements of `block(x).backward(g)`.
- Floor: one elementwise pass over the same tensor (read once, write once). A CBAM forward reads its
  input at least three times and writes its output once: a forward pass alone costs at least ~4 floors.
- Activation memory: bytes of the tensors autograd keeps for backward (saved-tensor hooks), as a
  multiple of the input's size. Device-independent, unlike allocator statistics.
- Training steps: forward, backward and an SGD step, CBAMModel vs PlainModel and CBAM-ResNet-18 vs
  ResNet-18 at 32x32; on CUDA also the allocator's peak memory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import seed_cbam  # noqa: E402  the seed article's classes, kept for tests and benchmarks

import cbam_lessons as cl  # noqa: E402
from cbam_lessons.benchmark import (  # noqa: E402
    elementwise_floor,
    median_seconds,
    print_train_table,
    saved_bytes,
    train_step_rows,
)
from cbam_lessons.fast import FastCBAMBlock  # noqa: E402

SHAPES = [(32, 64, 32), (32, 256, 16), (32, 512, 8)]  # (N, C, H = W)


def timm_block(channels: int):
    try:
        from timm.layers.cbam import CbamModule
    except ImportError:
        return None
    return CbamModule(channels)


def block_rows(shapes, device, min_run_time, compiled=False):
    rows = []
    for n, c, hw in shapes:
        torch.manual_seed(0)
        x = torch.randn(n, c, hw, hw, device=device, requires_grad=True)
        g = torch.randn(n, c, hw, hw, device=device)
        seed = seed_cbam.CBAMBlock(c).to(device)
        blocks = {"seed": seed, "eager": cl.CBAMBlock(c).to(device), "fast": FastCBAMBlock(c).to(device)}
        for name in ("eager", "fast"):
            blocks[name].load_state_dict(seed.state_dict())
        if compiled:
            blocks["compiled"] = torch.compile(cl.CBAMBlock(c).to(device))  # eager block, fused by inductor
            blocks["compiled"]._orig_mod.load_state_dict(seed.state_dict())
            blocks["compiled"](x).backward(g)  # compile now, not inside the timing
        timm = timm_block(c)
        if timm is not None:
            blocks["timm"] = timm.to(device)
        reference = seed(x).detach()  # with autograd on, as timed: no recompilation of the compiled block
        agreement = {name: (b(x).detach() - reference).abs().max().item() for name, b in blocks.items() if name != "timm"}
        floor = elementwise_floor(x, min_run_time)
        times = {name: median_seconds("b(x).backward(g)", min_run_time, b=b, x=x, g=g) for name, b in blocks.items()}
        for name, seconds in times.items():
            rows.append(dict(
                shape=f"{n}x{c}x{hw}x{hw}", impl=name, ms=1e3 * seconds, vs_seed=times["seed"] / seconds,
                floors=seconds / floor, memory=saved_bytes(lambda b=blocks[name]: b(x)) / (x.numel() * x.element_size()),
                max_diff=agreement.get(name, float("nan")),
            ))
    return rows


def print_block_table(rows):
    print(f"{'shape':14s}{'impl':7s}{'ms':>9s}{'vs seed':>9s}{'floors':>8s}{'saved/x':>9s}{'|out - seed|':>14s}")
    for r in rows:
        print(f"{r['shape']:14s}{r['impl']:7s}{r['ms']:9.2f}{r['vs_seed']:8.2f}x{r['floors']:8.1f}{r['memory']:9.2f}"
              f"{r['max_diff']:14.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short measurements (for a smoke test)")
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile (it needs a C++ compiler)")
    args = parser.parse_args(argv)
    device = cl.default_device()
    min_run_time = 0.2 if args.quick else 2.0
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads"
          + ("" if timm_block(8) is not None else "; timm not installed (pip install -r benchmarks/requirements.txt)"))
    print("\nCBAM block, forward + backward (medians; floor = one elementwise pass over x)")
    print_block_table(block_rows(SHAPES, device, min_run_time, compiled=not args.no_compile))
    print("\nTraining step at 32x32 (forward, backward, SGD), batch 64")
    print_train_table(train_step_rows(device, 64, min_run_time))


if __name__ == "__main__":
    main()
