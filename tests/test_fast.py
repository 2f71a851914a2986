"""FastCBAMBlock: the eager block's function and gradients with less memory kept for backward."""

import sys
from pathlib import Path

import pytest
import torch

import cbam_lessons as cl
from cbam_lessons.benchmark import (
    elementwise_floor,
    median_seconds,
    print_train_table,
    profile_table,
    saved_bytes,
    train_step_rows,
)
from cbam_lessons.fast import FastCBAMBlock, use_fast_cbam

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def _pair(channels, ratio=4, kernel_size=7):
    eager = cl.CBAMBlock(channels, ratio, kernel_size).double()
    fast = FastCBAMBlock(channels, ratio, kernel_size).double()
    fast.load_state_dict(eager.state_dict())
    return eager, fast


def _grads(block, x, g):
    x = x.detach().clone().requires_grad_()
    block.zero_grad()
    out = block(x)
    out.backward(g)
    return out, x.grad, [p.grad.clone() for p in block.parameters()]


@pytest.mark.parametrize("shape, kernel_size", [((2, 16, 5, 7), 7), ((3, 32, 8, 8), 3), ((1, 8, 1, 1), 5)])
@pytest.mark.parametrize("relu", [False, True], ids=["unique maxima", "tied maxima"])
def test_outputs_and_gradients_equal_the_eager_block(shape, kernel_size, relu):
    torch.manual_seed(0)
    eager, fast = _pair(shape[1], kernel_size=kernel_size)
    x = torch.randn(shape, dtype=torch.float64)
    if relu:  # after a ReLU many positions are 0 in every channel: maxima are tied
        x = torch.relu(x - 0.5)
    g = torch.randn(shape, dtype=torch.float64)
    (out_e, dx_e, dw_e), (out_f, dx_f, dw_f) = _grads(eager, x, g), _grads(fast, x, g)
    torch.testing.assert_close(out_f, out_e, rtol=0, atol=1e-12)
    torch.testing.assert_close(dx_f, dx_e, rtol=0, atol=1e-12)
    for a, b in zip(dw_f, dw_e):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_gradcheck_against_finite_differences():
    torch.manual_seed(1)
    _, fast = _pair(8, ratio=2, kernel_size=3)
    x = torch.randn(2, 8, 4, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(fast, (x,))


def test_keeps_at_least_30_percent_less_for_backward_than_the_eager_block():
    eager, fast = cl.CBAMBlock(64), FastCBAMBlock(64)
    x = torch.randn(4, 64, 16, 16, requires_grad=True)
    fast_bytes, eager_bytes = saved_bytes(lambda: fast(x)), saved_bytes(lambda: eager(x))
    assert fast_bytes <= 0.7 * eager_bytes
    assert fast_bytes < 1.2 * x.numel() * x.element_size()  # little more than x itself


def test_accepts_channels_last_input_and_checks_shapes():
    eager, fast = _pair(16)
    x = torch.randn(2, 16, 6, 6, dtype=torch.float64).to(memory_format=torch.channels_last)
    torch.testing.assert_close(fast(x), eager(x))
    with pytest.raises(ValueError, match=r"FastCBAMBlock: expected shape \(N, 16, H, W\)"):
        fast(torch.randn(2, 8, 6, 6, dtype=torch.float64))


def test_use_fast_cbam_switches_only_paper_blocks_and_keeps_weights():
    model = cl.CBAMModel(6, widths=(8, 16, 32), ratio=4)
    model.cbam3 = cl.CBAMBlock(32, 4, arrangement="parallel")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(2, 3, 32, 32)
    expected = model.eval()(x)
    assert use_fast_cbam(model) is model
    assert [type(model.cbam1), type(model.cbam2), type(model.cbam3)] == [FastCBAMBlock, FastCBAMBlock, cl.CBAMBlock]
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    torch.testing.assert_close(model(x), expected)


def test_benchmark_script_runs_and_reports_every_implementation():
    import bench_cbam

    rows = bench_cbam.block_rows([(2, 16, 8)], torch.device("cpu"), min_run_time=0.01)
    impls = {r["impl"] for r in rows}
    assert {"seed", "eager", "fast"} <= impls
    by_impl = {r["impl"]: r for r in rows}
    assert by_impl["eager"]["max_diff"] < 1e-6 and by_impl["fast"]["max_diff"] < 1e-6
    assert by_impl["fast"]["memory"] < by_impl["seed"]["memory"]


def test_measurement_helpers():
    x = torch.randn(64, 64)
    assert 0 < elementwise_floor(x, min_run_time=0.01) < median_seconds("x.sum(); x.exp()", 0.01, x=x) * 100
    weight = torch.randn(64, 64, requires_grad=True)
    assert saved_bytes(lambda: (x @ weight).sum()) == x.numel() * 4  # matmul keeps its input for dW
    assert saved_bytes(lambda: x + 1) == 0


def test_training_step_benchmark_covers_both_pairs_and_counts_activations(capsys):
    rows = train_step_rows(torch.device("cpu"), batch=2, min_run_time=0.01)
    by_model = {r["model"]: r for r in rows}
    assert set(by_model) == {"PlainModel", "CBAMModel", "CBAMModel, fast", "ResNet-18", "CBAM-ResNet-18", "CBAM-ResNet-18, fast"}
    assert by_model["CBAMModel"]["activations_mib"] > by_model["CBAMModel, fast"]["activations_mib"] > by_model["PlainModel"]["activations_mib"]
    assert {r["model"]: r["baseline"] for r in rows}["CBAM-ResNet-18, fast"] == "ResNet-18"
    print_train_table(rows)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 7 and lines[1].split()[2] == "+0%"  # header, then PlainModel against itself


def test_profile_table_lists_the_block_operations(capfd):
    block, x = cl.CBAMBlock(16, 4), torch.randn(2, 16, 8, 8, requires_grad=True)
    table = profile_table(lambda: block(x).sum().backward(), repeats=2, rows=50)
    assert "aten::amax" in table and "aten::mul" in table
    assert capfd.readouterr().err == ""  # the profiler's own log lines are silenced
