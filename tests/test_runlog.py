"""Recorded runs: the committed logs match the package's code, reproduce when re-trained, and the runner resumes."""

import json
import shutil
import subprocess
import sys

import pytest

from cbam_lessons import numerics
from cbam_lessons.experiment import runlog, specs
from cbam_lessons.labels import LABELS
from cbam_lessons.experiment.specs import SPECS, Grid, Spec, choose_settings, grid_keys


@pytest.mark.parametrize("name", list(SPECS))
def test_every_experiment_has_a_current_log(name):
    """Fails when a training-relevant file changed after the log was written: the message says what to run."""
    log = runlog.load(name)  # raises StaleLog: "results are stale: run `make experiments NAME=...`"
    spec = SPECS[name]
    finals = [r for r in log.runs if r["phase"] == "final"]
    assert len(finals) == len(spec.models) * len(spec.seeds)
    assert {(r["model"], r["seed"]) for r in finals} == {(m, s) for m in spec.models for s in spec.seeds}
    assert len([r for r in log.runs if r["phase"] == "grid"]) == len(grid_keys(spec))
    assert log.data["numerics"]["environment"] == numerics.PROFILE and log.data["numerics"]["threads"] == 1
    assert log.data["numerics"]["cpu"] == numerics.REFERENCE_CPU, "recorded on another CPU than numerics names"
    for model, values in log.accuracy("test").items():
        assert len(values) == len(spec.seeds) and all(0 <= v <= 1 for v in values), model
    for a, b in spec.family:  # the declared comparisons name the spec's models, each once
        assert a in spec.models and b in spec.models and a != b
    assert len({frozenset(pair) for pair in spec.family}) == len(spec.family)


@pytest.mark.parametrize("name", list(SPECS))
def test_one_logged_run_per_experiment_reproduces(name):
    """Re-train the last seed of the first compared model: bit for bit under the profile, within tolerance elsewhere."""
    log = runlog.load(name)
    model = log.family[0][0]
    networks = log.retrain([(model, log.seeds[-1])])  # raises RunMismatch when it does not reproduce
    assert list(networks) == [(model, log.seeds[-1])]


