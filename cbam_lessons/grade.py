"""Grade student notebooks: run each one afresh and grade its exercises with the installed package's checkers.

    python -m cbam_lessons.grade NOTEBOOK_OR_FOLDER... [--jobs N] [--points FILE] [--min-score N | P%]
        [--json FILE] [--junit FILE] [--csv FILE] [--feedback DIR | -] [--timeout S] [--cell-timeout S] [--book DIR]

How one notebook is graded:

1. **Which exercises.** Its chapter is the book's chapter with the same number (the file name's first two
   digits), in the notebook's language (its ``language`` metadata). That chapter's student notebook, as
   :mod:`cbam_lessons.student_notebooks` generates it, lists the exercises: the k-th cell that calls a checker is
   exercise ``NN.k`` (``03.2`` is chapter 3's second), whatever the student named things. The object graded is
   the checker call's first argument in the student's cell (in the generated notebook's if the call is gone).
   A cell whose checker lines (the import and the call) differ from the generated notebook's is flagged.
2. **A fresh run.** A copy is executed in memory (the file is never written), every stored output (and tag, such
   as ``skip-execution``) cleared first, in a new kernel in the notebook's folder, single-threaded under the book's
   numerics profile. A cell that raises is recorded and the next one runs; a cell that runs past ``--cell-timeout``
   is interrupted (and flagged); the whole notebook has ``--timeout``. An exercise whose cell never ran is ``not run``.
   Outputs are kept up to :data:`OUTPUT_LIMIT` characters (errors always); what a notebook prints beyond that is
   dropped and flagged, so that a print loop cannot fill the grader's memory.
3. **The package's checkers.** Then one cell the grader adds imports a fresh copy of ``cbam_lessons`` from the
   installed package's folder (never the student's folder, and not the modules the notebook loaded, which it may
   have patched), and calls each exercise's ``diagnose_*`` function on the object. Verdicts travel as JSON
   through a file in a new temporary folder, never through printed text, which a student can forge. A ``check_*``
   name the notebook rebound, and a ``cbam_lessons`` module it loaded from elsewhere, are flagged.

An exercise's result is ``passed``, ``not yet``, the mistake's code (``only_avg``, ...), ``not run``, ``not
graded`` (the notebook stopped before grading), ``missing`` or ``error: NAME`` (the object is not defined, and
why), ``not own code`` (it is, or inherits from, the book's own) or ``checker error``. A passed exercise earns its
points (:data:`POINTS`, or those of ``--points FILE``: JSON ``{"01.1": 5}`` or TOML ``"01.1" = 5``); the rest
earn none. With ``--min-score``, the exit status is 1 if a notebook scores below it or could not be graded in
full; it is 2 for a usage error, else 0.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import math
import multiprocessing
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import nbformat

from .labels import pad, width
from .numerics import environment
from .student_notebooks import notebook_language, student_version

#: Points per exercise, ``chapter.exercise``: what a pass earns. ``--points FILE`` overrides any of them.
POINTS = {
    "01.1": 10, "02.1": 10, "03.1": 10, "03.2": 10, "04.1": 5,
    "05.1": 10, "06.1": 5, "07.1": 10, "08.1": 5, "09.1": 10,
}
#: What an exercise this list does not know earns (one of a newer book given with ``--book``).
_DEFAULT_POINTS = 10

_PACKAGE = Path(__file__).resolve().parent
#: The book next to the package: there in a clone of the repository (``pip install -e .``), not in a wheel.
_BOOK = _PACKAGE.parent / "book"
#: Characters of output kept from one notebook's run (errors always are): a student's print loop must not fill
#: the grader's memory before the cell limit stops it.
OUTPUT_LIMIT = 10_000_000
#: ``--feedback -``: print the feedback instead of writing files.
_STDOUT = Path("-")
#: A checker call, ``check_channel_attention(MyClass, ...)``: the checker and the name of the object it checks.
_CALL = re.compile(r"^\s*(check_\w+)\(\s*([A-Za-z_]\w*)", re.M)
#: The lines of an exercise cell that belong to the book, not to the student: the checkers' import and call.
_CHECKER_LINE = re.compile(r"^\s*(from cbam_lessons\.checks import |check_\w+\()")

#: What the grader says, (English, Chinese); the checkers' own verdicts come from cbam_lessons.checks.
_TEXT = {
    # problems with a notebook as a whole
    "not_a_notebook": ("not a notebook ({error}): the file cannot be read as a Jupyter notebook",
                       "不是笔记本（{error}）：这个文件无法作为 Jupyter 笔记本读取"),
    "unknown_chapter": ("{name} is no chapter's student notebook: its name must start with the number of a chapter "
                        "that has exercises, as the student notebooks' names do (01_channel_attention.ipynb)",
                        "{name} 不是任何一章的学生笔记本：文件名必须以有练习的那一章的章号开头，"
                        "与学生笔记本的文件名一致（例如 01_channel_attention.ipynb）"),
    "time_limit": ("ran past the {seconds:g} s limit", "运行超过了 {seconds:g} 秒的时限"),
    "kernel_died": ("the kernel died: it crashed or exited", "内核崩溃或退出了"),
    "could_not_run": ("could not run: {error}", "无法运行：{error}"),
    "grading_failed": ("the grading cell failed: {error}", "评分单元出错：{error}"),
    # flags: things a teacher should look at, which do not change the points
    "edited": ("{id}: the checker cell was edited: the student notebook's line `{line}` is missing or changed",
               "{id}：检查器所在的单元被改动过：学生笔记本中的 `{line}` 这一行不见了或被修改了"),
    "no_checker_cell": ("{id}: no cell calls {checker}; graded `{name}`, the name the student notebook uses",
                        "{id}：没有任何单元调用 {checker}；评分时按学生笔记本中的名字 `{name}` 查找"),
    "redefined": ("{checker} was redefined in the notebook; the grade used the package's own",
                  "笔记本中重新定义了 {checker}；评分用的是本书的包中的检查器"),
    "output_capped": ("the notebook printed {printed:,} characters of output; the grade kept the first {kept:,}",
                      "笔记本打印了 {printed:,} 个字符的输出；评分时只保留了前 {kept:,} 个"),
    "interrupted": ("the cell that starts `{line}` ran past the {seconds:g} s cell limit and was interrupted",
                    "以 `{line}` 开头的单元运行超过了 {seconds:g} 秒的单元时限，被中断了"),
    "foreign_module": ("{module} was loaded from {file}, not from the installed package; the grade used the "
                       "installed one",
                       "{module} 是从 {file} 加载的，而不是从已安装的本书的包；评分用的是已安装的包"),
    # results that the grader, not a checker, gives an exercise
    "missing": ("❌ `{name}` is not defined after the notebook ran. Keep the name the exercise gives it, and run "
                "its cell.", "❌ 笔记本运行完后，`{name}` 没有定义。请保留练习给出的名字，并运行它所在的单元。"),
    "cell_raised": ("❌ `{name}` is not defined: its cell raised {error}. Fix that line and run the cell again.",
                    "❌ `{name}` 没有定义：它所在的单元抛出了 {error}。请修改出错的那一行，然后重新运行该单元。"),
    "not_own_code": ("❌ `{name}` is, or inherits from, the book's own {module}: write the exercise yourself "
                     "instead of importing it.",
                     "❌ `{name}` 就是本书的包中的 {module}（或继承自它）：请自己完成练习，而不是导入现成的实现。"),
    "checker_error": ("❌ The checker itself failed on `{name}` ({error}). Tell your teacher: this is the book's bug, "
                      "not yours.", "❌ 检查器在检查 `{name}` 时自身出错（{error}）。请告诉老师：这是本书的问题，不是你的。"),
    "not_run": ("❌ This exercise's cell never ran: the notebook stopped before it ({problem}).",
                "❌ 这道练习所在的单元没有运行：笔记本在运行到它之前就停止了（{problem}）。"),
    "not_graded": ("❌ Not graded: {problem}.", "❌ 没有评分：{problem}。"),
    # the feedback file
    "title": ("# Feedback on {notebook}", "# {notebook} 的批改反馈"),
    "score": ("**Score: {score:g} of {total:g} points.**", "**得分：{score:g} 分（满分 {total:g} 分）。**"),
    "problem": ("The notebook could not be graded in full: {problem}.", "这个笔记本未能全部评分：{problem}。"),
    "exercise": ("## Exercise {id}: `{name}`, {got:g} of {points:g} points",
                 "## 练习 {id}：`{name}`，{got:g} 分（满分 {points:g} 分）"),
    "flags": ("## For your teacher to look at", "## 需要老师查看的地方"),
}


def _say(code: str, lang: str = "en", **fields) -> str:
    """The grader's text ``code`` in ``lang`` (``en`` or ``zh``), its fields filled."""
    return _TEXT[code][lang == "zh"].format(**fields)


