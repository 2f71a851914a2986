"""Student notebooks: the chapters with every marked solution replaced by a blank to fill in.

In a chapter's code cell, a solution is marked like this::

    # BEGIN SOLUTION: a hint for the student
    ...the solution...
    # END SOLUTION

and becomes, at the same indentation, ``raise NotImplementedError("a hint for the student")``.
The chapter ``book/en/01_x.ipynb`` gives ``book/en/exercises/01_x.ipynb`` (likewise for ``zh``).
Regenerate after editing a chapter with ``make notebooks`` (which also executes them), or
``python -m cbam_lessons.student_notebooks book``. Never edit the student notebooks by hand:
a test compares them with what this module generates.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import nbformat

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION:\s*(?P<hint>.*?)\s*$", re.M)
END = re.compile(r"^\s*# END SOLUTION\s*$")

BANNER = {
    "en": "**Student version.** Fill in every cell that raises `NotImplementedError`, then run the check "
    "below it. This file is generated from the chapter `../{name}` by `cbam_lessons.student_notebooks`: "
    "edit the chapter, not this file.",
    "zh": "**学生版。** 请补全每个抛出 `NotImplementedError` 的单元，然后运行它下面的检查。本文件由 "
    "`cbam_lessons.student_notebooks` 根据章节 `../{name}` 自动生成：请修改章节本身，而不是本文件。",
}


def blank_solutions(source: str) -> str:
    """Replace each marked solution in ``source`` by ``raise NotImplementedError(hint)``."""
    out, inside = [], False
    for number, line in enumerate(source.split("\n"), 1):
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise ValueError(f"line {number}: BEGIN SOLUTION inside another solution")
            inside = True
            out.append(f"{begin['indent']}raise NotImplementedError({begin['hint']!r})")
        elif END.match(line):
            if not inside:
                raise ValueError(f"line {number}: END SOLUTION without BEGIN SOLUTION")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError("BEGIN SOLUTION without END SOLUTION")
    return "\n".join(out)


def student_version(chapter: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode | None:
    """The unexecuted student notebook for ``chapter`` (file name ``name``), or None if it has no solutions."""
    if not any(c.cell_type == "code" and BEGIN.search(c.source) for c in chapter.cells):
        return None
    student = copy.deepcopy(chapter)
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.source = blank_solutions(cell.source)
            cell.outputs, cell.execution_count = [], None
    lang = "zh" if chapter.metadata.get("language", "en").startswith("zh") else "en"
    student.cells.insert(0, nbformat.v4.new_markdown_cell(BANNER[lang].format(name=name)))
    student.metadata.pop("widgets", None)
    return student


def student_notebooks(book: Path) -> dict[Path, nbformat.NotebookNode]:
    """{path of each student notebook: its unexecuted content} for the chapters under ``book``."""
    result = {}
    for lang in ("en", "zh"):
        for chapter_path in sorted((book / lang).glob("*.ipynb")):
            student = student_version(nbformat.read(chapter_path, as_version=4), chapter_path.name)
            if student is not None:
                result[book / lang / "exercises" / chapter_path.name] = student
    return result


def main(book: str = "book") -> None:
    for path, notebook in student_notebooks(Path(book)).items():
        path.parent.mkdir(exist_ok=True)
        nbformat.write(notebook, path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
