"""Student notebooks: the chapters with every marked solution replaced by a blank to fill in.

In a chapter's code cell, a solution is marked like this::

    # BEGIN SOLUTION: a hint for the student
    ...the solution...
    # END SOLUTION

and becomes, at the same indentation, ``raise NotImplementedError("a hint for the student")``.
The chapter ``book/en/01_x.ipynb`` gives ``book/en/exercises/01_x.ipynb`` (likewise for ``zh``).
Regenerate after editing a chapter with ``make notebooks`` (which also executes them), or
``python -m cbam_lessons.student_notebooks book``; a copy whose code cells did not change keeps its outputs. Never edit the student notebooks by hand:
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
    "en": "**Student version.** Replace each `raise NotImplementedError` with your own code and run the cell: "
    "the checker at its end tells you whether your code is right and, if not, what to fix. Work in your own "
    "copy: `make exercises` copies these notebooks into `my-exercises/` and `make lab` opens them there; "
    "nothing in the book overwrites that folder, and a later `make exercises` only adds new exercises. "
    "This notebook is chapter {number} ({name}) with its solutions removed.",
    "zh": "**学生版。** 把各代码单元中的 `raise NotImplementedError` 换成你自己的实现，再运行该单元：单元末尾的"
    "检查器会告诉你写得对不对，不对的话该改哪里。请在你自己的副本里练习：`make exercises` 会把这些笔记本复制到 "
    "`my-exercises/`，`make lab` 会在那里打开它们；本书的任何工具都不会覆盖这个文件夹，以后再运行 `make exercises` "
    "也只会添加新的练习。本笔记本与第 {number} 章（{name}）内容相同，只是去掉了参考答案。",
}
#: Added to the banner of a copy with outputs that change from run to run (cells tagged ``nbval-ignore-output``).
RUN_TO_RUN = {
    "en": " Times printed here are this copy's own run; the text, shared with the chapter, quotes the chapter's "
    "run, so compare ratios on your machine, not seconds.",
    "zh": "这里打印的耗时来自本笔记本自己的一次运行；正文与章节相同，引用的是章节那次运行的耗时，所以请在你的机器上比较倍数，"
    "而不是秒数。",
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


def notebook_language(notebook: nbformat.NotebookNode) -> str:
    """``"zh"`` for a notebook whose metadata ``language`` is Chinese (``zh-CN``), else ``"en"``."""
    language = notebook.metadata.get("language")
    return "zh" if isinstance(language, str) and language.startswith("zh") else "en"


def student_version(chapter: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode | None:
    """The unexecuted student notebook for ``chapter`` (file name ``name``), or None if it has no solutions."""
    if not any(c.cell_type == "code" and BEGIN.search(c.source) for c in chapter.cells):
        return None
    student = copy.deepcopy(chapter)
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.source = blank_solutions(cell.source)
            cell.outputs, cell.execution_count = [], None
    lang = notebook_language(chapter)
    banner = BANNER[lang].format(number=int(name[:2]), name=name)
    if any("nbval-ignore-output" in c.metadata.get("tags", []) for c in chapter.cells):
        banner += RUN_TO_RUN[lang]
    student.cells.insert(0, nbformat.v4.new_markdown_cell(banner, id="student-banner"))
    student.metadata.pop("widgets", None)
    student.metadata.get("cbam_lessons", {}).pop("numerics", None)  # it records its own run when executed
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


def shape(notebook: nbformat.NotebookNode) -> list:
    """What a student notebook is made of, apart from its outputs: each cell's type, source and tags."""
    return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in notebook.cells]


def _code_cells(notebook: nbformat.NotebookNode) -> list:
    """What a notebook's outputs depend on: each code cell's source and tags, in order."""
    return [(c.source, c.metadata.get("tags", [])) for c in notebook.cells if c.cell_type == "code"]


def _keep_outputs(old: nbformat.NotebookNode, new: nbformat.NotebookNode) -> None:
    """Give ``new`` the executed outputs of ``old``, whose code cells are the same (only its prose differs)."""
    for old_cell, new_cell in zip((c for c in old.cells if c.cell_type == "code"),
                                  (c for c in new.cells if c.cell_type == "code")):
        new_cell.outputs, new_cell.execution_count = old_cell.outputs, old_cell.execution_count
        new_cell.metadata = old_cell.metadata  # the same tags, and the run's timestamps
    if "widgets" in old.metadata:  # the saved widget state of that run
        new.metadata["widgets"] = old.metadata["widgets"]
    if "numerics" in old.metadata.get("cbam_lessons", {}):
        new.metadata.setdefault("cbam_lessons", {})["numerics"] = old.metadata["cbam_lessons"]["numerics"]


def main(book: str = "book") -> None:
    for path, notebook in student_notebooks(Path(book)).items():
        old = nbformat.read(path, as_version=4) if path.exists() else None
        if old is not None and shape(old) == shape(notebook):
            continue  # unchanged: keep its executed outputs
        path.parent.mkdir(exist_ok=True)
        if old is not None and _code_cells(old) == _code_cells(notebook):
            _keep_outputs(old, notebook)  # only prose changed: the outputs still belong to this code
            nbformat.write(notebook, path)
            print(f"updated the prose of {path} (its outputs are kept)")
            continue
        nbformat.write(notebook, path)
        print(f"wrote {path} (execute it: make notebooks NB=...)")


if __name__ == "__main__":
    main(*sys.argv[1:])
