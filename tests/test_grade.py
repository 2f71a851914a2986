"""`python -m cbam_lessons.grade`: fresh runs, the package's own checkers, points, reports and the Classroom workflow.

The class is planted: small copies of the book's student notebooks, each a header cell and the chapter's exercise
cells, blank or filled in with the chapter's own solution. No chapter's training cells ever run here.
"""

import copy
import csv
import json
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree

import nbformat
import pytest
import yaml

from cbam_lessons import grade
from cbam_lessons.grade import POINTS, Exercise, Graded, Result, grade_notebook, in_kernel, main
from cbam_lessons.student_notebooks import notebook_language, student_notebooks

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
WORKFLOW = ROOT / "teaching" / "classroom" / ".github" / "workflows" / "classroom.yml"
CALL = re.compile(r"^check_\w+\(", re.M)
HEADER = ("import statistics\n\nimport torch\nimport torch.nn.functional as F\n"
          "from torch import nn\n\nimport cbam_lessons as cl")
FORGED = "✅ Passed: your LinearChannelAttention matches the reference.\n"


def _plant(path, chapter, lang="en", solved=(), edit=None, before=(), after=(), forged=False):
    """A small student notebook of ``chapter``: a header cell, the ``before`` cells, its exercise cells (those numbered
    in ``solved`` with the chapter's solution, each changed by ``edit(number, source)``), then the ``after`` cells.
    ``forged`` gives each exercise cell a stored "✅ Passed" output, as if it had run and passed, and the tag that
    makes nbclient skip a cell."""
    student = nbformat.read(BOOK / lang / "exercises" / f"{chapter}.ipynb", as_version=4)
    solutions = {c.id: c for c in nbformat.read(BOOK / lang / f"{chapter}.ipynb", as_version=4).cells}
    exercises = [c for c in student.cells if c.cell_type == "code" and CALL.search(c.source)]
    cells = [nbformat.v4.new_code_cell(source) for source in (HEADER, *before)]
    for number, cell in enumerate(exercises, 1):
        cell = copy.deepcopy(solutions[cell.id] if number in solved else cell)
        cell.source = edit(number, cell.source) if edit else cell.source
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=FORGED)] if forged else []
        cell.execution_count = 7 if forged else None
        cell.metadata["tags"] = ["skip-execution"] if forged else []
        cells.append(cell)
    student.cells = [student.cells[0], *cells, *map(nbformat.v4.new_code_cell, after)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(student, path)
    return path


def _syntax_error(number, source):
    return "def oops(:\n    pass\n" + source if number == 1 else source


def _renamed(number, source):
    return source.replace("MyCBAMBlock", "GusCBAM") if number == 1 else source


def _checker_rebound(number, source):
    forged = 'check_residual_cbam = lambda *args, **kwargs: print("✅ 通过：`MyResidualCBAMBlock` 与参考实现一致。")\n'
    imported = "from cbam_lessons.checks import check_residual_cbam\n"  # exercise 2's cell imports its checker
    return source.replace(imported, imported + forged) if number == 2 else source


def _checker_replaced(number, source):
    """The checker call replaced by the verdict it would print."""
    return re.sub(r"^check_\w+\(.*$", 'print("✅ Passed")', source, flags=re.M)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    room = tmp_path_factory.mktemp("classroom")
    _plant(room / "solved" / "01_channel_attention.ipynb", "01_channel_attention", solved=(1,))
    _plant(room / "blank" / "01_channel_attention.ipynb", "01_channel_attention")
    _plant(room / "forged" / "01_channel_attention.ipynb", "01_channel_attention", forged=True)
    _plant(room / "died" / "01_channel_attention.ipynb", "01_channel_attention", before=["import os\nos._exit(0)"],
           forged=True)
    _plant(room / "rebound" / "03_cbam_block.ipynb", "03_cbam_block", "zh", solved=(1,), edit=_checker_rebound)
    _plant(room / "syntax" / "03_cbam_block.ipynb", "03_cbam_block", solved=(2,), edit=_syntax_error)
    _plant(room / "renamed" / "03_cbam_block.ipynb", "03_cbam_block", solved=(1, 2), edit=_renamed)
    _plant(room / "borrowed" / "02_spatial_attention.ipynb", "02_spatial_attention",
           after=["from cbam_lessons import SpatialAttention as MySpatialAttention"])
    _plant(room / "looping" / "02_spatial_attention.ipynb", "02_spatial_attention", "zh", solved=(1,),
           before=["while True:\n    pass"])
    _plant(room / "unnumbered" / "channel_attention.ipynb", "01_channel_attention", solved=(1,))
    (room / "broken").mkdir()
    (room / "broken" / "01_channel_attention.ipynb").write_text("this is not json")
    return room


@pytest.fixture(scope="module")
def graded(classroom, tmp_path_factory):
    """The class graded two at a time, with every report: (exit status, stdout, stderr, reports folder)."""
    out = tmp_path_factory.mktemp("reports")
    before = {p: p.read_bytes() for p in classroom.rglob("*.ipynb")}
    argv = [str(classroom), "--jobs", "2", "--cell-timeout", "20", "--timeout", "120", "--min-score", "100%",
            "--json", str(out / "grades.json"), "--junit", str(out / "grades.xml"), "--csv", str(out / "grades.csv"),
            "--feedback", str(out / "feedback")]
    printed, said = _Kept(), _Kept()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", printed)
        patch.setattr(sys, "stderr", said)
        status = main(argv)
    assert {p: p.read_bytes() for p in classroom.rglob("*.ipynb")} == before  # never modified
    return status, "".join(printed), "".join(said), out


class _Kept(list):
    """A text stream that keeps what is written to it (capsys is per test; this fixture is per module)."""

    def write(self, text):
        self.append(text)
        return len(text)

    def flush(self):
        pass


def _rows(out):
    """{student folder: its notebook's entry} from the JSON report."""
    notebooks = json.loads((out / "grades.json").read_text(encoding="utf-8"))["notebooks"]
    return {Path(n["notebook"]).parent.name: n for n in notebooks}


def _results(row):
    return {e["id"]: e["result"] for e in row["exercises"]}


def test_verdicts_come_from_a_fresh_run_with_the_packages_checkers(graded):
    rows = _rows(graded[3])
    assert _results(rows["solved"]) == {"01.1": "passed"} and rows["solved"]["score"] == 10
    assert _results(rows["blank"]) == {"01.1": "not yet"}
    # a stored "✅ Passed" output is cleared and the cell run again, skip-execution tag or not
    assert _results(rows["forged"]) == {"01.1": "not yet"} and rows["forged"]["score"] == 0
    # a kernel that exits before the exercise: the stored output does not count, the cell never ran
    assert _results(rows["died"]) == {"01.1": "not run"} and "kernel died" in rows["died"]["problem"]
    # a student's own check_residual_cbam that prints ✅ changes nothing, and is flagged
    assert _results(rows["rebound"]) == {"03.1": "passed", "03.2": "not yet"}
    assert rows["rebound"]["flags"] == [
        "check_residual_cbam was redefined in the notebook; the grade used the package's own"]
    # the book's own class imported under the exercise's name
    assert _results(rows["borrowed"]) == {"02.1": "not own code"}
    assert "cbam_lessons.spatial_attention" in rows["borrowed"]["exercises"][0]["message"]


def test_one_exercises_failure_does_not_break_the_next(graded):
    rows = _rows(graded[3])
    # a syntax error in exercise 1's cell does not reach exercise 2, whose cell imports its own checker
    assert _results(rows["syntax"]) == {"03.1": "error: SyntaxError", "03.2": "passed"}
    assert "SyntaxError" in rows["syntax"]["exercises"][0]["message"]
    # an endless loop in a cell is interrupted after --cell-timeout, and the exercise after it is graded
    assert _results(rows["looping"]) == {"02.1": "passed"} and rows["looping"]["problem"] is None
    assert rows["looping"]["flags"] == [
        "the cell that starts `while True:` ran past the 20 s cell limit and was interrupted"]


def test_columns_are_exercises_not_class_names_and_edits_are_flagged(graded):
    _, table, _, out = graded
    rows = _rows(out)
    assert _results(rows["renamed"]) == {"03.1": "passed", "03.2": "passed"}
    assert rows["renamed"]["exercises"][0]["name"] == "GusCBAM"
    assert rows["renamed"]["flags"] == ['03.1: the checker cell was edited: the student notebook\'s line '
                                        '`check_cbam_block(MyCBAMBlock, lang="en")` is missing or changed']
    lines = table.splitlines()
    assert lines[0].split() == ["notebook", "01.1", "02.1", "03.1", "03.2", "score", "time", "problem"]
    assert lines[len(rows) + 1].split() == ["passed", "1/4", "1/2", "2/3", "2/3"]  # after one row per notebook
    assert "flag: " in table and "GusCBAM" not in lines[0]


def test_notebooks_that_cannot_be_graded_say_why(graded):
    rows = _rows(graded[3])
    assert rows["broken"]["problem"] == "not a notebook (NotJSONError): the file cannot be read as a Jupyter notebook"
    assert rows["unnumbered"]["problem"].startswith("channel_attention.ipynb is no chapter's student notebook")
    assert rows["broken"]["exercises"] == rows["unnumbered"]["exercises"] == []


def test_points_total_and_min_score_exit_status(graded, tmp_path):
    status, _, errors, out = graded
    assert status == 1  # --min-score 100%: most of the class is below it
    below = errors.split("below --min-score: ")[1]
    assert "blank" in below and "broken" in below and f"solved{os.sep}01" not in below
    points = tmp_path / "points.toml"
    points.write_text('"01.1" = 4\n"03.2" = 1\n', encoding="utf-8")
    solved = _rows(out)["solved"]["notebook"]
    assert main([solved, "--points", str(points), "--min-score", "4", "--json", str(tmp_path / "g.json")]) == 0
    row = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))["notebooks"][0]
    assert (row["score"], row["max_score"]) == (4, 4)


