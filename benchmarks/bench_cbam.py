"""Benchmark CBAM implementations: forward + backward time, activation memory, whole training steps.

Run with `make bench` (or `python benchmarks/bench_cbam.py [--quick] [--no-compile]`). Everything is
measured in one process and one run; absolute times are machine-specific, ratios are what to compare.

- Blocks: the seed article's classes, the package's eager `CBAMBlock`, the eager block with the seed's
  max pools (a diagnostic: it shows what the eager block's `amax` costs), the package's `FastCBAMBlock`
  and `CompiledCBAMBlock` (torch.compile, through `compile_cbam`), and timm's `CbamModule` (when timm is
  installed), all with the same weights where the layouts allow it (timm's differ: it has a BatchNorm).
  Each is timed as `block(x).backward(g)` with `torch.utils.benchmark`, in several rounds that take the
  implementations in turn; "vs seed" is the median of the per-round ratios, with their range.
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
from statistics import median

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import seed_cbam  # noqa: E402  the seed article's classes, kept for tests and benchmarks

import cbam_lessons as cl  # noqa: E402
from cbam_lessons.benchmark import (  # noqa: E402
    elementwise_floor,
    interleaved_seconds,
    print_train_table,
    ratio_summary,
    saved_bytes,
    train_step_rows,
)
from cbam_lessons.fast import FastCBAMBlock, compile_cbam  # noqa: E402

SHAPES = [(32, 64, 32), (32, 256, 16), (32, 512, 8)]  # (N, C, H = W)


class EagerWithSeedMaxPools(cl.CBAMBlock):
    """The package's eager block with the seed's max pools: adaptive_max_pool2d and torch.max.

    Both return indices and send the whole gradient to one element, where ``amax`` splits it between
    tied maxima; the outputs are identical. Timing this block next to the eager one isolates the cost
    of that choice.
    """

    def forward(self, x):
        ca, sa = self.ca, self.sa
        f1 = x * ca.sigmoid(ca.mlp(x.mean(dim=(2, 3), keepdim=True)) + ca.mlp(F.adaptive_max_pool2d(x, 1)))
        pooled = torch.cat([f1.mean(dim=1, keepdim=True), torch.max(f1, dim=1, keepdim=True).values], dim=1)
        return f1 * sa.sigmoid(sa.conv1(pooled))


def timm_block(channels: int):
    try:
        from timm.layers.cbam import CbamModule
    except ImportError:
        return None
    return CbamModule(channels)


def block_rows(shapes, device, min_run_time, rounds=3, compiled=False):
    rows = []
    for n, c, hw in shapes:
        torch.manual_seed(0)
        x = torch.randn(n, c, hw, hw, device=device, requires_grad=True)
        g = torch.randn(n, c, hw, hw, device=device)
        seed = seed_cbam.CBAMBlock(c).to(device)
        blocks = {"seed": seed, "eager": cl.CBAMBlock(c), "eager, seed's max pools": EagerWithSeedMaxPools(c),
                  "fast": FastCBAMBlock(c)}
        if compiled:
            blocks["compiled"] = compile_cbam(cl.CBAMBlock(c))  # becomes a CompiledCBAMBlock
        for name, block in blocks.items():
            if name != "seed":
                block.to(device).load_state_dict(seed.state_dict())
            block(x).backward(g)  # compiles the compiled block now, not inside the timing
        timm = timm_block(c)
        if timm is not None:
            blocks["timm"] = timm.to(device)
        reference = seed(x).detach()  # with autograd on, as timed: no recompilation of the compiled block
        agreement = {name: (b(x).detach() - reference).abs().max().item() for name, b in blocks.items() if name != "timm"}
        floor = elementwise_floor(x, min_run_time)
        seconds = interleaved_seconds({name: lambda b=b: b(x).backward(g) for name, b in blocks.items()},
                                      rounds, min_run_time)
        for name, (vs_seed, low, high) in ratio_summary(seconds, "seed").items():
            ms = 1e3 * median(seconds[name])
            rows.append(dict(
                shape=f"{n}x{c}x{hw}x{hw}", impl=name, ms=ms, vs_seed=vs_seed, vs_seed_range=(low, high),
                floors=ms / 1e3 / floor,
                memory=saved_bytes(lambda b=blocks[name]: b(x)) / (x.numel() * x.element_size()),
                max_diff=agreement.get(name, float("nan")),
            ))
    return rows


def print_block_table(rows):
    print(f"{'shape':14s}{'implementation':25s}{'ms':>8s}{'vs seed':>9s}{'(range)':>13s}{'floors':>8s}"
          f"{'saved/x':>9s}{'|out - seed|':>14s}")
    for r in rows:
        low, high = r["vs_seed_range"]
        print(f"{r['shape']:14s}{r['impl']:25s}{r['ms']:8.2f}{r['vs_seed']:8.2f}x{f'{low:.2f}..{high:.2f}':>13s}"
              f"{r['floors']:8.1f}{r['memory']:9.2f}{r['max_diff']:14.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short measurements (for a smoke test)")
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile (it needs a C++ compiler)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of interleaved measurements")
    args = parser.parse_args(argv)
    device = cl.default_device()
    min_run_time, rounds = (0.1, 1) if args.quick else (0.5, args.rounds)
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, {rounds} rounds"
          + ("" if timm_block(8) is not None else "; timm not installed (pip install -r benchmarks/requirements.txt)"))
    print("\nCBAM block, forward + backward (medians; floor = one elementwise pass over x)")
    print_block_table(block_rows(SHAPES, device, min_run_time, rounds, compiled=not args.no_compile))
    print("\nTraining step at 32x32 (forward, backward, SGD), batch 64")
    print_train_table(train_step_rows(device, 64, min_run_time, rounds, compiled=not args.no_compile))


if __name__ == "__main__":
    main()
