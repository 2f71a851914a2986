"""The portable tier's tools: which cells' outputs do not depend on numerics, and which notebooks changed.

    python -m cbam_lessons.portable tag book/en/04_cbam_model.ipynb ...   # measure and tag (make tag-portable)
    python -m cbam_lessons.portable changed --since main                  # notebooks to re-check (make check)

``tag`` executes each notebook in memory under the current environment (``make tag-portable`` sets the
perturbed profile of :mod:`cbam_lessons.numerics`: one thread, no vectorisation) and compares every code
cell's outputs with the stored ones, after nbval's sanitizers (``book/sanitize.cfg``). A cell whose outputs
come out the same is tagged ``nbval-check-output``, which ``make test-portable`` and ``make test-gpu``
compare in nbval's lax mode; a cell whose outputs differ loses the tag. Only the tags change: the stored
outputs stay those of the reference run. Cells tagged ``nbval-ignore-output`` are left alone. A chapter's
student copy (``exercises/`` next to it, generated from the chapter) gets the chapter's tags, cell for cell,
since it runs the same code; student notebooks named directly are skipped.
"""

from __future__ import annotations

import argparse
import configparser
import re
import subprocess
import sys
from pathlib import Path

TAG = "nbval-check-output"
IGNORE = "nbval-ignore-output"
ROOT = Path(__file__).resolve().parents[1]


def sanitizers(path: Path = ROOT / "book" / "sanitize.cfg") -> list[tuple[re.Pattern, str]]:
    """nbval's sanitizers, as (pattern, replacement) pairs."""
    config = configparser.ConfigParser()
    config.read(path, encoding="utf-8")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


def comparable(outputs: list, rules: list[tuple[re.Pattern, str]]) -> list:
    """What nbval compares of a cell's outputs: text streams and the text forms of results, sanitized."""
    def clean(text: str) -> str:
        for pattern, replacement in rules:
            text = pattern.sub(replacement, text)
        return text

    found = []
    for out in outputs:
        if out.get("output_type") == "stream":
            found.append(("stream", out.get("name"), clean(out.get("text", ""))))
        elif out.get("output_type") in ("execute_result", "display_data"):
            data = out.get("data", {})
            for mime in sorted(data):  # nbval compares text, not images (unless run with nbdime)
                if mime.startswith("text/"):
                    found.append((mime, clean(data[mime] if isinstance(data[mime], str) else "".join(data[mime]))))
        elif out.get("output_type") == "error":
            found.append(("error", out.get("ename")))
    # nbval joins consecutive stream chunks, so compare their concatenation
    merged: list = []
    for item in found:
        if merged and item[0] == "stream" and merged[-1][0] == "stream" and merged[-1][1] == item[1]:
            merged[-1] = ("stream", item[1], merged[-1][2] + item[2])
        else:
            merged.append(item)
    return merged


def tag(path: Path, timeout: int = 900) -> tuple[int, int]:
    """Execute ``path`` here, tag the cells whose outputs match the stored ones; (tagged, code cells)."""
    import nbclient
    import nbformat

    stored = nbformat.read(path, as_version=4)
    fresh = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(fresh, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent.resolve())}}).execute()
    rules = sanitizers()
    tagged = cells = 0
    for old, new in zip(stored.cells, fresh.cells):
        if old.cell_type != "code":
            continue
        cells += 1
        tags = [t for t in old.metadata.get("tags", []) if t != TAG]
        if IGNORE not in tags and comparable(old.outputs, rules) == comparable(new.outputs, rules):
            tags.append(TAG)
            tagged += 1
        if tags:
            old.metadata["tags"] = tags
        else:
            old.metadata.pop("tags", None)
    nbformat.write(stored, path)
    copy = path.parent / "exercises" / path.name
    if copy.exists():  # the student copy: a banner cell first, then the chapter's cells
        student = nbformat.read(copy, as_version=4)
        for old, theirs in zip(stored.cells, student.cells[1:]):
            if "tags" in old.metadata:
                theirs.metadata["tags"] = list(old.metadata["tags"])
            else:
                theirs.metadata.pop("tags", None)
        nbformat.write(student, copy)
    return tagged, cells


def changed_notebooks(since: str = "main", root: Path = ROOT) -> list[str]:
    """Notebooks changed since ``since`` (committed, staged, unstaged or new), with their twins and student copies."""
    def git(*args) -> list[str]:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
        return [line for line in done.stdout.splitlines() if line]

    names = set(git("diff", "--name-only", f"{since}...HEAD")) | set(git("diff", "--name-only", "HEAD"))
    names |= set(git("ls-files", "--others", "--exclude-standard"))
    chapters = {Path(n).name for n in names if n.startswith("book/") and n.endswith(".ipynb")}
    found = []
    for lang in ("en", "zh"):
        for folder in (root / "book" / lang, root / "book" / lang / "exercises"):
            found += [str(p.relative_to(root)) for p in sorted(folder.glob("*.ipynb")) if p.name in chapters]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cbam_lessons.portable", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    tagging = commands.add_parser("tag", help="execute notebooks here and tag the cells whose outputs do not change")
    tagging.add_argument("paths", nargs="+", type=Path, help="notebooks, or folders of them")
    changes = commands.add_parser("changed", help="print the notebooks changed since a git revision, with their twins")
    changes.add_argument("--since", default="main")
    args = parser.parse_args(argv)
    if args.command == "changed":
        print(" ".join(changed_notebooks(args.since)))
        return 0
    from . import numerics

    print(numerics.describe())
    notebooks = [p for path in args.paths
                 for p in (sorted(path.rglob("*.ipynb")) if path.is_dir() else [path])
                 if ".ipynb_checkpoints" not in p.parts and p.parent.name != "exercises"]
    for notebook in notebooks:
        tagged, cells = tag(notebook)
        print(f"{notebook}: {tagged} of {cells} code cells tagged {TAG}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
