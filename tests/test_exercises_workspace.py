"""`make exercises`: the students' own copies of the exercises, never overwritten."""

import shutil
import subprocess
from pathlib import Path

from cbam_lessons.exercises import main, sync_workspace

ROOT = Path(__file__).parent.parent
STUDENT = sorted((ROOT / "book").glob("*/exercises/*.ipynb"))


def test_first_run_copies_every_exercise_of_both_languages(tmp_path):
    copied, kept = sync_workspace(ROOT / "book", tmp_path / "ws")
    assert kept == [] and len(copied) == len(STUDENT) >= 8
    assert {p.relative_to(tmp_path / "ws").as_posix() for p in copied} == {
        f"{p.parent.parent.name}/{p.name}" for p in STUDENT}
    assert all(c.read_bytes() == (ROOT / "book" / c.parent.name / "exercises" / c.name).read_bytes() for c in copied)


def test_a_students_edit_is_kept_and_new_exercises_are_added(tmp_path):
    book, ws = tmp_path / "book", tmp_path / "ws"
    (book / "en" / "exercises").mkdir(parents=True)
    shutil.copy(STUDENT[0], book / "en" / "exercises" / "01_a.ipynb")
    sync_workspace(book, ws)
    mine = ws / "en" / "01_a.ipynb"
    mine.write_text('{"my": "solution"}')
    shutil.copy(STUDENT[0], book / "en" / "exercises" / "02_b.ipynb")  # the book gains an exercise
    (book / "en" / "exercises" / "01_a.ipynb").write_text("{}")  # and regenerates the first one
    copied, kept = sync_workspace(book, ws)
    assert copied == [ws / "en" / "02_b.ipynb"] and kept == [mine]
    assert mine.read_text() == '{"my": "solution"}'


def test_the_command_says_what_it_copied_and_kept(tmp_path, capsys):
    ws = tmp_path / "ws"
    assert main(["--to", str(ws), "--book", str(ROOT / "book")]) == 0
    assert main(["--to", str(ws), "--book", str(ROOT / "book")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[len(STUDENT)] == f"{len(STUDENT)} copied, 0 kept in {ws}/. Open them with `make lab`."
    assert out[-1] == f"0 copied, {len(STUDENT)} kept in {ws}/. Open them with `make lab`."
    assert all(line.startswith("kept    ") for line in out[len(STUDENT) + 1:-1])


def test_a_wrong_book_folder_is_explained(tmp_path, capsys):
    assert main(["--to", str(tmp_path / "ws"), "--book", str(tmp_path)]) == 2
    assert "no student notebooks under" in capsys.readouterr().err


def test_make_exercises_twice_keeps_an_edit(tmp_path):
    ws = tmp_path / "ws"
    run = lambda: subprocess.run(["make", "-s", "exercises", f"WORKSPACE={ws}"], cwd=ROOT,  # noqa: E731
                                 capture_output=True, text=True, timeout=600)
    first = run()
    assert first.returncode == 0, first.stderr
    edited = ws / "zh" / STUDENT[-1].name
    edited.write_text(edited.read_text(encoding="utf-8").replace("raise NotImplementedError", "pass  # 我的答案", 1), encoding="utf-8")
    text = edited.read_text(encoding="utf-8")
    second = run()
    assert second.returncode == 0 and f"kept    {edited}" in second.stdout
    assert edited.read_text(encoding="utf-8") == text