@dataclass(frozen=True)
class _Note:
    """A problem or a flag, kept as its code and fields so that it can be said in either language."""

    code: str
    fields: dict = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        return _say(self.code, lang, **self.fields)


@dataclass(frozen=True)
class Exercise:
    """One exercise in a student's notebook: ``id`` (``03.2``), its ``checker``, the ``name`` of the object it grades,
    its ``points``, and the index of the student's cell that calls the checker (None if no cell does)."""

    id: str
    checker: str
    name: str
    points: float
    cell: int | None


@dataclass(frozen=True)
class Graded:
    """An exercise's result (``passed``, ``not yet``, a mistake's code, ...) and the message that explains it."""

    exercise: Exercise
    result: str
    message: str

    @property
    def points(self) -> float:
        return self.exercise.points if self.result == "passed" else 0


@dataclass
class Result:
    """One notebook's grades, with what went wrong with it as a whole (``problem``) and what to look at (``flags``)."""

    notebook: Path
    chapter: str = ""
    lang: str = "en"
    exercises: list[Graded] = field(default_factory=list)
    flags: list[_Note] = field(default_factory=list)
    problem: _Note | None = None
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(g.points for g in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(g.exercise.points for g in self.exercises)


# --- Which exercises a notebook has -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _reference(book: Path, lang: str, chapter: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(checker, object name, its cell's checker lines) per exercise of the chapter's generated student notebook."""
    student = student_version(nbformat.read(book / lang / chapter, as_version=4), chapter)
    found = []
    for cell in student.cells if student else []:
        if cell.cell_type == "code":
            lines = tuple(line.strip() for line in cell.source.splitlines() if _CHECKER_LINE.match(line))
            found += [(checker, name, lines) for checker, name in _CALL.findall(cell.source)]
    return tuple(found)


def _chapter(book: Path, lang: str, path: Path) -> str:
    """The file name of the book's chapter with the number ``path``'s name starts with; "" if there is none."""
    number = path.name[:2]
    chapters = sorted((book / lang).glob(f"{number}_*.ipynb")) if number.isdigit() else []
    return chapters[0].name if chapters else ""


def _cell_calling(notebook: nbformat.NotebookNode, checker: str) -> int | None:
    """The index of the first code cell that calls ``checker``, or None."""
    return next((i for i, cell in enumerate(notebook.cells)
                 if cell.cell_type == "code" and checker in dict(_CALL.findall(cell.source))), None)


def _exercises(notebook, path: Path, book: Path, points: dict) -> tuple[str, list[Exercise], list[_Note]] | _Note:
    """The notebook's chapter, exercises and the flags its checker cells raise, or the problem that it has none."""
    lang = notebook_language(notebook)
    chapter = _chapter(book, lang, path)
    reference = _reference(book, lang, chapter) if chapter else ()
    if not reference:
        return _Note("unknown_chapter", {"name": path.name})
    exercises, flags = [], []
    for number, (checker, name, lines) in enumerate(reference, 1):
        exercise_id = f"{chapter[:2]}.{number}"
        cell = _cell_calling(notebook, checker)
        if cell is None:
            flags.append(_Note("no_checker_cell", {"id": exercise_id, "checker": checker, "name": name}))
        else:
            source = notebook.cells[cell].source
            name = dict(_CALL.findall(source))[checker]  # the student's own name for it, if they renamed it
            present = {line.strip() for line in source.splitlines()}
            changed = [line for line in lines if line not in present]
            if changed:
                flags.append(_Note("edited", {"id": exercise_id, "line": changed[0]}))
        exercises.append(Exercise(exercise_id, checker, name, points.get(exercise_id, _DEFAULT_POINTS), cell))
    return Path(chapter).stem, exercises, flags


# --- Running a notebook ------------------------------------------------------------------------------------------

#: The cell the grader appends: a fresh cbam_lessons from the installed folder grades the notebook's objects.
_GRADING_CELL = """\
def _cbam_lessons_grade(root={root!r}):
    import importlib, sys
    loaded = {{name: module for name, module in sys.modules.items() if name.partition(".")[0] == "cbam_lessons"}}
    for name in loaded:
        del sys.modules[name]
    sys.path.insert(0, root)
    try:
        grade = importlib.import_module("cbam_lessons.grade")
    finally:
        sys.path.remove(root)
    files = {{name: getattr(module, "__file__", None) or "" for name, module in loaded.items()}}
    grade.in_kernel(globals(), {plan!r}, {lang!r}, {out!r}, files, {nonce!r})


_cbam_lessons_grade()
"""


def _inside(file: str, folder: Path) -> bool:
    """Whether ``file`` is a path inside ``folder``."""
    return bool(file) and Path(file).resolve().is_relative_to(folder)


def _borrowed_from(obj) -> str:
    """The cbam_lessons module that ``obj`` is from, or that a class inherits from; "" for the student's own code.

    Besides ``__module__`` (which code can reassign), the files its functions were compiled from are looked at."""
    for cls in getattr(obj, "__mro__", (obj,)):
        module = getattr(cls, "__module__", None) or ""
        if module.partition(".")[0] == "cbam_lessons":
            return module
        files = (getattr(getattr(f, "__code__", None), "co_filename", "") for f in vars(cls).values()) \
            if isinstance(cls, type) else ()
        inside = next((f for f in files if _inside(f, _PACKAGE)), None)
        if inside:
            return "cbam_lessons." + Path(inside).resolve().relative_to(_PACKAGE).with_suffix("").as_posix().replace("/", ".")
    return ""


def _verdict(namespace: dict, exercise: dict, lang: str, checks) -> dict:
    """The result and message of one exercise: its checker's verdict on the object the notebook defines."""
    name = exercise["name"]
    if name not in namespace:
        return {"result": "missing", "message": _say("missing", lang, name=name)}
    borrowed = _borrowed_from(namespace[name])
    if borrowed:
        return {"result": "not own code", "message": _say("not_own_code", lang, name=name, module=borrowed)}
    diagnose = getattr(checks, exercise["checker"].replace("check_", "diagnose_", 1))
    try:
        verdict = diagnose(namespace[name], lang)
    except Exception as err:  # noqa: BLE001 - a checker's own bug must not stop the other exercises
        error = f"{type(err).__name__}: {err}"
        return {"result": "checker error", "message": _say("checker_error", lang, name=name, error=error)}
    result = {"passed": "passed", "not_implemented": "not yet"}.get(verdict.status, verdict.code)
    return {"result": result, "message": verdict.message}


def _genuine(function, name: str) -> bool:
    """Whether ``function`` is the package's checker ``name``, not a look-alike the notebook defined."""
    code = getattr(function, "__code__", None)
    return getattr(function, "__name__", None) == name and code is not None and _inside(code.co_filename, _PACKAGE)


def in_kernel(namespace: dict, plan: list[dict], lang: str, out: str, loaded: dict[str, str], nonce: str = "") -> None:
    """Grade each exercise of ``plan`` on the object ``namespace`` holds; write the verdicts and flags to ``out``.

    Runs in the student's kernel after the notebook, from the fresh copy of the package that the grading cell
    imported from the installed folder. ``loaded`` maps the package's modules the notebook had loaded to their files.
    """
    from . import checks

    flags = [{"code": "foreign_module", "fields": {"module": module, "file": file or "?"}}
             for module, file in sorted(loaded.items()) if not _inside(file, _PACKAGE)]
    flags += [{"code": "redefined", "fields": {"checker": e["checker"]}} for e in plan
              if e["checker"] in namespace and not _genuine(namespace[e["checker"]], e["checker"])]
    verdicts = {e["id"]: _verdict(namespace, e, lang, checks) for e in plan}
    Path(out).write_text(json.dumps({"exercises": verdicts, "flags": flags, "nonce": nonce}, ensure_ascii=False),
                         encoding="utf-8")


def _first_error(cell) -> str:
    """``Name: value`` of the first error a cell raised in this run, or ""."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    return f"{errors[0].get('ename', '')}: {errors[0].get('evalue', '')[:200]}" if errors else ""


def _execute(client, timeout: float) -> _Note | None:
    """Run the notebook of ``client`` under one time limit for the whole notebook; the problem if it stopped early."""
    import nbclient

    expired = threading.Event()

    def stop():
        expired.set()
        process = getattr(getattr(client.km, "provisioner", None), "process", None)
        if process is not None:
            process.kill()  # nbclient then reports a dead kernel, which we report as the limit

    watchdog = threading.Timer(timeout, stop)
    watchdog.start()
    try:
        # The book's numerics profile (one thread per kernel); the kernel's own stderr is not the grader's to show.
        client.execute(env=environment(), stderr=subprocess.DEVNULL)
        problem = None
    except nbclient.exceptions.DeadKernelError:
        problem = _Note("kernel_died")
    except Exception as err:  # noqa: BLE001 - a notebook that cannot run is a row, not a crash
        problem = _Note("could_not_run", {"error": f"{type(err).__name__}: {(str(err).splitlines() or [''])[0][:160]}"})
    finally:
        watchdog.cancel()
    return _Note("time_limit", {"seconds": timeout}) if expired.is_set() else problem


def _client(notebook, path: Path, cell_timeout: float):
    """An nbclient client for ``notebook`` that keeps at most ``OUTPUT_LIMIT`` characters of its outputs."""
    import nbclient

    class Capped(nbclient.NotebookClient):
        kept = dropped = 0

        def output(self, outs, msg, display_id, cell_index):
            content = msg["content"]
            size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
            if msg["msg_type"] != "error" and self.kept + size > OUTPUT_LIMIT:
                self.dropped += size  # received and forgotten: the error, if one follows, is still kept
                return None
            self.kept += size
            return super().output(outs, msg, display_id, cell_index)

    return Capped(notebook, timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True, kernel_name="python3",
                  resources={"metadata": {"path": str(path.parent.resolve())}})


def _run(notebook, path: Path, exercises: list[Exercise], lang: str, timeout: float, cell_timeout: float):
    """Execute ``notebook`` with its outputs cleared and the grading cell at its end.

    Returns (verdicts or None, the problem or None, flags)."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("tags", None)  # so that a skip-execution tag cannot keep a cell from running
    plan = [{"id": e.id, "checker": e.checker, "name": e.name} for e in exercises]
    with tempfile.TemporaryDirectory(prefix="cbam-grade-") as folder:
        out, nonce = Path(folder) / "verdicts.json", secrets.token_hex(16)  # known to the grading cell only
        source = _GRADING_CELL.format(root=str(_PACKAGE.parent), plan=plan, lang=lang, out=str(out), nonce=nonce)
        grading = nbformat.v4.new_code_cell(source)
        notebook.cells.append(grading)
        client = _client(notebook, path, cell_timeout)
        problem = _execute(client, timeout)
        notebook.cells.remove(grading)
        verdicts = _read_verdicts(out, nonce, exercises) if not _first_error(grading) else None
    if verdicts is None and problem is None:
        problem = _Note("grading_failed", {"error": _first_error(grading) or "no verdicts written"})
    flags = [_Note("output_capped", {"printed": client.kept + client.dropped, "kept": client.kept})] if client.dropped else []
    return verdicts, problem, flags


def _read_verdicts(out: Path, nonce: str, exercises: list[Exercise]) -> dict | None:
    """The grading cell's verdicts, or None when the file is missing, lacks this run's nonce (a file some other
    code wrote), or is not shaped as the grading cell writes it."""
    try:
        verdicts = json.loads(out.read_text(encoding="utf-8"))
        found = verdicts["exercises"]
        shaped = verdicts["nonce"] == nonce and all(
            isinstance(found[e.id]["result"], str) and isinstance(found[e.id]["message"], str) for e in exercises)
        flags = [f for f in verdicts.get("flags", []) if f.get("code") in _TEXT and isinstance(f.get("fields"), dict)]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return {"exercises": found, "flags": flags} if shaped else None


def _interrupted(notebook, cell_timeout: float) -> list[_Note]:
    """A flag for each cell of the run that was interrupted at the cell limit."""
    return [_Note("interrupted", {"line": (cell.source.strip().splitlines() or [""])[0][:60], "seconds": cell_timeout})
            for cell in notebook.cells if cell.cell_type == "code"
            and any(o.get("ename") == "KeyboardInterrupt" for o in cell.get("outputs", []))]


def _graded(exercise: Exercise, notebook, verdicts: dict | None, problem: _Note | None, lang: str) -> Graded:
    """One exercise's grade, from its cell in the run and the verdict the grading cell wrote."""
    cell = notebook.cells[exercise.cell] if exercise.cell is not None else None
    if cell is not None and cell.execution_count is None:
        return Graded(exercise, "not run", _say("not_run", lang, problem=problem.text(lang)))
    if verdicts is None:
        return Graded(exercise, "not graded", _say("not_graded", lang, problem=problem.text(lang)))
    found = verdicts["exercises"][exercise.id]
    error = _first_error(cell) if cell is not None else ""
    if found["result"] == "missing" and error:
        message = _say("cell_raised", lang, name=exercise.name, error=error)
        return Graded(exercise, f"error: {error.partition(':')[0]}", message)
    return Graded(exercise, found["result"], found["message"])


def grade_notebook(path: Path, book: Path = _BOOK, points: dict | None = None, timeout: float = 600,
                   cell_timeout: float = 300) -> Result:
    """Grade the student notebook ``path`` (the file is only read) against the chapters under ``book``.

    Whatever goes wrong with one notebook is that notebook's problem, reported in its row, never a crash of
    the whole class's grading."""
    start = time.monotonic()
    try:
        return _grade_notebook(Path(path), Path(book), points, timeout, cell_timeout, start)
    except Exception as err:  # noqa: BLE001 - one odd notebook must not stop the class
        result = Result(Path(path))
        result.problem = _Note("could_not_run", {"error": f"{type(err).__name__}: {str(err)[:160]}"})
        result.seconds = time.monotonic() - start
        return result


def _grade_notebook(path: Path, book: Path, points: dict | None, timeout: float, cell_timeout: float,
                    start: float) -> Result:
    result = Result(path)
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as err:  # noqa: BLE001 - any unreadable file is a row, not a crash
        result.problem = _Note("not_a_notebook", {"error": type(err).__name__})
        return result
    result.lang = notebook_language(notebook)
    planned = _exercises(notebook, result.notebook, Path(book), {**POINTS, **(points or {})})
    if isinstance(planned, _Note):
        result.problem = planned
        return result
    result.chapter, exercises, result.flags = planned
    verdicts, result.problem, capped = _run(notebook, result.notebook, exercises, result.lang, timeout, cell_timeout)
    result.flags += capped + _interrupted(notebook, cell_timeout)
    result.flags += [_Note(f["code"], f["fields"]) for f in (verdicts or {}).get("flags", [])]
    result.exercises = [_graded(e, notebook, verdicts, result.problem, result.lang) for e in exercises]
    result.seconds = time.monotonic() - start
    return result


def _grade_all(paths: list[Path], jobs: int, **options) -> list[Result]:
    """Grade ``paths``, ``jobs`` notebooks at a time, saying each one's time as it ends; results in ``paths``' order."""
    if jobs == 1:
        return [_said(grade_notebook(path, **options)) for path in paths]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(grade_notebook, path, **options) for path in paths]
        for future in as_completed(futures):
            _said(future.result())
        return [future.result() for future in futures]