def test_the_log_hash_covers_training_code_but_not_its_comments(tmp_path):
    package = tmp_path / "cbam_lessons"
    shutil.copytree(runlog.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__", "runlogs"))
    before = runlog.code_hash(package)
    models = package / "nets" / "models.py"
    source = models.read_text(encoding="utf-8")
    models.write_text(source.replace('"""Number of learnable parameters."""', '"""How many numbers are learned."""')
                      + "\n# a comment\n", encoding="utf-8")
    assert runlog.code_hash(package) == before, "a docstring or comment made the logs stale"
    models.write_text(source.replace("kernel_size=3, stride=2, padding=1", "kernel_size=3, stride=2, padding=2"),
                      encoding="utf-8")
    assert runlog.code_hash(package) != before, "a change to the networks went unnoticed"
    models.write_text(source, encoding="utf-8")
    train = package / "experiment" / "train.py"
    train.write_text(train.read_text(encoding="utf-8").replace("weight_decay: float = 5e-4", "weight_decay: float = 1e-4"),
                     encoding="utf-8")
    assert runlog.code_hash(package) != before, "a change to the training loop went unnoticed"


def test_a_stale_or_tampered_log_is_refused(tmp_path):
    name = "ch4-small-models"
    data = json.loads(runlog.path_of(name).read_text(encoding="utf-8"))
    (tmp_path / f"{name}.json").write_text(json.dumps({**data, "code_hash": "0" * 16}), encoding="utf-8")
    with pytest.raises(runlog.StaleLog, match=rf"results are stale: .*run `make experiments NAME={name}`"):
        runlog.load(name, folder=tmp_path)
    data["runs"][-1]["history"][0]["loss"] += 1e-6  # one logged number off by a rounding step
    (tmp_path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    log = runlog.load(name, folder=tmp_path)
    last = data["runs"][-1]
    if numerics.is_reference():
        with pytest.raises(runlog.RunMismatch, match="under the reference profile"):
            log.retrain([(last["model"], last["seed"])])


TINY = Spec(
    name="tiny", chapter="test", models={"plain": specs.MODELS["plain"], "cbam": specs.MODELS["cbam"]},
    seeds=(0, 1), family=(("cbam", "plain"),), grid=Grid(lrs=(2e-3, 1e-2), epochs=(1,), seeds=(7,)),
    batch_size=16, train_size=48, val_size=16, test_size=16, test_seed=5,
)


def test_the_runner_resumes_and_trains_only_what_is_asked(tmp_path, monkeypatch):
    monkeypatch.setitem(SPECS, "tiny", TINY)
    path = runlog.run("tiny", only=["cbam"], folder=tmp_path, progress=False)
    first = json.loads(path.read_text(encoding="utf-8"))
    assert {(r["phase"], r["model"]) for r in first["runs"]} == {("grid", "cbam")}  # the grid is incomplete: no finals
    runlog.run("tiny", folder=tmp_path, progress=False)
    done = json.loads(path.read_text(encoding="utf-8"))
    assert len(done["runs"]) == 4 + 4  # 2 models x 2 rates x 1 seed in the grid, 2 models x 2 seeds after it
    kept = {(r["model"], r["lr"]): r["seconds"] for r in first["runs"]}
    assert all(r["seconds"] == kept[r["model"], r["lr"]] for r in done["runs"] if r["phase"] == "grid" and r["model"] == "cbam")
    settings = choose_settings(TINY, done["runs"])
    finals = [r for r in done["runs"] if r["phase"] == "final"]
    assert all((r["lr"], r["epochs"]) == settings[r["model"]] for r in finals)
    assert [r["phase"] for r in done["runs"]] == ["grid"] * 4 + ["final"] * 4  # ordered as the spec lists them
    again = runlog.run("tiny", folder=tmp_path, progress=False)  # nothing left to train: the log is unchanged
    assert json.loads(again.read_text(encoding="utf-8"))["runs"] == done["runs"]
    elsewhere = {**numerics.fingerprint(), "cpu": "GenuineIntel another CPU"}
    monkeypatch.setattr(numerics, "fingerprint", lambda: elsewhere)
    runlog.run("tiny", only=["cbam"], folder=tmp_path, progress=False)  # another machine: its runs start afresh
    restarted = json.loads(path.read_text(encoding="utf-8"))
    assert restarted["numerics"] == elsewhere and {(r["phase"], r["model"]) for r in restarted["runs"]} == {("grid", "cbam")}


def test_each_model_gets_its_own_best_setting_and_ties_go_to_the_cheaper_one():
    runs = [{"phase": "grid", "model": m, "seed": 7, "lr": lr, "epochs": 1, "accuracy": {"val": acc}}
            for m, lr, acc in [("plain", 2e-3, 0.5), ("plain", 1e-2, 0.6), ("cbam", 2e-3, 0.7), ("cbam", 1e-2, 0.7)]]
    assert choose_settings(TINY, runs) == {"plain": (1e-2, 1), "cbam": (2e-3, 1)}
    with pytest.raises(ValueError, match="the grid is incomplete for plain"):
        choose_settings(TINY, runs[1:])


def test_same_seed_models_share_every_layer_they_have_in_common():
    import torch

    for name, spec in SPECS.items():
        torch.manual_seed(0)
        base = spec.models[spec.family[0][1]](spec.num_classes).state_dict()
        torch.manual_seed(0)
        other = spec.models[spec.family[0][0]](spec.num_classes).state_dict()
        common = [k for k in base if k in other and base[k].shape == other[k].shape]
        assert common and all(torch.equal(base[k], other[k]) for k in common), name


def test_every_spec_model_has_a_label_in_both_languages():
    for spec in SPECS.values():
        for model in spec.models:
            assert model in LABELS["en"] and model in LABELS["zh"], model


def test_the_command_line_lists_and_refuses_unknown_experiments():
    listed = subprocess.run([sys.executable, "-m", "cbam_lessons.experiment", "list"], capture_output=True, text=True,
                            timeout=120)
    assert listed.returncode == 0 and all(name in listed.stdout for name in SPECS) and "STALE" not in listed.stdout
    wrong = subprocess.run([sys.executable, "-m", "cbam_lessons.experiment", "run", "ch4"], capture_output=True,
                           text=True, timeout=120)
    assert wrong.returncode == 2 and "no experiment named 'ch4'" in wrong.stderr and "Traceback" not in wrong.stderr


def test_the_widened_control_draws_its_weights_as_a_plain_model_of_its_widths_would():
    """Its CBAM reference and the 201 probe models it compares are built off the random stream."""
    import torch

    torch.manual_seed(3)
    wide = specs.MODELS["plain-wide"](6)
    torch.manual_seed(3)
    direct = specs.PlainModel(6, widths=wide.widths)
    assert wide.widths != specs.SMALL_WIDTHS and torch.equal(wide.conv1.weight, direct.conv1.weight)


def test_the_log_files_and_the_hashed_files_exist():
    assert all((runlog.PACKAGE / name).is_file() for name in runlog.TRAINING_FILES)
    assert {runlog.path_of(name).parent for name in SPECS} == {runlog.LOGS}
    assert isinstance(runlog.load("ch4-small-models"), runlog.Log)
    assert specs.SEEDS_20 == tuple(range(20)) and set(specs.ABLATION_MODELS) > {"cbam", "plain", "plain-wide"}
    assert specs.PLACEMENT_MODELS.keys() == {"none", "branch", "after-add", "shortcut", "first-stage", "last-stage"}


def test_off_the_reference_profile_a_rerun_must_stay_within_the_tolerance(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(SPECS, "tiny", TINY)
    log = runlog.rerun("tiny", jobs=1)  # the whole experiment, here, into a temporary log
    assert isinstance(log, runlog.Log) and len(log.runs) == 8
    monkeypatch.setattr(numerics, "is_reference", lambda: False)
    final = log.final("cbam", 1)
    final["history"][0]["loss"] += runlog.PORTABLE_LOSS_TOLERANCE / 10  # a rounding-sized difference: reported
    assert list(log.retrain([("cbam", 1)], lang="zh")) == [("cbam", 1)]
    assert "重新训练 CBAM（随机种子 1）：第 1 轮的损失与日志相差" in capsys.readouterr().out
    assert log.describe(lang="zh").startswith("tiny：4 次最终训练（2 个模型 × 2 个随机种子），另有 4 次网格搜索训练")
    assert numerics.cpu() in log.describe() and log.describe().endswith("(the package's)")
    final["history"][0]["loss"] += runlog.PORTABLE_LOSS_TOLERANCE * 2  # a real difference: refused
    with pytest.raises(runlog.RunMismatch, match="more than the portable tolerance"):
        log.retrain([("cbam", 1)])


def test_one_run_of_a_spec_is_a_plain_record():
    key = specs.RunKey("final", "plain", 0, 1e-2, 1)
    record = specs.train_key(TINY, key)
    assert specs.key_of(record) == key and record["parameters"] > 0 and set(record["accuracy"]) == {"val", "test"}
    assert [k.model for k in specs.final_keys(TINY, {"plain": (1e-2, 1), "cbam": (2e-3, 1)})] == ["plain", "cbam"] * 2


def test_same_network_compares_keys_and_initial_weights():
    small = specs.MODELS["cbam"]
    assert runlog.same_network(lambda: small(6), lambda: SPECS["ch4-small-models"].models["cbam"](6))
    assert not runlog.same_network(lambda: small(6), lambda: specs.MODELS["se"](6))  # other keys
    assert not runlog.same_network(lambda: small(6), lambda: small(5))  # other shapes of fc
    assert not runlog.same_network(lambda: small(6), lambda: (specs.MODELS["plain"](6), small(6))[1])  # other weights
