"""Execute every notebook of the book with the current interpreter's kernel and time each one.

    python tests/gpu/execute_notebooks.py BOOK_DIR OUT_DIR

Used by tests/gpu/run.sh on a machine where the book's venv cannot be installed (the lent GPU
machine): the kernel is this interpreter (``sys.executable``), so the packages on its PYTHONPATH
are the ones the notebooks import. Writes OUT_DIR/notebook-times.csv (notebook, seconds, status,
first error line), and OUT_DIR/executed-notebooks.tar.gz with every executed notebook, and exits
non-zero if any notebook failed. Chapters run before student notebooks, English before Chinese.
"""

from __future__ import annotations

import csv
import sys
import tarfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def notebooks(book: Path) -> list[Path]:
    chapters = sorted(book.glob("en/*.ipynb")) + sorted(book.glob("zh/*.ipynb"))
    students = sorted(book.glob("en/exercises/*.ipynb")) + sorted(book.glob("zh/exercises/*.ipynb"))
    return chapters + students


def execute(path: Path, timeout: int = 900) -> tuple[nbformat.NotebookNode, float, str]:
    """Run ``path`` in its own folder; return the executed notebook, seconds, and '' or the error's first line."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
        error = ""
    except CellExecutionError as err:
        error = str(err).strip().splitlines()[-1][:300] if str(err).strip() else type(err).__name__
    except Exception as err:  # noqa: BLE001 - a dead kernel or a timeout is a result to record, not a crash
        error = f"{type(err).__name__}: {err}"[:300]
    return nb, time.perf_counter() - start, error


def main(book: str, out: str) -> int:
    book_dir, out_dir = Path(book), Path(out)
    executed_dir = out_dir / "executed"
    executed_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in notebooks(book_dir):
        name = path.relative_to(book_dir).as_posix()
        nb, seconds, error = execute(path)
        target = executed_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        rows.append((name, f"{seconds:.1f}", "failed" if error else "ok", error))
        print(f"{seconds:7.1f} s  {'FAILED' if error else 'ok    '}  {name}  {error}", flush=True)
    with open(out_dir / "notebook-times.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("notebook", "seconds", "status", "error"), *rows])
    with tarfile.open(out_dir / "executed-notebooks.tar.gz", "w:gz") as tar:
        tar.add(executed_dir, arcname="executed")
    for path in sorted(executed_dir.rglob("*.ipynb"), reverse=True):
        path.unlink()
    for folder in sorted((p for p in executed_dir.rglob("*") if p.is_dir()), reverse=True):
        folder.rmdir()
    executed_dir.rmdir()
    failed = [r[0] for r in rows if r[2] == "failed"]
    print(f"{len(rows) - len(failed)} of {len(rows)} notebooks ran; failed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
