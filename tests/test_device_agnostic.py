"""Nothing outside cbam_lessons/device.py decides the device: no `.cuda()`, no "cuda" strings,
no `.numpy()` on a tensor that may live on a GPU, in the package or in any notebook."""

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEVICE_HELPER = ROOT / "cbam_lessons" / "device.py"
# Tensors rooted at these names are made on the CPU by the package's data generator.
CPU_ROOTS = ("train_set", "test_set")


def _chain(node):
    """The names along an attribute/call/subscript chain, innermost first: x.a().b -> [x, a, b]."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        else:
            names.append(node.id if isinstance(node, ast.Name) else "?")
            return names[::-1]


def device_violations(source: str) -> list[str]:
    """Hard-coded device choices in ``source``, one line of explanation each."""
    found = []
    tree = ast.parse(source)
    # `device.type == "cuda"` asks where a tensor is; it does not choose the device.
    type_checks = {
        id(operand)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(isinstance(side, ast.Attribute) and side.attr == "type" for side in [node.left, *node.comparators])
        for operand in [node.left, *node.comparators]
    }
    for node in ast.walk(tree):
        if id(node) in type_checks:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value == "cuda" or node.value.startswith("cuda:"):
                found.append(f"line {node.lineno}: the string {node.value!r}; use cbam_lessons.default_device()")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "cuda":
                found.append(f"line {node.lineno}: .cuda(); use .to(default_device())")
            elif node.func.attr == "numpy":
                chain = _chain(node.func.value)
                if "cpu" not in chain and chain[0] not in CPU_ROOTS:
                    found.append(f"line {node.lineno}: .numpy() on {'.'.join(chain)}, which may be on a GPU; call .cpu() first")
    return found


def _code_cells(path):
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            lines = "".join(cell["source"]).splitlines()
            yield "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


SOURCES = [p for p in sorted((ROOT / "cbam_lessons").rglob("*.py")) if p != DEVICE_HELPER]
NOTEBOOKS = sorted((ROOT / "book").glob("*/**/*.ipynb"))


@pytest.mark.parametrize("path", SOURCES + NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_hard_coded_device(path):
    if path.suffix == ".py":
        problems = device_violations(path.read_text(encoding="utf-8"))
    else:
        problems = [f"cell {i}, {p}" for i, code in enumerate(_code_cells(path)) for p in device_violations(code)]
    assert not problems, "\n".join(problems)


def test_the_scan_finds_each_kind_of_hard_coded_device():
    bad = 'x = x.cuda()\ny = torch.zeros(2, device="cuda:0")\nz = model(x).detach().numpy()\n'
    assert len(device_violations(bad)) == 3
    good = ("x = x.to(device)\nz = model(x).detach().cpu().numpy()\nimg = test_set.images[0].numpy()\n"
            "if device.type == 'cuda':\n    torch.cuda.synchronize()\n")
    assert device_violations(good) == []


def test_the_scan_covers_every_chapter_and_student_notebook():
    assert len(NOTEBOOKS) >= 20 and all("_build" not in p.parts for p in NOTEBOOKS)
