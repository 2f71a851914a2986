"""The package as a wheel (`make dist`): it installs where only its dependencies are, and works there.

The fresh environment is a new venv that sees the distributions of PyTorch, torchvision, matplotlib and
tqdm (the wheel's declared dependencies) and of what they depend on, linked from this venv, and nothing
else: no nbformat, no Jupyter, no source tree. pip installs the wheel there without an index, so a
dependency the wheel needs but does not declare, or a file it forgets, fails here.
"""

import importlib.metadata as metadata
import os
import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
from bundle import package  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BASE = ("torch", "torchvision", "matplotlib", "tqdm")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
CORRECT_GATE = '''
import torch
from torch import nn


class MyChannelAttention(nn.Module):
    def __init__(self, in_planes, ratio=16):
        super().__init__()
        self.fc1 = nn.Conv2d(in_planes, in_planes // ratio, 1, bias=False)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Conv2d(in_planes // ratio, in_planes, 1, bias=False)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        avg = self.fc2(self.relu1(self.fc1(x.mean(dim=(2, 3), keepdim=True))))
        top = self.fc2(self.relu1(self.fc1(x.amax(dim=(2, 3), keepdim=True))))
        return self.sigmoid(avg + top)
'''


UNMET = """
import importlib.metadata as m
from packaging.requirements import Requirement

unmet = []
for text in m.requires("cbam_lessons"):
    requirement = Requirement(text)
    if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
        continue  # an extra's requirement
    try:
        if not requirement.specifier.contains(m.version(requirement.name), prereleases=True):
            unmet.append(text)
    except m.PackageNotFoundError:
        unmet.append(text)
print(unmet)
"""


def _closure(names) -> set[str]:
    """The installed distributions ``names`` need, themselves included (markers of extras ignored)."""
    seen, todo = set(), list(names)
    while todo:
        name = re.split(r"[ ;<>=!~\[(]", todo.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional or platform-specific requirement that is not installed here
        seen.add(name)
        todo += [r for r in dist.requires or [] if "extra ==" not in r]
    return seen


def _link_distributions(names: set[str], target: Path) -> None:
    """Symlink every top-level file and folder of the distributions ``names`` into ``target``."""
    target.mkdir()
    for name in names:
        dist = metadata.distribution(name)
        for top in {Path(f.parts[0]) for f in dist.files or [] if not f.parts[0].startswith("..")}:
            source = Path(dist.locate_file(top))
            if source.exists() and not (target / top).exists() and top.name != "__pycache__":
                (target / top).symlink_to(source)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return package(tmp_path_factory.mktemp("dist"))


def test_the_wheel_and_sdist_carry_the_code_the_logs_the_license_and_the_readme(built):
    wheel, sdist = built
    assert wheel.name == f"cbam_lessons-{VERSION}-py3-none-any.whl" and sdist.name == f"cbam_lessons-{VERSION}.tar.gz"
    names = zipfile.ZipFile(wheel).namelist()
    assert "cbam_lessons/checks/attention.py" in names and "cbam_lessons/nets/models.py" in names
    logs = sorted(p.name for p in (ROOT / "cbam_lessons" / "experiment" / "runlogs").glob("*.json"))
    assert sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("cbam_lessons/experiment/runlogs/")) == logs
    info = zipfile.ZipFile(wheel).read(f"cbam_lessons-{VERSION}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in info and "# CBAM Lessons" in info
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert not any(n.startswith(("tests/", "book/")) for n in names)


def test_the_wheel_installs_and_works_where_only_its_dependencies_are(built, tmp_path):
    wheel, _ = built
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    site = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        text=True).strip())
    _link_distributions(_closure(BASE), tmp_path / "base")
    (site / "base.pth").write_text(str(tmp_path / "base") + "\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    # --no-deps: this venv's torch was installed without its CUDA packages, which pip would look for; the
    # wheel's own requirements are checked one by one instead.
    install = subprocess.run([python, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet", str(wheel)],
                             capture_output=True, text=True, env=clean, cwd=tmp_path)
    assert install.returncode == 0, install.stderr
    (tmp_path / "unmet.py").write_text(UNMET)
    unmet = subprocess.run([python, "unmet.py"], capture_output=True, text=True, env=clean, cwd=tmp_path)
    assert unmet.returncode == 0 and unmet.stdout.strip() == "[]", unmet.stdout + unmet.stderr

    (tmp_path / "gate.py").write_text(CORRECT_GATE)
    smoke = ("import cbam_lessons, torch; from cbam_lessons.checks import check_channel_attention; "
             "from gate import MyChannelAttention; print(cbam_lessons.__file__); "
             "print(cbam_lessons.CBAMBlock(32, 8, 7)(torch.randn(2, 32, 8, 8)).shape); "
             "check_channel_attention(MyChannelAttention, lang='en')")
    ran = subprocess.run([python, "-c", smoke], capture_output=True, text=True, env=clean, cwd=tmp_path, timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert str(site) in ran.stdout and "torch.Size([2, 32, 8, 8])" in ran.stdout and "✅" in ran.stdout
    verify = subprocess.run([python, "-m", "cbam_lessons.verify", "gate.py:MyChannelAttention"], capture_output=True, text=True,
                            env=clean, cwd=tmp_path, timeout=300)
    assert verify.returncode == 0 and "MyChannelAttention" in verify.stdout, verify.stdout + verify.stderr
