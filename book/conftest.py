"""pytest hooks for `pytest --nbval book`: time every notebook and enforce the book's budget.

Each notebook must run in at most NOTEBOOK_LIMIT_S seconds and all of them together in
TOTAL_LIMIT_S on the book's reference machine (2 CPU cores). Times include kernel start-up.
"""

import time
from collections import defaultdict

import pytest

NOTEBOOK_LIMIT_S = 180
TOTAL_LIMIT_S = 900

_spans = defaultdict(lambda: [float("inf"), 0.0])


def pytest_runtest_logstart(nodeid, location):
    span = _spans[nodeid.split("::")[0]]
    span[0] = min(span[0], time.monotonic())


def pytest_runtest_logfinish(nodeid, location):
    _spans[nodeid.split("::")[0]][1] = time.monotonic()


def _durations():
    return {path: end - start for path, (start, end) in _spans.items() if path.endswith(".ipynb")}


def pytest_terminal_summary(terminalreporter):
    durations = _durations()
    if not durations:
        return
    terminalreporter.section("notebook run times")
    for path, seconds in sorted(durations.items()):
        flag = "  OVER LIMIT" if seconds > NOTEBOOK_LIMIT_S else ""
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}{flag}")
    total = sum(durations.values())
    flag = "  OVER LIMIT" if total > TOTAL_LIMIT_S else ""
    terminalreporter.write_line(f"{total:7.1f} s  total (limits: {NOTEBOOK_LIMIT_S} s each, {TOTAL_LIMIT_S} s in all){flag}")


def pytest_sessionfinish(session):
    durations = _durations()
    if durations and (max(durations.values()) > NOTEBOOK_LIMIT_S or sum(durations.values()) > TOTAL_LIMIT_S):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