def _said(result: Result) -> Result:
    """``result``, after one line on stderr with its score and time."""
    problem = f" ({result.problem.text()})" if result.problem else ""
    print(f"graded {result.notebook}: {result.score:g}/{result.max_score:g} points in {result.seconds:.1f} s{problem}",
          file=sys.stderr, flush=True)
    return result


# --- Reports -----------------------------------------------------------------------------------------------------


def _table(results: list[Result]) -> str:
    """Notebook x exercise, with score, time and problem, then how many passed each exercise; display-width padded."""
    ids = sorted({g.exercise.id for r in results for g in r.exercises})
    header = ["notebook", *ids, "score", "time", "problem"]
    rows = [[str(r.notebook), *({g.exercise.id: g.result for g in r.exercises}.get(i, "—") for i in ids),
             f"{r.score:g}/{r.max_score:g}", f"{r.seconds:.1f} s", r.problem.text() if r.problem else "—"]
            for r in results]
    attempts = {i: [g.result for r in results for g in r.exercises if g.exercise.id == i] for i in ids}
    summary = ["passed", *(f"{attempts[i].count('passed')}/{len(attempts[i])}" for i in ids), "", "", ""]
    table = [header, *rows, summary]
    widths = [max(width(row[i]) for row in table) for i in range(len(header))]
    return "\n".join("  ".join(pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in table)


def _json_report(results: list[Result]) -> dict:
    """Every notebook's grades, exercise by exercise, as plain data."""
    return {"notebooks": [{
        "notebook": str(r.notebook), "chapter": r.chapter, "language": r.lang, "score": r.score,
        "max_score": r.max_score, "seconds": round(r.seconds, 2), "problem": r.problem.text() if r.problem else None,
        "flags": [f.text() for f in r.flags],
        "exercises": [{"id": g.exercise.id, "checker": g.exercise.checker, "name": g.exercise.name, "result": g.result,
                       "points": g.points, "max_points": g.exercise.points, "message": g.message} for g in r.exercises],
    } for r in results]}


def _junit(results: list[Result]) -> ElementTree.ElementTree:
    """JUnit XML: one test suite per notebook, one test case per exercise (a failure unless passed)."""
    suites = ElementTree.Element("testsuites", name="cbam_lessons.grade")
    for r in results:
        suite = ElementTree.SubElement(suites, "testsuite", name=str(r.notebook),
                                       tests=str(len(r.exercises) + bool(r.problem)),
                                       failures=str(sum(g.result != "passed" for g in r.exercises)),
                                       errors=str(int(bool(r.problem))), time=f"{r.seconds:.3f}")
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (("score", r.score), ("max_score", r.max_score)):
            ElementTree.SubElement(properties, "property", name=name, value=f"{value:g}")
        for g in r.exercises:
            name = f"{g.exercise.id} {g.exercise.name}"
            case = ElementTree.SubElement(suite, "testcase", classname=r.chapter, name=name)
            if g.result != "passed":
                ElementTree.SubElement(case, "failure", type=g.result, message=g.result).text = g.message
        if r.problem:
            case = ElementTree.SubElement(suite, "testcase", classname=r.chapter, name="notebook")
            ElementTree.SubElement(case, "error", message=r.problem.text())
        if r.flags:
            ElementTree.SubElement(suite, "system-out").text = "\n".join(f.text() for f in r.flags)
    return ElementTree.ElementTree(suites)


def _write_csv(results: list[Result], path: Path) -> None:
    """One line per notebook and exercise, with the full message; a notebook's problem on a line of its own."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["notebook", "exercise", "result", "points", "max_points", "message"])
        for r in results:
            if r.problem:
                writer.writerow([r.notebook, "", "problem", "", "", r.problem.text()])
            for g in r.exercises:
                writer.writerow([r.notebook, g.exercise.id, g.result, f"{g.points:g}", f"{g.exercise.points:g}",
                                 g.message])


def _feedback(result: Result) -> str:
    """A student's feedback in Markdown, in their notebook's language, with the checkers' own messages."""
    lang = result.lang
    lines = [_say("title", lang, notebook=result.notebook.name), "",
             _say("score", lang, score=result.score, total=result.max_score), ""]
    if result.problem:
        lines += [_say("problem", lang, problem=result.problem.text(lang)), ""]
    for g in result.exercises:
        heading = _say("exercise", lang, id=g.exercise.id, name=g.exercise.name, got=g.points, points=g.exercise.points)
        lines += [heading, "", g.message, ""]
    if result.flags:
        lines += [_say("flags", lang), "", *(f"- {f.text(lang)}" for f in result.flags), ""]
    return "\n".join(lines)


def _write_feedback(results: list[Result], folder: Path) -> None:
    """``folder/<the notebook's path below the notebooks' common folder>.md`` for each notebook."""
    common = Path(os.path.commonpath([r.notebook.resolve().parent for r in results]))
    for r in results:
        target = folder / r.notebook.resolve().relative_to(common).with_suffix(".md")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_feedback(r), encoding="utf-8")


