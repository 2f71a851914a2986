#!/usr/bin/env bash
# The GPU suite in an existing Python environment, for a machine where `make install` cannot run
# (the lent GPU machine reaches no package registry). Nothing is installed: the repository goes on
# PYTHONPATH, and anything missing must already be importable (e.g. wheels installed with
# `pip install --target DIR`, DIR on PYTHONPATH).
#
#   tests/gpu/run.sh PYTHON OUT_DIR          e.g. tests/gpu/run.sh python3 "$OUT"
#
# CBAM_DEVICE selects the device (default cuda; the CPU rehearsal sets CBAM_DEVICE=cpu, and runs under
# the reference numerics profile of cbam_lessons/numerics.py). Skips the
# tests that need the built site or a browser (tests/test_site.py, tests/test_browser.py). Writes
# into OUT_DIR: environment.txt (nvidia-smi, torch, the device), unit-tests.log, notebooks.log,
# notebook-times.csv, executed-notebooks.tar.gz, bench.log, and summary.txt with each step's exit
# status. Exits non-zero if any step failed; every step runs even when an earlier one failed.
set -uo pipefail
PYTHON=${1:?usage: tests/gpu/run.sh PYTHON OUT_DIR}
OUT_DIR=${2:?usage: tests/gpu/run.sh PYTHON OUT_DIR}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
cd "$REPO"
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}" CBAM_DEVICE=${CBAM_DEVICE:-cuda} CBAM_PROGRESS=0 PYTHONUNBUFFERED=1
export MPLBACKEND=Agg
# The CPU rehearsal runs under the book's reference numerics profile, as `make test` does, so its re-trained
# runs reproduce their logs bit for bit; on CUDA the chapters check them within the portable tolerance.
if [ "$CBAM_DEVICE" = cpu ]; then
    export $("$PYTHON" cbam_lessons/numerics.py --env)
fi

step() {  # step NAME LOG COMMAND...: run, log, time and record the exit status
    local name=$1 log=$2 start=$SECONDS
    shift 2
    "$@" >"$OUT_DIR/$log" 2>&1
    local rc=$?
    echo "$name: exit $rc in $((SECONDS - start)) s" | tee -a "$OUT_DIR/summary.txt"
    return $rc
}

: >"$OUT_DIR/summary.txt"
{
    date -u
    nvidia-smi || echo "nvidia-smi: not found"
    "$PYTHON" -c "import sys, torch; from cbam_lessons.device import default_device; print('python', sys.version.split()[0]); print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available()); print('device', default_device(), torch.cuda.get_device_name() if torch.cuda.is_available() else '')"
} >"$OUT_DIR/environment.txt" 2>&1
cat "$OUT_DIR/environment.txt"

failed=0
step "unit tests" unit-tests.log "$PYTHON" -m pytest tests -q -p no:cacheprovider \
    --ignore=tests/test_site.py --ignore=tests/test_browser.py --ignore=tests/gpu || failed=1
tail -n 3 "$OUT_DIR/unit-tests.log"
step "notebooks" notebooks.log "$PYTHON" tests/gpu/execute_notebooks.py book "$OUT_DIR" || failed=1
tail -n 1 "$OUT_DIR/notebooks.log"
step "benchmark" bench.log "$PYTHON" benchmarks/bench_cbam.py ${BENCH_FLAGS:-} || failed=1
exit $failed
