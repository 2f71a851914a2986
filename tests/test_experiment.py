"""The experiment runner: seed-by-seed training, the paired table, the files it writes, its command line."""

import csv
import json
import re
import subprocess
import sys

import pytest
import torch
from cifar_fixture import write_cifar_fixture

from cbam_lessons.data import ShapesDataset, train_val_split
from cbam_lessons.experiment import MODELS, Run, accuracies, comparison_table, specs, train_seeds, write_runs
from cbam_lessons.experiment.cli import main
from cbam_lessons.labels import LABELS, width
from cbam_lessons.nets.models import parameter_count


@pytest.fixture(scope="module")
def tiny_runs():
    train, val = train_val_split(ShapesDataset(96, seed=0), 32, seed=0)
    builders = {name: (lambda name=name: MODELS[name](6)) for name in ("plain", "se", "cbam")}
    return train_seeds(builders, train, {"val": val, "test": ShapesDataset(40, seed=1)}, seeds=(0, 1), epochs=1,
                       batch_size=32, per_epoch=True, keep_models=True, progress=False)


def test_every_model_is_trained_once_per_seed_in_seed_order(tiny_runs):
    assert [(r.model, r.seed) for r in tiny_runs] == [(m, s) for s in (0, 1) for m in ("plain", "se", "cbam")]
    for run in tiny_runs:
        assert set(run.accuracy) == {"val", "test"} and all(0 <= a <= 1 for a in run.accuracy.values())
        assert run.accuracy["test"] == run.history[-1]["test_accuracy"] and run.parameters == parameter_count(run.network)
        assert run.seconds > 0


def test_a_run_is_repeatable_and_seeds_differ(tiny_runs):
    train, val = train_val_split(ShapesDataset(96, seed=0), 32, seed=0)
    again = train_seeds({"cbam": lambda: MODELS["cbam"](6)}, train, {"val": val}, seeds=(1,), epochs=1, batch_size=32,
                        keep_models=True, progress=False)[0]
    first = next(r for r in tiny_runs if r.model == "cbam" and r.seed == 1)
    assert again.accuracy["val"] == first.accuracy["val"]
    for a, b in zip(again.network.state_dict().values(), first.network.state_dict().values()):
        assert torch.equal(a, b)
    other = next(r for r in tiny_runs if r.model == "cbam" and r.seed == 0)
    assert not torch.equal(other.network.fc.weight, first.network.fc.weight)


def test_accuracies_and_the_table_report_each_seed_and_the_paired_gap(tiny_runs):
    table = accuracies(tiny_runs, "val")
    assert list(table) == ["plain", "se", "cbam"] and all(len(v) == 2 for v in table.values())
    text = comparison_table({"plain": [0.70, 0.72, 0.75], "cbam": [0.80, 0.83, 0.84]}, "plain", lang="en")
    title, head, *rows = text.splitlines()
    assert title.startswith("gap: paired difference from plain (avg head)") and "Bonferroni" not in text
    assert head.startswith("model") and head.endswith("verdict")
    assert rows[0].startswith("plain (avg head)") and "(baseline)" in rows[0]
    assert "0.800 0.830 0.840" in rows[1] and "+10.0  [" in rows[1] and rows[1].endswith("beyond noise")
    noisy = comparison_table({"plain": [0.70, 0.80, 0.75], "cbam": [0.80, 0.70, 0.76]}, "plain", lang="zh")
    assert "在噪声之内" in noisy and noisy.splitlines()[1].startswith("模型")
    family = comparison_table({"plain": [0.70, 0.72, 0.75], "resnet": [0.80, 0.83, 0.84]}, "resnet", lang="zh",
                              comparisons=3).splitlines()
    assert family[0].startswith("之差：与 ResNet 的配对差") and "本章的 3 项比较" in family[0]
    assert "[Bonferroni]" in family[1] and family[2].count("[") == 2
    with pytest.raises(ValueError, match="baseline 'se' is not among the models"):
        comparison_table({"plain": [0.7, 0.8]}, "se")


def test_every_runner_model_builds_and_has_a_label_in_both_languages():
    for name, build in MODELS.items():
        assert build(6)(torch.randn(2, 3, 32, 32)).shape == (2, 6), name
        assert name in LABELS["en"] and name in LABELS["zh"]


def test_write_runs_writes_csv_and_json(tmp_path, tiny_runs):
    json_path, csv_path = write_runs(tiny_runs, tmp_path / "out")
    records = json.loads(json_path.read_text(encoding="utf-8"))
    assert len(records) == 6 and "network" not in records[0] and records[0]["history"]
    rows = list(csv.DictReader(csv_path.read_text(encoding="utf-8").splitlines()))
    assert rows[2]["model"] == "cbam" and float(rows[2]["test_accuracy"]) == pytest.approx(tiny_runs[2].accuracy["test"], abs=1e-4)