def test_a_points_file_that_names_no_exercise_is_refused(tmp_path, capsys):
    points = tmp_path / "points.json"
    points.write_text('{"01.1": 4, "11.1": 3}', encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path), "--points", str(points)])
    assert stop.value.code == 2
    assert "names no such exercise: 11.1; the exercises are 01.1" in capsys.readouterr().err


def test_only_a_pass_earns_points():
    exercise = Exercise("01.1", "check_channel_attention", "MyGate", 10, 3)
    assert Graded(exercise, "passed", "").points == 10 and Graded(exercise, "only_avg", "").points == 0
    result = Result(Path("a.ipynb"), exercises=[Graded(exercise, "passed", ""), Graded(exercise, "not run", "")])
    assert (result.score, result.max_score) == (10, 20)


def test_every_exercise_of_the_book_has_default_points():
    found = set()
    for path, notebook in student_notebooks(BOOK).items():
        calls = [c for cell in notebook.cells if cell.cell_type == "code" for c in CALL.findall(cell.source)]
        found |= {f"{path.name[:2]}.{k}" for k in range(1, len(calls) + 1)}
    assert set(POINTS) == found


def test_a_notebooks_language_is_read_from_its_metadata():
    pairs = [(path.parent.parent.name, notebook_language(nb)) for path, nb in student_notebooks(BOOK).items()]
    assert {folder for folder, _ in pairs} == {"en", "zh"} and all(folder == lang for folder, lang in pairs)


