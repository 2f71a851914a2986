"""The reference numerics profile: what it sets, how it is detected, and that every computing target uses it."""

import os
import subprocess
import sys
from pathlib import Path

from cbam_lessons import numerics

ROOT = Path(__file__).resolve().parents[1]


def test_the_profile_fixes_threads_and_caps_every_library_s_instruction_set():
    assert numerics.PROFILE["OMP_NUM_THREADS"] == "1" and numerics.PROFILE["MKL_NUM_THREADS"] == "1"
    assert {"ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_CBWR"} <= set(numerics.PROFILE)
    printed = subprocess.run([sys.executable, str(ROOT / "cbam_lessons" / "numerics.py"), "--env"], capture_output=True,
                             text=True, check=True).stdout.split()  # the Makefile's reading, with the standard library only
    assert printed == [f"{k}={v}" for k, v in numerics.PROFILE.items()]


def test_mismatches_name_each_way_a_machine_differs_from_the_reference():
    reference = {"torch": numerics.REFERENCE_TORCH, "machine": "x86_64", "cpu": numerics.REFERENCE_CPU, "capability": "AVX2", "threads": 1,
                 "mkl": "2024.2", "onednn": "v3.12.0", "environment": dict(numerics.PROFILE)}
    assert numerics.mismatches(reference) == []
    assert "the reference profile" in numerics.describe(reference)
    other = {**reference, "torch": "2.9.1", "machine": "aarch64", "capability": "DEFAULT", "threads": 8,
             "environment": {**numerics.PROFILE, "MKL_CBWR": None}}
    problems = "; ".join(numerics.mismatches(other))
    for fragment in ("aarch64", "torch is 2.9.1", "ATen uses DEFAULT", "8 threads", "MKL_CBWR"):
        assert fragment in problems
    assert "not the reference profile" in numerics.describe(other)
    intel = "GenuineIntel Intel(R) Xeon(R) CPU @ 2.20GHz"  # the profile does not make two makers' numbers agree
    assert numerics.mismatches({**reference, "cpu": intel}) == [
        f"the CPU is {intel}, not the {numerics.REFERENCE_CPU} the stored results were computed on"]


def test_the_cpu_is_named_by_maker_and_model():
    found = numerics.cpu()
    assert found and found == numerics.fingerprint()["cpu"]
    if Path("/proc/cpuinfo").exists() and numerics.fingerprint()["machine"] == "x86_64":
        assert found.split()[0] in ("GenuineIntel", "AuthenticAMD", "HygonGenuine", "CentaurHauls"), found


def test_a_command_re_executes_itself_under_the_profile_whatever_the_caller_set():
    env = {**os.environ, "OMP_NUM_THREADS": "3", "ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "AUTO"}
    env.pop("CBAM_NUMERICS_REEXEC", None)
    done = subprocess.run(
        [sys.executable, "-c", "from cbam_lessons import numerics; numerics.reexec_under_profile('cbam_lessons.numerics', [])"],
        capture_output=True, text=True, env=env, timeout=120, check=True)
    assert "1 thread(s)" in done.stdout
    if numerics.fingerprint()["machine"] == "x86_64":
        assert "the reference profile" in done.stdout


def test_every_make_target_that_computes_runs_under_the_profile():
    profile = " ".join(f"{k}={v}" for k, v in numerics.PROFILE.items())
    for target in ("nbval", "test-unit", "notebooks"):
        dry = subprocess.run(["make", "-n", target, "NOTEBOOKS=book/en/01_channel_attention.ipynb"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60, env={**os.environ, "OMP_NUM_THREADS": "7"})
        commands = [line for line in dry.stdout.splitlines() if "pytest" in line or "nbconvert" in line]
        assert commands and all(f"env {profile}" in line for line in commands), (target, commands)
