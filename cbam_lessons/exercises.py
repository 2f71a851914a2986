"""Copy the student notebooks into a workspace of your own, which nothing in the book ever overwrites.

    python -m cbam_lessons.exercises [--to my-exercises] [--book book]     (or: make exercises)

Each ``book/<lang>/exercises/NAME.ipynb`` is copied to ``my-exercises/<lang>/NAME.ipynb`` unless that file
exists: a notebook you have worked in is kept as it is, and exercises added to the book since your last
run are copied. The command says which files it copied and which it kept. ``make lab`` opens JupyterLab
in the workspace; the kernel is the book's environment, so ``import cbam_lessons`` works there.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

LANGS = ("en", "zh")


def sync_workspace(book: Path, workspace: Path) -> tuple[list[Path], list[Path]]:
    """Copy every student notebook under ``book`` that ``workspace`` lacks; return (copied, kept) targets."""
    sources = [p for lang in LANGS for p in sorted((book / lang / "exercises").glob("*.ipynb"))]
    if not sources:
        raise FileNotFoundError(f"no student notebooks under {book}/<en|zh>/exercises/: is {book} the book's folder?")
    copied, kept = [], []
    for source in sources:
        target = workspace / source.parent.parent.name / source.name
        if target.exists():
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied.append(target)
    return copied, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cbam_lessons.exercises", description=__doc__.splitlines()[0])
    parser.add_argument("--to", type=Path, default=Path("my-exercises"), help="the workspace (default: my-exercises)")
    parser.add_argument("--book", type=Path, default=Path("book"), help="the book's folder (default: book)")
    args = parser.parse_args(argv)
    try:
        copied, kept = sync_workspace(args.book, args.to)
    except FileNotFoundError as err:
        print(f"exercises: {err}", file=sys.stderr)
        return 2
    for path in copied:
        print(f"copied  {path}")
    for path in kept:
        print(f"kept    {path}  (yours, not overwritten)")
    print(f"{len(copied)} copied, {len(kept)} kept in {args.to}/. Open them with `make lab`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
