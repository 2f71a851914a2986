"""`python -m cbam_lessons.grade`: a teacher's table of every exercise's verdict, notebooks untouched."""

import csv

import nbformat
import pytest

from cbam_lessons.checks import MESSAGES
from cbam_lessons.grade import grade_notebook, main, verdict_code

HEADER = "from cbam_lessons.checks import check_channel_attention\nimport torch\nfrom torch import nn\n"
CLASS = '''
class MyChannelAttention(nn.Module):
    def __init__(self, in_planes, ratio=16):
        super().__init__()
        self.fc1 = nn.Conv2d(in_planes, in_planes // ratio, 1, bias=False)
        self.fc2 = nn.Conv2d(in_planes // ratio, in_planes, 1, bias=False)

    def forward(self, x):
        mlp = lambda z: self.fc2(torch.relu(self.fc1(z)))
        {body}
'''
BODIES = {
    "correct": "return torch.sigmoid(mlp(x.mean((2, 3), keepdim=True)) + mlp(x.amax((2, 3), keepdim=True)))",
    "wrong": "return torch.sigmoid(2 * mlp(x.mean((2, 3), keepdim=True)))",
    "raising": "return x @ x",
    "looping": "while True: pass",
    "blank": "raise NotImplementedError('pool, MLP, sigmoid')",
}


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    room = tmp_path_factory.mktemp("classroom")
    for name, body in BODIES.items():
        _notebook(room / f"{name}.ipynb", HEADER, CLASS.format(body=body), "check_channel_attention(MyChannelAttention)")
    _notebook(room / "stuck.ipynb", "while True:\n    pass")
    _notebook(room / "crash.ipynb", "import os\nos._exit(1)")
    (room / "broken.ipynb").write_text("this is not json")
    return room


def test_every_message_template_reads_back_to_its_code():
    for code, (en, zh) in MESSAGES.items():
        if code.startswith("hint_"):
            continue
        for template in (en, zh):
            filled = template.replace("{", "<").replace("}", ">")  # any field value
            assert verdict_code(filled) in (code, *[c for c, pair in MESSAGES.items() if filled in pair]), code


def test_the_grade_table_names_each_outcome_and_leaves_files_alone(classroom, capsys):
    before = {p: p.read_bytes() for p in classroom.iterdir()}
    csv_path = classroom.parent / "grades.csv"
    assert main([str(classroom), "--csv", str(csv_path), "--timeout", "60"]) == 0
    assert {p: p.read_bytes() for p in classroom.iterdir()} == before  # never modified
    with open(csv_path, encoding="utf-8") as f:
        rows = {r["notebook"].split("/")[-1]: r for r in csv.DictReader(f)}
    assert rows["correct.ipynb"]["result"] == "passed"
    assert rows["wrong.ipynb"]["result"] == "only_avg"
    assert rows["raising.ipynb"]["result"] == "raised"
    assert rows["looping.ipynb"]["result"] == "timeout"
    assert rows["blank.ipynb"]["result"] == "not yet"
    assert rows["broken.ipynb"]["result"] == "problem" and "not a notebook" in rows["broken.ipynb"]["message"]
    assert "kernel died" in rows["crash.ipynb"]["message"]
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["notebook", "check_channel_attention(MyChannelAttention)", "problem"]
    assert len(table) == 1 + 8


def test_a_notebook_past_its_time_limit_gets_a_row(classroom):
    result = grade_notebook(classroom / "stuck.ipynb", timeout=8)
    assert result.problem == "ran past the 8 s limit" and result.exercises == {}


def test_a_missing_target_is_explained(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere.ipynb")]) == 2
    assert "no such notebook or folder" in capsys.readouterr().err
