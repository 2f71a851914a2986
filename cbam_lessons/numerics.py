"""The reference numerics profile: the one CPU set-up under which the book's stored results reproduce bit for bit.

Float results depend on how many threads split a reduction and on which instruction set each library
picks at run time (ATen's vectorised kernels, oneDNN's convolutions, MKL's matrix products). Measured on
an Intel Xeon (a 2-epoch CBAMModel training, seed 0), each of these changes the final weights: the thread
count, ``ONEDNN_MAX_CPU_ISA`` and ``MKL_CBWR``. The profile fixes all of them, to one thread and the AVX2 code
paths, which every x86-64 CPU of the last decade has. Its cost, measured there: one thread trains about 1.5x
slower than two, and the instruction-set caps cost nothing measurable; two profiled processes use both cores.

The profile is not enough across CPU makers. Measured: the logs recorded on that Intel Xeon under the profile
and the same runs re-trained on an AMD EPYC under the profile differ from the first epoch on (by 1.4e-8 in its
mean loss, 0.75 points in a final accuracy), although torch, MKL, oneDNN, the capability and the threads agree.
So the stored results also name the CPU they were computed on (:data:`REFERENCE_CPU`), and strict reproduction
is expected only there; elsewhere the tests run the portable tier.

The variables must be set before torch is imported, so the profile travels as environment:

    python -m cbam_lessons.numerics            # the fingerprint of this process, and whether strict reproduction holds
    python -m cbam_lessons.numerics --env      # the profile as NAME=VALUE lines (the Makefile reads these)

The experiment runner re-executes itself under the profile (:func:`reexec_under_profile`), and the
Makefile runs nbval and the notebooks under it, whatever the caller's environment says.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

#: The environment of the reference profile. Thread pools are sized from the first two; the rest cap
#: the instruction sets of ATen, oneDNN and MKL.
PROFILE = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_CBWR": "COMPATIBLE",
}
#: The portable tier's perturbed profile, to find the outputs that do not depend on numerics
#: (:mod:`cbam_lessons.portable`) and to check the rest within tolerance: oneDNN's convolutions capped at
#: SSE4.1 and MKL on its automatic (here AVX-512) path, each of which changed the 2-epoch training's weights.
#: ATen's unvectorised kernels (``ATEN_CPU_CAPABILITY=default``) would perturb more, but torch.compile's C++
#: code then fails to build (chapter 9), so ATen keeps the profile's AVX2.
PERTURBED = {**PROFILE, "ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_CBWR": "AUTO"}
#: The torch build the stored results were computed with (requirements.txt pins it).
REFERENCE_TORCH = "2.14.1"
#: ``torch.backends.cpu.get_cpu_capability()`` under the profile on a CPU that has AVX2.
REFERENCE_CAPABILITY = "AVX2"
#: The CPU the stored results were computed on (:func:`cpu`); a test checks every log and notebook names it.
REFERENCE_CPU = "AuthenticAMD AMD EPYC"
#: Set by :func:`reexec_under_profile` so that a re-executed process does not try again.
_REEXEC_MARK = "CBAM_NUMERICS_REEXEC"


def environment(base: dict | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the profile's variables set."""
    return {**(os.environ if base is None else base), **PROFILE}


def cpu() -> str:
    """The CPU's maker and model, as the operating system names them (``"GenuineIntel Intel(R) Xeon(R) ..."``)."""
    try:
        info = dict(map(str.strip, line.split(":", 1)) for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if ":" in line)
        return " ".join(info[key] for key in ("vendor_id", "model name") if key in info) or platform.processor()
    except OSError:  # not Linux
        return platform.processor() or "unknown"