# --- The command -------------------------------------------------------------------------------------------------


def _points_file(text: str) -> dict[str, float]:
    """The points a JSON or TOML file gives exercises (``{"01.1": 5}``), checked against :data:`POINTS`."""
    path = Path(text)
    try:
        if path.suffix == ".toml":
            import tomllib  # Python 3.11+

            points = tomllib.loads(path.read_text(encoding="utf-8"))
        else:
            points = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, ImportError) as err:
        raise argparse.ArgumentTypeError(f"cannot read {path} ({type(err).__name__}: {err}); it should map "
                                         'exercises to points, in JSON ({"01.1": 5}) or TOML ("01.1" = 5, Python 3.11+)'
                                         ) from None
    if not isinstance(points, dict):
        raise argparse.ArgumentTypeError(f'{path} should map exercises to points, e.g. {{"01.1": 5}}')
    unknown = sorted(set(points) - set(POINTS))
    if unknown:
        raise argparse.ArgumentTypeError(f"{path} names no such exercise: {', '.join(unknown)}; "
                                         f"the exercises are {', '.join(POINTS)}")
    wrong = sorted(k for k, v in points.items()
                   if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0)
    if wrong:
        raise argparse.ArgumentTypeError(f"{path}: the points of {', '.join(wrong)} must be numbers of at least 0")
    return points


