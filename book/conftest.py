"""pytest hooks for `pytest --nbval book`: time every notebook and report it against the book's budget.

The budget is a goal on the book's reference machine (2 CPU cores, otherwise idle): each notebook in
at most NOTEBOOK_GOAL_S seconds and all of them in TOTAL_GOAL_S. The table lists every notebook, slowest
first, with its wall time and the CPU time its kernel used, and marks what exceeds a goal, without
failing: a busy machine is slower, not broken, and the CPU time shows how much of the wall time was
waiting for the processor. The run fails only past TOTAL_CAP_S of wall time, which protects CI's time
limit (90 minutes for everything); a cell that hangs is stopped by nbval's cell timeout (the Makefile's
--nbval-cell-timeout). Times include kernel start-up.
"""

import resource
import time
from collections import defaultdict

import pytest

NOTEBOOK_GOAL_S, TOTAL_GOAL_S = 180, 1200
TOTAL_CAP_S = 3600

_spans = defaultdict(lambda: [float("inf"), 0.0, None, 0.0])  # wall start, wall end, CPU at start, CPU at end
_session = {"start": None, "parallel": False}


def pytest_sessionstart(session):
    _session["start"] = time.monotonic()
    # With pytest-xdist (make nbval runs two workers, one notebook each at a time) the kernels are the
    # workers' children, so their CPU time is not visible here, and the total is the session's wall time.
    _session["parallel"] = bool(getattr(session.config.option, "numprocesses", None))


def _children_cpu() -> float:
    """CPU seconds of the finished child processes: the kernels nbval has shut down."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pytest_runtest_logstart(nodeid, location):
    span = _spans[nodeid.split("::")[0]]
    span[0] = min(span[0], time.monotonic())
    if span[2] is None:
        span[2] = _children_cpu()


def pytest_runtest_logfinish(nodeid, location):
    span = _spans[nodeid.split("::")[0]]
    span[1], span[3] = time.monotonic(), _children_cpu()


def _durations():
    """{notebook: (wall seconds, CPU seconds)}. A kernel's CPU is counted when it exits, so each notebook's
    CPU time is read at the start of the next one; the last notebook's may be incomplete."""
    notebooks = sorted(((p, s) for p, s in _spans.items() if p.endswith(".ipynb")), key=lambda item: item[1][0])  # run order
    result = {}
    for i, (path, (start, end, cpu_start, _)) in enumerate(notebooks):
        later = notebooks[i + 1][1][2] if i + 1 < len(notebooks) else _children_cpu()
        result[path] = (end - start, None if _session["parallel"] else later - cpu_start)
    return result


def _total(durations) -> float:
    """Wall seconds of all notebooks: their sum when run one after another, the session's time when in parallel."""
    if _session["parallel"] and _session["start"] is not None:
        return time.monotonic() - _session["start"]
    return sum(wall for wall, _ in durations.values())


def _cpu(seconds) -> str:
    return "      -" if seconds is None else f"{seconds:7.1f}"


def _flag(seconds, goal, cap=float("inf")):
    return "  OVER CAP" if seconds > cap else "  over goal" if seconds > goal else ""


def pytest_terminal_summary(terminalreporter):
    durations = _durations()
    if not durations:
        return
    terminalreporter.section("notebook run times, slowest first (wall, and the kernel's CPU)")
    for path, (wall, cpu) in sorted(durations.items(), key=lambda item: -item[1][0]):
        terminalreporter.write_line(f"{wall:7.1f} s  {_cpu(cpu)} s CPU  {path}{_flag(wall, NOTEBOOK_GOAL_S)}")
    total = _total(durations)
    cpu = None if _session["parallel"] else sum(c for _, c in durations.values())
    terminalreporter.write_line(
        f"{total:7.1f} s  {_cpu(cpu)} s CPU  total{_flag(total, TOTAL_GOAL_S, TOTAL_CAP_S)}  (goals on an idle 2-core "
        f"machine: {NOTEBOOK_GOAL_S} s each, {TOTAL_GOAL_S} s in all; the run fails only past {TOTAL_CAP_S} s in all)"
    )


def pytest_sessionfinish(session):
    durations = _durations()
    if durations and _total(durations) > TOTAL_CAP_S:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
