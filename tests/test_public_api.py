"""Every public name of the package is exported where readers expect it and used by some test."""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import cbam_lessons

TESTS = Path(__file__).parent


def _public_names():
    """(module, name) for every public class, function and constant defined in the package."""
    for info in pkgutil.walk_packages(cbam_lessons.__path__, "cbam_lessons."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or inspect.ismodule(obj):
                continue
            if inspect.isclass(obj) or inspect.isfunction(obj):
                if obj.__module__ == module.__name__:  # else imported from elsewhere
                    yield module.__name__, name
            elif name.isupper() and re.search(rf"^{name}\s*[:=]", inspect.getsource(module), re.M):
                yield module.__name__, name  # a constant this module defines


def test_every_public_name_is_used_by_a_test():
    corpus = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.glob("test_*.py") if p.name != Path(__file__).name)
    untested = [f"{m}.{n}" for m, n in _public_names() if not re.search(rf"\b{n}\b", corpus)]
    assert not untested, f"public names no test uses: {untested}"


def test_top_level_exports_the_models_and_blocks():
    for name in cbam_lessons.__all__:
        assert hasattr(cbam_lessons, name), name
    assert {"ChannelAttention", "SpatialAttention", "CBAMBlock", "CBAMModel", "PlainModel"} <= set(cbam_lessons.__all__)