def fingerprint() -> dict[str, object]:
    """What this process computes with: torch version, CPU capability, threads, MKL and oneDNN, the profile's variables."""
    import torch

    config = torch.__config__.show()
    mkl = next((line.split("Version")[1].split("-")[0].strip() for line in config.splitlines() if "Math Kernel" in line), None)
    dnn = next((line.split("MKL-DNN")[1].split("(")[0].strip() for line in config.splitlines() if "MKL-DNN" in line), None)
    return {
        "torch": torch.__version__.split("+")[0],
        "machine": platform.machine(),
        "cpu": cpu(),
        "capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "mkl": mkl,
        "onednn": dnn,
        "environment": {name: os.environ.get(name) for name in PROFILE},
    }


def mismatches(found: dict | None = None) -> list[str]:
    """Why this process cannot reproduce the stored results bit for bit; empty when it can."""
    found = fingerprint() if found is None else found
    problems = []
    if found["machine"] not in ("x86_64", "AMD64"):
        problems.append(f"the CPU is {found['machine']}, not x86-64")
    elif found.get("cpu") != REFERENCE_CPU:
        problems.append(f"the CPU is {found.get('cpu') or 'unknown'}, not the {REFERENCE_CPU} the stored results were "
                        "computed on")
    if found["torch"] != REFERENCE_TORCH:
        problems.append(f"torch is {found['torch']}, not {REFERENCE_TORCH}")
    if found["capability"] != REFERENCE_CAPABILITY:
        problems.append(f"ATen uses {found['capability']}, not {REFERENCE_CAPABILITY}")
    if found["threads"] != int(PROFILE["OMP_NUM_THREADS"]):
        problems.append(f"torch uses {found['threads']} threads, not {PROFILE['OMP_NUM_THREADS']}")
    unset = [name for name, value in PROFILE.items() if found["environment"].get(name) != value]
    if unset:
        problems.append("not set as the profile says: " + ", ".join(unset))
    return problems


def is_reference() -> bool:
    """True when this process runs under the reference profile, so stored results must reproduce exactly."""
    return not mismatches()


def describe(found: dict | None = None) -> str:
    """One line: the fingerprint, and whether strict reproduction holds here (and why not)."""
    found = fingerprint() if found is None else found
    head = (f"numerics: torch {found['torch']} on {found['machine']} ({found.get('cpu')}), {found['capability']}, {found['threads']} thread(s), "
            f"MKL {found['mkl']}, oneDNN {found['onednn']}")
    problems = mismatches(found)
    if not problems:
        return head + " - the reference profile: stored results reproduce bit for bit"
    return head + " - not the reference profile (" + "; ".join(problems) + "): results may differ in the last digits"


def reexec_under_profile(module: str, argv: list[str]) -> None:
    """Start ``python -m module argv...`` again under the profile, unless this process already runs under it.

    Only the environment changes; a second attempt is never made (a CPU without AVX2 stays as it is).
    """
    if all(os.environ.get(k) == v for k, v in PROFILE.items()) or os.environ.get(_REEXEC_MARK):
        return
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", module, *argv], {**environment(), _REEXEC_MARK: "1"})


def stamp(notebook: str) -> None:
    """Record this process's fingerprint in ``notebook``'s metadata (``cbam_lessons.numerics``), as executed."""
    import nbformat

    executed = nbformat.read(notebook, as_version=4)
    executed.metadata.setdefault("cbam_lessons", {})["numerics"] = fingerprint()
    nbformat.write(executed, notebook)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv in (["--env"], ["--env", "--perturbed"]):
        chosen = PERTURBED if "--perturbed" in argv else PROFILE
        print(" ".join(f"{name}={value}" for name, value in chosen.items()))
        return 0
    if argv[:1] == ["--stamp"] and len(argv) > 1:
        for notebook in argv[1:]:
            stamp(notebook)
        return 0
    if argv == ["--strict"]:  # exit status 0 when stored results reproduce here under the profile
        problems = mismatches()
        print(describe())
        return 1 if problems else 0
    if argv:
        print("usage: python -m cbam_lessons.numerics [--env [--perturbed] | --strict | --stamp NOTEBOOK...]",
              file=sys.stderr)
        return 2
    print(describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