def test_json_junit_and_csv_reports_parse(graded):
    out = graded[3]
    suites = {Path(s.get("name")).parent.name: s for s in ElementTree.parse(out / "grades.xml").getroot()}
    assert len(suites) == len(_rows(out)) == 11
    assert suites["solved"].get("failures") == "0"
    assert suites["solved"].find("testcase").get("name") == "01.1 LinearChannelAttention"
    assert suites["blank"].find("testcase/failure").get("type") == "not yet"
    assert suites["broken"].get("errors") == "1" and suites["broken"].find("testcase/error") is not None
    assert "redefined" in suites["rebound"].find("system-out").text
    properties = {p.get("name"): p.get("value") for p in suites["renamed"].iter("property")}
    assert properties == {"score": "20", "max_score": "20"}
    with open(out / "grades.csv", encoding="utf-8") as f:
        lines = [r for r in csv.DictReader(f) if Path(r["notebook"]).parent.name == "syntax"]
    assert [(r["exercise"], r["result"], r["points"]) for r in lines] == [
        ("03.1", "error: SyntaxError", "0"), ("03.2", "passed", "10")]


def test_feedback_files_speak_the_notebooks_language(graded):
    feedback = graded[3] / "feedback"
    english = (feedback / "solved" / "01_channel_attention.md").read_text(encoding="utf-8")
    assert english.startswith("# Feedback on 01_channel_attention.ipynb") and "**Score: 10 of 10 points.**" in english
    assert "✅ Passed: your LinearChannelAttention matches the reference." in english
    chinese = (feedback / "rebound" / "03_cbam_block.md").read_text(encoding="utf-8")
    assert chinese.startswith("# 03_cbam_block.ipynb 的批改反馈") and "**得分：10 分（满分 20 分）。**" in chinese
    assert "⏳ 尚未实现" in chinese and "## 需要老师查看的地方" in chinese and "重新定义了 check_residual_cbam" in chinese


