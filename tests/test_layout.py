"""The package's layout: each module imports only from its own layer or the layers below it."""

import ast
from pathlib import Path

import cbam_lessons

PACKAGE = Path(cbam_lessons.__file__).parent

#: Lowest first. A module belongs to the first layer one of whose entries is its name or a package above it.
LAYERS = (
    ("_validate", "device", "numerics", "labels", "data"),
    ("channel_attention", "spatial_attention", "cbam_block", "fast"),
    ("nets",),
    ("experiment",),
    ("localization", "viz", "diagram"),
    ("checks",),
    ("verify", "grade", "exercises", "student_notebooks", "benchmark", "portable"),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    head = module.split(".")[0]
    for number, names in enumerate(LAYERS):
        if head in names:
            return number
    raise AssertionError(f"cbam_lessons.{module} is in no layer of tests/test_layout.py: add it to one")


def _imports(path: Path, module: str) -> set[str]:
    """The package modules that ``path`` imports (relative or absolute, at the top or inside a function)."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                target = ".".join([*base, *([node.module] if node.module else [])])
            elif (node.module or "").startswith("cbam_lessons"):
                target = node.module.removeprefix("cbam_lessons").lstrip(".")
            else:
                continue
            names = [f"{target}.{a.name}".lstrip(".") for a in node.names]
            found |= {name for name in [target, *names] if name and _exists(name)}
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("cbam_lessons.") for a in node.names if a.name.startswith("cbam_lessons.")}
    return found


def _exists(module: str) -> bool:
    path = PACKAGE.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_no_module_imports_from_a_layer_above_its_own():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        if not module:  # the package's __init__ gathers the public names from every layer
            continue
        for target in _imports(path, module):
            if _layer(target) > _layer(module):
                upward.append(f"cbam_lessons.{module} (layer {_layer(module)}) imports cbam_lessons.{target} "
                              f"(layer {_layer(target)})")
    assert not upward, "imports running upward:\n" + "\n".join(upward)


def test_the_layer_check_sees_relative_and_late_imports(tmp_path):
    planted = tmp_path / "checks_like.py"
    planted.write_text("def f():\n    from ..nets.models import CBAMModel\n", encoding="utf-8")
    assert _imports(planted, "checks.checks_like") == {"nets.models"}
    planted.write_text("from . import _verdict\nfrom cbam_lessons.experiment import stats\n", encoding="utf-8")
    assert _imports(planted, "checks.checks_like") == {"checks", "checks._verdict", "experiment", "experiment.stats"}

