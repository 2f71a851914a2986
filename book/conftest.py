"""pytest hooks for `pytest --nbval book`: time every notebook and report it against the book's budget.

The budget is a goal on the book's reference machine (2 CPU cores, otherwise idle): each notebook in
at most NOTEBOOK_GOAL_S seconds and all of them in TOTAL_GOAL_S. The table lists every notebook, slowest
first, and marks what exceeds a goal, without failing: a busy machine is slower, not broken. The run
fails only past the caps, which protect CI's time limit (a notebook that hangs, or a change that makes
the book several times slower). Times include kernel start-up.
"""

import time
from collections import defaultdict

import pytest

NOTEBOOK_GOAL_S, TOTAL_GOAL_S = 180, 1200
NOTEBOOK_CAP_S, TOTAL_CAP_S = 900, 3600

_spans = defaultdict(lambda: [float("inf"), 0.0])


def pytest_runtest_logstart(nodeid, location):
    span = _spans[nodeid.split("::")[0]]
    span[0] = min(span[0], time.monotonic())


def pytest_runtest_logfinish(nodeid, location):
    _spans[nodeid.split("::")[0]][1] = time.monotonic()


def _durations():
    return {path: end - start for path, (start, end) in _spans.items() if path.endswith(".ipynb")}


def _flag(seconds, goal, cap):
    return "  OVER CAP" if seconds > cap else "  over goal" if seconds > goal else ""


def pytest_terminal_summary(terminalreporter):
    durations = _durations()
    if not durations:
        return
    terminalreporter.section("notebook run times, slowest first")
    for path, seconds in sorted(durations.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}{_flag(seconds, NOTEBOOK_GOAL_S, NOTEBOOK_CAP_S)}")
    total = sum(durations.values())
    terminalreporter.write_line(
        f"{total:7.1f} s  total{_flag(total, TOTAL_GOAL_S, TOTAL_CAP_S)}  (goals on an idle 2-core machine: "
        f"{NOTEBOOK_GOAL_S} s each, {TOTAL_GOAL_S} s in all; the run fails only past {NOTEBOOK_CAP_S} s or {TOTAL_CAP_S} s)"
    )


def pytest_sessionfinish(session):
    durations = _durations()
    if durations and (max(durations.values()) > NOTEBOOK_CAP_S or sum(durations.values()) > TOTAL_CAP_S):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