def test_train_seeds_rejects_unknown_evaluation_splits():
    with pytest.raises(ValueError, match="eval_sets must map 'val' and/or 'test'"):
        train_seeds({}, ShapesDataset(8), {"dev": ShapesDataset(8)}, seeds=(0,), epochs=1)


def test_the_command_line_runs_end_to_end_on_the_shapes_task(tmp_path, capsys):
    code = main(["compare", "--data", "shapes", "--models", "plain,cbam", "--seeds", "2", "--epochs", "1", "--train-size", "60",
                 "--test-size", "30", "--out", str(tmp_path), "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "shapes: 48 training, 12 validation, 30 test images; seeds 0,1; 1 epochs" in printed
    assert printed.count("CBAM") == 2 and "(baseline)" in printed
    rows = list(csv.DictReader((tmp_path / "runs.csv").read_text(encoding="utf-8").splitlines()))
    assert [(r["model"], r["seed"]) for r in rows] == [("plain", "0"), ("cbam", "0"), ("plain", "1"), ("cbam", "1")]


def test_the_command_line_reads_a_cifar10_archive(tmp_path, capsys):
    write_cifar_fixture(tmp_path, per_batch=4, test_size=6)
    code = main(["compare", "--data", "cifar10", "--data-dir", str(tmp_path), "--skip-checksums", "--models", "resnet,cbam-resnet",
                 "--seeds", "0,3", "--epochs", "1", "--out", str(tmp_path / "out"), "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 0 and "cifar10: 16 training, 4 validation, 6 test images; seeds 0,3" in printed
    records = json.loads((tmp_path / "out" / "runs.json").read_text(encoding="utf-8"))
    assert {r["model"] for r in records} == {"resnet", "cbam-resnet"} and {r["seed"] for r in records} == {0, 3}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--models", "plain,bam"], r"unknown model 'bam'; choose from plain, plain-max"),
        (["--models", "plain,plain"], r"each model once"),
        (["--seeds", "1"], r"need 2 to 100 seeds for a paired interval, got 1"),
        (["--seeds", "0,0"], r"seeds must be distinct"),
        (["--seeds", "five"], r"'five' is neither a number of seeds"),
        (["--epochs", "0"], r"expected a positive whole number, got '0'"),
        (["--baseline", "se", "--models", "plain,cbam"], r"--baseline 'se' must be one of --models"),
        (["--data", "cifar10", "--data-dir", "/nonexistent/cifar"], r"CIFAR-10 was not found in .*download=True"),
    ],
)
def test_bad_command_lines_get_a_message_and_exit_status_2(args, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["compare", *args])
    assert exit_.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_a_bad_model_name_on_the_real_command_line_prints_no_traceback():
    done = subprocess.run([sys.executable, "-m", "cbam_lessons.experiment", "compare", "--models", "cbam,sam"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "error: unknown model 'sam'" in done.stderr


def test_run_records_are_plain_data():
    run = Run("cbam", 0, {"test": 0.5}, 10, 1.0)
    assert run.network is None and run.history == [] and specs.SMALL_WIDTHS == (16, 32, 64)


def test_a_chinese_table_lines_up_by_display_width():
    """Chinese model names (two columns per character) next to Latin ones: every column starts where the header says."""
    accuracy = {"plain": [0.70, 0.72, 0.75], "plain-wide": [0.71, 0.70, 0.74], "se": [0.72, 0.71, 0.70],
                "cbam": [0.80, 0.83, 0.84]}
    parameters = {"plain": 24_086, "plain-wide": 25_744, "se": 25_430, "cbam": 25_724}
    _, head, *rows = comparison_table(accuracy, "plain", parameters=parameters, lang="zh").splitlines()
    ends = lambda line, text: width(line[: line.index(text) + len(text)])  # noqa: E731
    for column, cell in [("参数量", lambda m: f"{parameters[m]:,d}"), ("准确率", lambda m: "±")]:
        header_end = ends(head, column)
        for model, row in zip(accuracy, rows):
            end = ends(row, cell(model)) + (len(" 0.000") if column == "准确率" else 0)
            assert end == header_end, f"{model!r}: {column} ends at column {end}, the header at {header_end}\n{row}"
    gap_end = ends(head, "之差")  # the gap column is five wide, right-aligned ("+10.0"); the baseline's row says so
    assert width(rows[0][: rows[0].index("（基线）")]) == gap_end - 5
    assert {width(row[: re.search(r"[+-]\d+\.\d(?=  \[)", row).end()]) for row in rows[1:]} == {gap_end}
