"""Write the offline bundle, ``dist/``: the site, both PDF editions and every notebook, with checksums.

    python book/_ext/bundle.py        (make dist, after make book and make pdf)

    dist/cbam-lessons-site.zip          the site in both languages: open cbam-lessons-site/index.html
    dist/cbam-lessons-en.pdf, -zh.pdf   the PDF editions
    dist/cbam-lessons-notebooks.zip     chapters and student notebooks, en/ and zh/
    dist/cbam_lessons-VERSION-py3-none-any.whl, cbam_lessons-VERSION.tar.gz
                                        the package alone, for `pip install` into any environment with PyTorch
    dist/SHA256SUMS                     check with `sha256sum -c SHA256SUMS` in dist/

The zips list their files in sorted order with a fixed date, so the same sources give the same bytes.
"""

import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXED_DATE = (2020, 1, 1, 0, 0, 0)


def _zip(target: Path, files: dict[str, Path]) -> None:
    """Write ``files`` (name in the archive -> file on disk) to ``target``, deflated, sorted, dated FIXED_DATE."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, FIXED_DATE)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            archive.writestr(info, files[name].read_bytes())


def bundle(root: Path = ROOT) -> list[Path]:
    site, pdfs = root / "_build" / "html", [root / "_build" / "pdf" / f"cbam-lessons-{lang}.pdf" for lang in ("en", "zh")]
    for needed, command in ((site / "index.html", "make book"), *((pdf, "make pdf") for pdf in pdfs)):
        if not needed.exists():
            raise FileNotFoundError(f"{needed.relative_to(root)} is missing: run `{command}` first")
    dist = root / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir()
    _zip(dist / "cbam-lessons-site.zip",
         {f"cbam-lessons-site/{p.relative_to(site).as_posix()}": p for p in site.rglob("*") if p.is_file()})
    notebooks = {f"cbam-lessons-notebooks/{p.relative_to(root / 'book').as_posix()}": p
                 for lang in ("en", "zh") for p in (root / "book" / lang).rglob("*.ipynb")}
    _zip(dist / "cbam-lessons-notebooks.zip", notebooks)
    for pdf in pdfs:
        shutil.copyfile(pdf, dist / pdf.name)
    package(dist, root)
    files = sorted(p for p in dist.iterdir())
    sums = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in files)
    (dist / "SHA256SUMS").write_text(sums, encoding="utf-8")
    return [*files, dist / "SHA256SUMS"]


def package(dist: Path, root: Path = ROOT) -> list[Path]:
    """Build the package's wheel and sdist into ``dist`` with setuptools' own build hooks (no isolation: the
    build uses the venv's setuptools, so it needs no download); returns their paths. setuptools' scratch
    folder, ``build/``, is cleared before and after, so no file left from an earlier build gets in."""
    hooks = ("from setuptools import build_meta as b; import sys; "
             "out = sys.argv[1]; built = [b.build_wheel(out), b.build_sdist(out)]; print('built:', *built)")  # setuptools rewrites sys.argv
    shutil.rmtree(root / "build", ignore_errors=True)
    try:
        built = subprocess.run([sys.executable, "-c", hooks, str(dist)], cwd=root, capture_output=True, text=True,
                               timeout=600)
    finally:
        shutil.rmtree(root / "build", ignore_errors=True)
    if built.returncode != 0:
        raise RuntimeError(f"building the wheel and sdist failed:\n{built.stderr[-3000:]}")
    names = next(line for line in built.stdout.splitlines() if line.startswith("built: ")).split()[1:]
    return [dist / name for name in names]


if __name__ == "__main__":
    try:
        for path in bundle():
            print(f"{path.stat().st_size / 1e6:7.1f} MB  {path.relative_to(ROOT)}")
    except FileNotFoundError as err:
        sys.exit(f"make dist: {err}")