def _min_score(text: str) -> tuple[float, bool]:
    """``--min-score``: (points, False), or (percent of the notebook's maximum, True) for ``80%``."""
    try:
        value = float(text.removesuffix("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a score: give points (16) or a percentage (80%)") from None
    return value, text.endswith("%")


def _below(result: Result, minimum: tuple[float, bool]) -> bool:
    """Whether a notebook scores below the minimum, or could not be graded in full."""
    value, percent = minimum
    if percent:  # compared in hundredths, so that a full score is never "below 100%" by a rounding error
        return result.problem is not None or round(result.score * 100, 9) < round(value * result.max_score, 9)
    return result.problem is not None or round(result.score, 9) < round(value, 9)


def _notebooks_in(targets: list[Path]) -> list[Path]:
    """The notebooks named, and those inside the folders named (checkpoints skipped), in order."""
    found = []
    for target in targets:
        if target.is_dir():
            found += sorted(p for p in target.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(target)
    return found


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cbam_lessons.grade", description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", type=Path, help="student notebooks, or folders of them")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at once, one kernel each (default 1)")
    parser.add_argument("--points", type=_points_file, default={}, help="a JSON or TOML file of points per exercise")
    parser.add_argument("--min-score", type=_min_score,
                        help="exit 1 if a notebook scores less: points, or a percentage (80%%)")
    parser.add_argument("--json", type=Path, help="also write the grades to this JSON file")
    parser.add_argument("--junit", type=Path, help="also write the grades as JUnit XML to this file")
    parser.add_argument("--csv", type=Path, help="also write the grades to this CSV file")
    parser.add_argument("--feedback", type=Path, help="write each student's feedback (Markdown, in the notebook's "
                        "language) into this folder, or print it after the table with -")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per notebook (default 600)")
    parser.add_argument("--cell-timeout", type=float, default=300,
                        help="seconds before a cell is interrupted (default 300)")
    parser.add_argument("--book", type=Path, default=_BOOK, help="the book's folder, whose chapters list the exercises "
                        "(default: the book beside the installed package)")
    return parser


def _write_reports(results: list[Result], args: argparse.Namespace) -> None:
    """The files asked for: --json, --junit, --csv and --feedback."""
    if args.json:
        args.json.write_text(json.dumps(_json_report(results), ensure_ascii=False, indent=1), encoding="utf-8")
    if args.junit:
        _junit(results).write(args.junit, encoding="utf-8", xml_declaration=True)
    if args.csv:
        _write_csv(results, args.csv)
    if args.feedback == _STDOUT:
        print("", *map(_feedback, results), sep="\n")
    elif args.feedback:
        _write_feedback(results, args.feedback)
    for path in (args.json, args.junit, args.csv, args.feedback):
        if path and path != _STDOUT:
            print(f"written: {path}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    paths = _notebooks_in(args.targets)
    missing = [p for p in paths if not p.exists()]
    if missing or not paths:
        named = ", ".join(map(str, missing)) or "no notebooks found"
        print(f"grade: no such notebook or folder: {named}", file=sys.stderr)
        return 2
    if not (args.book / "en").is_dir():
        print(f"grade: no book at {args.book}: the grader reads the chapters to know each notebook's exercises. "
              "Pass --book PATH, the book/ folder of the cbam-lessons repository at the version your students use.",
              file=sys.stderr)
        return 2
    if args.jobs < 1:
        print(f"grade: --jobs must be at least 1, got {args.jobs}", file=sys.stderr)
        return 2
    results = _grade_all(paths, args.jobs, book=args.book.resolve(), points=args.points, timeout=args.timeout,
                         cell_timeout=args.cell_timeout)
    print(_table(results))
    for r in results:
        for flag in r.flags:
            print(f"flag: {r.notebook}: {flag.text()}")
    _write_reports(results, args)
    below = [r for r in results if args.min_score and _below(r, args.min_score)]
    if below:
        print(f"grade: below --min-score: {', '.join(f'{r.notebook} ({r.score:g}/{r.max_score:g})' for r in below)}",
              file=sys.stderr)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
