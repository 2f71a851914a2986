"""The fast paths (FastCBAMBlock, compile_cbam): the eager block's function and gradients with less
memory kept for backward; the measurement helpers and the benchmark script."""

import sys
from pathlib import Path

import pytest
import torch

import cbam_lessons as cl
from cbam_lessons.labels import width
from cbam_lessons.benchmark import (
    elementwise_floor,
    interleaved_seconds,
    median_seconds,
    print_train_table,
    profile_table,
    ratio_summary,
    saved_bytes,
    train_step_rows,
)
from cbam_lessons.fast import CompiledCBAMBlock, FastCBAMBlock, compile_cbam, use_fast_cbam

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


def test_compiled_block_equals_the_eager_block_and_keeps_less_for_backward():
    torch.manual_seed(0)
    eager = cl.CBAMBlock(16, 4).double()
    compiled = compile_cbam(cl.CBAMBlock(16, 4).double())
    assert type(compiled) is CompiledCBAMBlock
    compiled.load_state_dict(eager.state_dict())  # the same keys
    x = torch.relu(torch.randn(2, 16, 6, 7, dtype=torch.float64) - 0.5)  # tied maxima
    g = torch.randn_like(x)
    (out_e, dx_e, dw_e), (out_c, dx_c, dw_c) = _grads(eager, x, g), _grads(compiled, x, g)
    torch.testing.assert_close(out_c, out_e, rtol=0, atol=1e-12)
    torch.testing.assert_close(dx_c, dx_e, rtol=0, atol=1e-12)
    for a, b in zip(dw_c, dw_e):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    xg = x.clone().requires_grad_()
    assert saved_bytes(lambda: compiled(xg)) <= 0.7 * saved_bytes(lambda: eager(xg))
    with pytest.raises(ValueError, match=r"CompiledCBAMBlock: expected shape \(N, 16, H, W\)"):
        compiled(torch.randn(2, 8, 6, 7, dtype=torch.float64))


def test_compile_cbam_switches_only_paper_blocks_and_makes_room_in_the_compile_cache():
    model = cl.CBAMModel(6, widths=(8, 16, 32), ratio=4)
    model.cbam3 = cl.CBAMBlock(32, 4, arrangement="parallel")
    x = torch.randn(2, 3, 32, 32)
    expected = model.eval()(x)
    limit = torch._dynamo.config.recompile_limit
    assert compile_cbam(model) is model
    assert [type(model.cbam1), type(model.cbam2), type(model.cbam3)] == [CompiledCBAMBlock, CompiledCBAMBlock, cl.CBAMBlock]
    assert torch._dynamo.config.recompile_limit >= limit + 2 * 2  # a few shapes for each compiled block
    torch.testing.assert_close(model(x), expected)


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

    rows = bench_cbam.block_rows([(2, 16, 8)], torch.device("cpu"), min_run_time=0.01, rounds=2)
    by_impl = {r["impl"]: r for r in rows}
    assert {"seed", "eager", "eager, seed's max pools", "fast"} <= set(by_impl)
    assert all(by_impl[name]["max_diff"] < 1e-6 for name in ("eager", "eager, seed's max pools", "fast"))
    assert by_impl["fast"]["memory"] < by_impl["seed"]["memory"]
    assert all(r["vs_seed_range"][0] <= r["vs_seed"] <= r["vs_seed_range"][1] for r in rows)
    bench_cbam.print_block_table(rows)


def test_interleaved_rounds_start_with_a_different_candidate_and_ratios_are_per_round():
    order = []
    seconds = interleaved_seconds({name: lambda name=name: order.append(name) for name in "abc"}, 3, 0.001)
    measured = [name for i, name in enumerate(order) if i == 0 or order[i - 1] != name]  # each run repeats
    assert measured == list("abc" "bca" "cab")
    assert {name: len(times) for name, times in seconds.items()} == {"a": 3, "b": 3, "c": 3}
    assert ratio_summary({"base": [1.0, 2.0, 4.0], "x": [0.5, 2.0, 1.0]}, "base") == {"base": (1.0, 1.0, 1.0), "x": (2.0, 1.0, 4.0)}


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
    assert len(lines) == 7 and lines[1].split()[2:4] == ["+0%", "+0%..+0%"]  # header, then PlainModel vs itself
    print_train_table(rows, lang="zh")
    zh = capsys.readouterr().out.splitlines()
    assert "快速块" in zh[3] and "fast" not in "".join(zh) and "ms/step" not in zh[0]
    assert len({width(line) for line in lines + zh}) == 1  # every column lines up, in both languages
    if not torch.cuda.is_available():  # a peak that was not measured is a dash, not "nan"
        assert all(line.endswith("—") for line in lines[1:] + zh[1:]) and "nan" not in "".join(lines + zh)


def test_profile_table_lists_the_block_operations(capfd):
    block, x = cl.CBAMBlock(16, 4), torch.randn(2, 16, 8, 8, requires_grad=True)
    table = profile_table(lambda: block(x).sum().backward(), repeats=2, rows=50)
    assert "aten::amax" in table and "aten::mul" in table
    head, *rows, total = table.splitlines()
    assert head.split()[:2] == ["operation", "own"] and 5 < len(rows) <= 50 and "over 2 runs" in total
    assert max(map(width, table.splitlines())) <= 90  # it prints on a page (the profiler's own table is 126 wide)
    shares = [float(row.split("%")[0].split()[-1]) for row in rows]
    assert shares == sorted(shares, reverse=True) and 0 < sum(shares) <= 100.5
    assert capfd.readouterr().err == ""  # the profiler's own log lines are silenced
