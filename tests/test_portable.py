"""The portable tier's tools: tagging the cells whose outputs do not depend on numerics, and finding changed notebooks."""

import copy
import subprocess
import sys

import nbclient
import nbformat

from cbam_lessons import numerics, portable


def test_comparable_outputs_are_sanitized_and_joined_like_nbval_does():
    rules = portable.sanitizers()
    a = [{"output_type": "stream", "name": "stdout", "text": "model at 0x7f3a2b1c9d00\n"},
         {"output_type": "stream", "name": "stdout", "text": "done\n"}]
    b = [{"output_type": "stream", "name": "stdout", "text": "model at 0x55aa11bb22cc\ndone\n"}]
    assert portable.comparable(a, rules) == portable.comparable(b, rules)
    c = [{"output_type": "stream", "name": "stdout", "text": "model at 0x55aa11bb22cc\nfailed\n"}]
    assert portable.comparable(a, rules) != portable.comparable(c, rules)


def test_tagging_keeps_only_the_cells_whose_outputs_reproduce(tmp_path):
    path = tmp_path / "probe.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("print(sum(range(10)))"),  # the same on every run
        nbformat.v4.new_code_cell("import secrets\nprint(secrets.token_hex(8))"),  # different on every run
        nbformat.v4.new_code_cell("print(secrets.token_hex(8))", metadata={"tags": ["nbval-ignore-output"]}),
        nbformat.v4.new_code_cell("print('stale')", metadata={"tags": [portable.TAG]}),
    ]
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    notebook.cells[3].outputs[0]["text"] = "an output from another run\n"  # this stored output no longer reproduces
    nbformat.write(notebook, path)
    stored = [c.outputs for c in nbformat.read(path, as_version=4).cells]
    assert portable.tag(path) == (1, 4)
    tagged = nbformat.read(path, as_version=4).cells
    assert [c.metadata.get("tags", []) for c in tagged] == [[portable.TAG], [], [portable.IGNORE], []]
    assert [c.outputs for c in tagged] == stored  # only the tags change


def test_changed_notebooks_come_with_their_twins_and_student_copies(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    for folder in ("book/en", "book/zh", "book/en/exercises", "book/zh/exercises"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    for name in ("book/en/04_x.ipynb", "book/zh/04_x.ipynb", "book/en/exercises/04_x.ipynb",
                 "book/zh/exercises/04_x.ipynb", "book/en/05_y.ipynb", "book/zh/05_y.ipynb"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    git("init", "-q", "-b", "main")
    git("-c", "user.email=t@t", "-c", "user.name=t", "add", ".")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "start")
    assert portable.changed_notebooks("main", root=tmp_path) == []
    (tmp_path / "book/zh/04_x.ipynb").write_text('{"changed": 1}', encoding="utf-8")
    assert portable.changed_notebooks("main", root=tmp_path) == [
        "book/en/04_x.ipynb", "book/en/exercises/04_x.ipynb", "book/zh/04_x.ipynb", "book/zh/exercises/04_x.ipynb"]


def test_the_perturbed_profile_changes_only_the_instruction_sets():
    changed = {k for k in numerics.PROFILE if numerics.PERTURBED[k] != numerics.PROFILE[k]}
    assert changed == {"ONEDNN_MAX_CPU_ISA", "MKL_CBWR"} and numerics.PERTURBED["OMP_NUM_THREADS"] == "1"
    printed = subprocess.run([sys.executable, "-m", "cbam_lessons.numerics", "--env", "--perturbed"], capture_output=True,
                             text=True, check=True).stdout.split()
    assert printed == [f"{k}={v}" for k, v in numerics.PERTURBED.items()]


def test_an_executed_notebook_records_its_fingerprint(tmp_path):
    path = tmp_path / "n.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), path)
    numerics.stamp(str(path))
    recorded = nbformat.read(path, as_version=4).metadata["cbam_lessons"]["numerics"]
    assert recorded == numerics.fingerprint()
    assert numerics.main(["--bogus"]) == 2  # a usage error, not a crash


def test_a_chapter_s_tags_reach_its_student_copy(tmp_path):
    chapter = tmp_path / "en" / "01_x.ipynb"
    (tmp_path / "en" / "exercises").mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)"),
                                               nbformat.v4.new_code_cell("import secrets\nprint(secrets.token_hex(8))")])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    nbformat.write(notebook, chapter)
    student = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("banner"), *copy.deepcopy(notebook.cells)])
    student.cells[2].metadata["tags"] = [portable.TAG]  # stale: the chapter's measurement will drop it
    nbformat.write(student, chapter.parent / "exercises" / chapter.name)
    portable.tag(chapter)
    copied = nbformat.read(chapter.parent / "exercises" / chapter.name, as_version=4)
    assert [c.metadata.get("tags", []) for c in copied.cells] == [[], [portable.TAG], []]
    assert copied.cells[1].outputs == notebook.cells[0].outputs  # outputs untouched
