"""Grade student notebooks: run each one headless and collect every exercise's verdict.

    python -m cbam_lessons.grade NOTEBOOK_OR_FOLDER... [--csv FILE] [--timeout SECONDS]

Each notebook is executed in memory by nbclient, in its own folder, with a time limit for the whole
notebook; the files are never modified. Every cell that calls a checker (``check_channel_attention(MyClass)``,
...) is one exercise, and its printed verdict is read back into its message code: ``passed``, ``not yet``
or the mistake's code (``only_avg``, ``no_grad_context``, ...). A notebook that is not a notebook, crashes
its kernel or runs past the limit gets a row that says so. The table has one row per notebook and one
column per exercise; ``--csv`` writes one line per notebook and exercise with the full message.
"""

from __future__ import annotations

import argparse
import csv
import re
import string
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .checks import MESSAGES
from .labels import pad, width

_CHECK_CALL = re.compile(r"^\s*(check_\w+)\(\s*([\w.]+)", re.M)
_NOT_YET = "not yet"


def _pattern(template: str) -> re.Pattern:
    """A regex that matches the messages a template produces: each {field} becomes a lazy wildcard."""
    parts = []
    for literal, field_name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field_name is not None:
            parts.append(".*?")
    return re.compile("".join(parts) + r"\Z", re.S)


# Longest templates first, so that a message is read as the most specific code it matches.
_TEMPLATES = sorted(((code, _pattern(text)) for code, pair in MESSAGES.items() for text in pair
                     if not code.startswith("hint_")), key=lambda item: -len(item[1].pattern))


def verdict_code(message: str) -> str | None:
    """The message code a printed verdict came from, in either language; None if it is not a verdict."""
    return next((code for code, pattern in _TEMPLATES if pattern.match(message.strip())), None)


@dataclass
class _Result:
    """One notebook's grades: exercise -> (result, message), and a problem with the notebook as a whole."""

    notebook: Path
    exercises: dict[str, tuple[str, str]] = field(default_factory=dict)
    problem: str = ""


def _exercise_results(cell) -> list[tuple[str, str, str]]:
    """(exercise, result, message) for each checker call in a code cell, from its outputs."""
    calls = _CHECK_CALL.findall(cell.source)
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    verdicts = [line for line in text.splitlines() if line[:1] in "✅❌⏳"]
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    results = []
    for i, (function, cls) in enumerate(calls):
        name = f"{function}({cls})"
        if i < len(verdicts):
            code = verdict_code(verdicts[i]) or "unrecognised"
            result = "passed" if code.startswith("passed") else _NOT_YET if code == "not_implemented" else code
            results.append((name, result, verdicts[i]))
        elif errors:
            results.append((name, f"error: {errors[0].get('ename', '')}", errors[0].get("evalue", "")[:200]))
        else:
            results.append((name, "not run", ""))
    return results


def grade_notebook(path: Path, timeout: float = 600, kernel: str = "python3") -> _Result:
    """Execute a copy of ``path`` in memory and return its grades; the file is only read."""
    import nbclient
    import nbformat

    result = _Result(path)
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as err:  # noqa: BLE001 - any unreadable file is a row, not a crash
        result.problem = f"not a notebook ({type(err).__name__})"
        return result
    client = nbclient.NotebookClient(notebook, timeout=timeout, kernel_name=kernel, allow_errors=True,
                                     resources={"metadata": {"path": str(path.parent.resolve())}})
    # One limit for the whole notebook: a watchdog stops the kernel if the total runs past it.
    expired = threading.Event()

    def stop():
        expired.set()
        process = getattr(getattr(client.km, "provisioner", None), "process", None)
        if process is not None:
            process.kill()  # nbclient then reports a dead kernel, which we report as the limit

    watchdog = threading.Timer(timeout, stop)
    watchdog.start()
    try:
        client.execute()
    except nbclient.exceptions.CellTimeoutError:
        result.problem = f"ran past the {timeout:g} s limit"
    except nbclient.exceptions.DeadKernelError:
        result.problem = "the kernel died (crashed or exited)"
    except Exception as err:  # noqa: BLE001 - a notebook that cannot run is a row, not a crash
        result.problem = f"could not run: {type(err).__name__}: {str(err).splitlines()[0][:160] if str(err) else ''}"
    finally:
        watchdog.cancel()
    if expired.is_set():
        result.problem = f"ran past the {timeout:g} s limit"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for name, outcome, message in _exercise_results(cell):
                result.exercises[name] = (outcome, message)
    return result


def _notebooks_in(targets: list[Path]) -> list[Path]:
    """The notebooks named, and those inside the folders named (checkpoints skipped), in order."""
    found = []
    for target in targets:
        if target.is_dir():
            found += sorted(p for p in target.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(target)
    return found


def _table(results: list[_Result]) -> str:
    """Notebook x exercise, with a column for problems; padded by display width."""
    exercises = list(dict.fromkeys(name for r in results for name in r.exercises))
    header = ["notebook", *exercises, "problem"]
    rows = [[str(r.notebook), *(r.exercises.get(e, ("—", ""))[0] for e in exercises), r.problem or "—"]
            for r in results]
    widths = [max(width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows])


def _write_csv(results: list[_Result], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["notebook", "exercise", "result", "message"])
        for r in results:
            if r.problem:
                writer.writerow([r.notebook, "", "problem", r.problem])
            for name, (outcome, message) in r.exercises.items():
                writer.writerow([r.notebook, name, outcome, message])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cbam_lessons.grade", description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", type=Path, help="student notebooks, or folders of them")
    parser.add_argument("--csv", type=Path, help="also write the grades to this CSV file")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per notebook (default 600)")
    args = parser.parse_args(argv)
    paths = _notebooks_in(args.targets)
    missing = [p for p in paths if not p.exists()]
    if missing or not paths:
        print(f"grade: no such notebook or folder: {', '.join(map(str, missing)) or 'no notebooks found'}", file=sys.stderr)
        return 2
    results = []
    for path in paths:
        print(f"grading {path} ...", file=sys.stderr, flush=True)
        results.append(grade_notebook(path, args.timeout))
    print(_table(results))
    if args.csv:
        _write_csv(results, args.csv)
        print(f"written: {args.csv}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