def test_each_notebooks_time_is_printed(graded):
    _, table, errors, out = graded
    assert len(re.findall(r"^graded .+ points in \d+\.\d s", errors, re.M)) == 11
    assert all(re.search(r"\d+\.\d s", line) for line in table.splitlines()[1:12])
    assert all(n["seconds"] > 0 for n in _rows(out).values() if n["exercises"])


def test_one_job_gives_the_same_grades_as_two(graded, tmp_path):
    parallel = _rows(graded[3])
    some = [parallel[name]["notebook"] for name in ("solved", "syntax", "rebound")]
    assert main([*some, "--cell-timeout", "20", "--json", str(tmp_path / "one.json")]) == 0
    serial = json.loads((tmp_path / "one.json").read_text(encoding="utf-8"))["notebooks"]
    for row in serial:
        twin = parallel[Path(row["notebook"]).parent.name]
        assert {**row, "seconds": 0} == {**twin, "seconds": 0}


def test_a_notebook_past_its_time_limit_leaves_its_exercises_not_run(tmp_path):
    stubborn = ("import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                "    except KeyboardInterrupt:\n        pass")
    path = _plant(tmp_path / "01_channel_attention.ipynb", "01_channel_attention", solved=(1,), before=[stubborn])
    result = grade_notebook(path, timeout=8, cell_timeout=2)
    assert result.problem.text() == "ran past the 8 s limit"
    assert [(g.exercise.id, g.result) for g in result.exercises] == [("01.1", "not run")]


def test_output_past_the_limit_is_dropped_and_flagged_but_errors_and_grades_stay(tmp_path, monkeypatch):
    monkeypatch.setattr(grade, "OUTPUT_LIMIT", 10_000)
    flood = "for _ in range(50):\n    print('x' * 1000)"  # 50,050 characters
    path = _plant(tmp_path / "03_cbam_block.ipynb", "03_cbam_block", solved=(1, 2), edit=_syntax_error, before=[flood])
    result = grade_notebook(path)
    assert [(g.exercise.id, g.result) for g in result.exercises] == [("03.1", "error: SyntaxError"), ("03.2", "passed")]
    capped = [f for f in result.flags if f.code == "output_capped"]
    assert len(capped) == 1 and capped[0].fields["kept"] <= 10_000 and capped[0].fields["printed"] >= 50_050
    assert re.fullmatch(r"the notebook printed [\d,]+ characters of output; the grade kept the first [\d,]+",
                        capped[0].text())
    assert capped[0].text("zh").startswith("笔记本打印了 ")


def test_the_grading_code_ignores_rebound_names_and_foreign_modules(tmp_path):
    """in_kernel, called here as the grading cell calls it in the kernel."""
    solution = next(c.source for c in nbformat.read(BOOK / "en" / "02_spatial_attention.ipynb", as_version=4).cells
                    if "class MySpatialAttention" in c.source)
    namespace = {"__name__": "__main__"}
    exec(HEADER + "\n" + solution, namespace)
    namespace["check_spatial_attention"] = lambda *args, **kwargs: print("✅ Passed")
    import cbam_lessons

    namespace["Borrowed"] = cbam_lessons.SpatialAttention
    plan = [{"id": "02.1", "checker": "check_spatial_attention", "name": name}
            for name in ("MySpatialAttention", "Borrowed", "Nope")]
    out = tmp_path / "verdicts.json"
    in_kernel(namespace, plan[:1], "zh", str(out), {"cbam_lessons": str(tmp_path / "cbam_lessons" / "__init__.py")})
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["exercises"]["02.1"] == {"result": "passed", "message": "✅ 通过：`MySpatialAttention` 与参考实现一致。"}
    assert [f["code"] for f in found["flags"]] == ["foreign_module", "redefined"]
    for exercise, result in zip(plan[1:], ("not own code", "missing")):
        in_kernel(namespace, [exercise], "en", str(out), {})
        assert json.loads(out.read_text(encoding="utf-8"))["exercises"]["02.1"]["result"] == result


def test_a_missing_target_is_explained(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere.ipynb")]) == 2
    assert "no such notebook or folder" in capsys.readouterr().err


# --- The GitHub Classroom workflow ---------------------------------------------------------------------------------


def _steps():
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["run-autograding-tests"]["steps"]


def _graders():
    return [s for s in _steps() if s.get("uses", "").startswith("classroom-resources/autograding-command-grader@")]


def test_the_workflow_has_one_step_per_chapter_worth_its_points_and_reports_them_all():
    graders = _graders()
    chapters = sorted(p.name for p in (BOOK / "en" / "exercises").glob("*.ipynb"))
    assert [re.search(r"exercises/(\S+\.ipynb)", s["with"]["command"])[1] for s in graders] == chapters
    for step, chapter in zip(graders, chapters):
        assert step["with"]["max-score"] == sum(v for k, v in POINTS.items() if k.startswith(chapter[:2]))
        assert "--min-score 100%" in step["with"]["command"]
    reporter = _steps()[-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter@")
    assert reporter["with"]["runners"].split(",") == [s["id"] for s in graders]
    assert reporter["env"] == {f"{s['id'].upper()}_RESULTS": f"${{{{steps.{s['id']}.outputs.result}}}}"
                               for s in graders}
    book = next(s["with"]["path"] for s in _steps() if s.get("with", {}).get("repository"))
    assert all(f"--book {book}/book " in s["with"]["command"] for s in graders)


def test_each_workflow_step_passes_a_solved_chapter_and_fails_a_blank_or_tampered_one(tmp_path):
    repo = tmp_path / "student-repo"
    chapters = sorted(p.stem for p in (BOOK / "en" / "exercises").glob("*.ipynb"))
    for chapter in chapters:
        _plant(repo / "exercises" / f"{chapter}.ipynb", chapter, solved=(1, 2))
    _plant(repo / "exercises" / "02_spatial_attention.ipynb", "02_spatial_attention")  # failing: left blank
    _plant(repo / "exercises" / "03_cbam_block.ipynb", "03_cbam_block", solved=(2,), edit=_checker_replaced)  # tampered
    book = next(s["with"]["path"] for s in _steps() if s.get("with", {}).get("repository"))
    (repo / book).symlink_to(ROOT)  # the workflow's checkout of the book
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def run(step):
        command = step["with"]["command"]
        assert "'" not in command and "\\" not in command  # then shlex splits it as @actions/exec does
        return subprocess.run(shlex.split(command), cwd=repo, env=env, capture_output=True, text=True, timeout=300)

    with ThreadPoolExecutor(2) as pool:
        runs = dict(zip(chapters, pool.map(run, _graders())))
    assert {c: r.returncode for c, r in runs.items()} == {c: 1 if c[:2] in ("02", "03") else 0 for c in chapters}
    assert all(r.stderr == "" for r in runs.values())  # the command grader fails a step that writes to stderr
    assert "# Feedback on 01_channel_attention.ipynb" in runs["01_channel_attention"].stdout
    assert "⏳ Not implemented yet" in runs["02_spatial_attention"].stdout
    tampered = runs["03_cbam_block"].stdout
    assert "03.1: no cell calls check_cbam_block" in tampered
    assert re.search(r"03_cbam_block\.ipynb\s+not yet\s+passed\s+10/20", tampered)


# --- the reviewer's tricks, without a kernel ----------------------------------------------------------------------
def test_a_verdict_file_without_the_runs_token_or_shape_is_not_trusted(tmp_path):
    from cbam_lessons.grade import _read_verdicts

    exercises = [Exercise("01.1", "check_channel_attention", "MyGate", 10, 3)]
    good = {"exercises": {"01.1": {"result": "passed", "message": "ok"}}, "flags": [], "nonce": "secret"}
    out = tmp_path / "verdicts.json"
    out.write_text(json.dumps(good))
    assert _read_verdicts(out, "secret", exercises)["exercises"]["01.1"]["result"] == "passed"
    assert _read_verdicts(out, "another run's", exercises) is None  # written by something else
    for broken in ({**good, "exercises": {}}, {**good, "exercises": {"01.1": {"result": 1}}}, [], "x"):
        out.write_text(json.dumps(broken))
        assert _read_verdicts(out, "secret", exercises) is None
    out.write_text(json.dumps({**good, "flags": [{"code": "made_up", "fields": {}}]}))
    assert _read_verdicts(out, "secret", exercises)["flags"] == []  # an unknown flag is dropped, not a crash


def test_a_book_class_with_a_reassigned_module_is_still_not_own_code():
    import cbam_lessons as cl
    from cbam_lessons.grade import _borrowed_from

    class Renamed(cl.SpatialAttention):
        pass

    disguised = type("MySpatialAttention", (), dict(vars(cl.SpatialAttention)))
    disguised.__module__ = "__main__"
    assert _borrowed_from(Renamed) == "cbam_lessons.spatial_attention"
    assert _borrowed_from(disguised) == "cbam_lessons.spatial_attention"
    assert _borrowed_from(type("Own", (), {"forward": lambda self, x: x})) == ""


def test_a_full_score_is_never_below_100_percent_and_points_must_be_finite(tmp_path):
    from cbam_lessons.grade import _below, _points_file

    result = Result(Path("x.ipynb"))
    result.exercises = [Graded(Exercise(i, "check_x", "X", p, 0), "passed", "") for i, p in (("a", 0.7), ("b", 0.1))]
    assert not _below(result, (100.0, True)) and _below(result, (0.9, False))
    (tmp_path / "p.json").write_text('{"01.1": NaN}')
    with pytest.raises(Exception, match="must be numbers"):
        _points_file(str(tmp_path / "p.json"))


def test_an_odd_notebook_is_its_own_row_not_a_crash(tmp_path):
    assert notebook_language(nbformat.v4.new_notebook(metadata={"language": None})) == "en"
    path = tmp_path / "01_channel_attention.ipynb"
    nbformat.write(nbformat.v4.new_notebook(metadata={"language": None}), path)
    result = grade_notebook(path, book=tmp_path / "no-book-here")
    assert result.problem is not None and isinstance(result.problem.text("en"), str)
