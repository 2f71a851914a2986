"""The PDF editions (`make pdf`): every chapter, every figure, Chinese text that is text, no missing glyph.

Reads `_build/pdf/cbam-lessons-{en,zh}.pdf` and their LaTeX logs; `make test` builds them first.
Needs poppler's `pdftotext`, `pdffonts` and `pdfimages` (`make tex` installs them).
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "_build" / "pdf"
LANGS = ("en", "zh")


def _pdf(lang: str) -> Path:
    path = PDF / f"cbam-lessons-{lang}.pdf"
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make pdf` first")
    return path


def _poppler(tool: str, *args) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: run `make tex` (Debian: apt-get install poppler-utils)")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True, timeout=120).stdout


def _pages(lang: str) -> list[str]:
    toc = (ROOT / ("_toc.yml" if lang == "en" else "_toc.zh.yml")).read_text(encoding="utf-8")
    return re.findall(r"(?:root|file): (book/\S+)", toc)


def _chapters(lang: str) -> list[Path]:
    """The notebooks of the table of contents (the FAQ, a Markdown page, aside)."""
    return [ROOT / f"{name}.ipynb" for name in _pages(lang) if (ROOT / f"{name}.ipynb").exists()]


def _title(notebook: Path) -> str:
    first = json.loads(notebook.read_text(encoding="utf-8"))["cells"][0]
    return "".join(first["source"]).splitlines()[0].removeprefix("# ").strip()


def _normalised(text: str) -> str:
    """pdftotext's text with line breaks and runs of spaces as single spaces (a title may wrap)."""
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module", params=LANGS)
def edition(request):
    lang = request.param
    return lang, _normalised(_poppler("pdftotext", "-enc", "UTF-8", str(_pdf(lang)), "-"))


def test_every_chapter_title_is_in_the_pdf(edition):
    lang, text = edition
    titles = [_title(p) for p in _chapters(lang)]
    assert len(titles) == 12
    titles += [(ROOT / f"{name}.md").read_text(encoding="utf-8").splitlines()[0].removeprefix("# ")
               for name in _pages(lang) if (ROOT / f"{name}.md").exists()]
    missing = [t for t in titles if _normalised(t).replace("*", "") not in text]
    assert not missing, f"chapters missing from the {lang} PDF: {missing}"


def test_exercise_answers_follow_their_questions(edition):
    """A PDF has no dropdowns: the answer's text is printed after its question."""
    lang, text = edition
    question, answer = {
        "en": ("How many weights does ChannelAttention(512, ratio=16) have?", "the MLP has 512 · 32 + 32 · 512"),
        "zh": ("ChannelAttention(512, ratio=16) 有多少个权重", "512 · 32 + 32 · 512"),
    }[lang]
    assert question in text and answer in text[text.index(question):], "an answer is missing after its question"


def test_the_chinese_pdf_has_text_not_pictures_of_text():
    text = _poppler("pdftotext", "-enc", "UTF-8", str(_pdf("zh")), "-")
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 20_000
    assert "通道注意力" in text and "空间注意力" in text


@pytest.mark.parametrize("lang", LANGS)
def test_cjk_fonts_are_embedded(lang):
    rows = _poppler("pdffonts", str(_pdf(lang))).splitlines()[2:]
    cjk = [row for row in rows if "CJK" in row]
    assert cjk, f"no CJK font in the {lang} PDF: install fonts-noto-cjk (Debian/Ubuntu; `make tex` as root does)"
    for row in rows:
        name, embedded = row.split()[0], row.split()[-5]
        assert embedded == "yes", f"{name} is not embedded in the {lang} PDF"


@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_of_the_notebooks_is_in_the_pdf(lang):
    stored = sum(
        1
        for notebook in _chapters(lang)
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code"
        for output in cell["outputs"] if any(k.startswith("image/") for k in output.get("data", {}))
    )
    listed = _poppler("pdfimages", "-list", str(_pdf(lang))).splitlines()[2:]
    images = [row for row in listed if row.split()[2] == "image"]  # not the transparency masks ("smask")
    assert stored > 20 and len(images) == stored


@pytest.mark.parametrize("lang", LANGS)
def test_the_latex_log_has_no_missing_character(lang):
    log = PDF / lang / "_build" / "latex" / "book.log"
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "\\tracinglostchars=2" in (log.with_suffix(".tex")).read_text(encoding="utf-8"), "lost glyphs would go unlogged"
    missing = sorted(set(re.findall(r"Missing character: There is no (.+?) in font", text)))
    assert not missing, f"glyphs missing from the {lang} PDF's fonts: {missing}"


#: What LaTeX draws for the symbols the preamble replaces (\newunicodechar), and pdftotext's mark of a break.
_DRAWN = str.maketrans({"✅": "✔", "❌": "✘", "⏳": "⌛", "␣": None})
_CONTINUED = ",→"


def _squeezed(text: str) -> str:
    """``text`` without white space, its symbols as the PDF draws them: pdftotext's spacing is not the source's."""
    return re.sub(r"\s+", "", text.translate(_DRAWN))


def _wrapped_lines(layout: str) -> list[tuple[str, str]]:
    """Every line LaTeX broke in a verbatim block (its continuation starts with the mark): (the line joined
    again, its continuation alone). The continuation alone is what is sure: pdftotext may set a line's Chinese
    comment above it, or a page's "continued" header between the two parts."""
    lines = layout.splitlines()
    return [(_squeezed(lines[i - 1] + line.strip().removeprefix(_CONTINUED)), _squeezed(line.strip().removeprefix(_CONTINUED)))
            for i, line in enumerate(lines) if line.strip().startswith(_CONTINUED) and i > 0]


def _sources_and_outputs(lang: str) -> tuple[str, str]:
    """What the edition prints as code (code cells, Markdown, the FAQ) and as outputs, each squeezed."""
    sources, outputs = [], []
    for name in _pages(lang):
        path = ROOT / f"{name}.md"
        if path.exists():
            sources.append(path.read_text(encoding="utf-8"))
    for notebook in _chapters(lang):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            sources.append("".join(cell["source"]))
            for output in cell.get("outputs", []):
                text = output.get("text") or output.get("data", {}).get("text/plain") or "\n".join(output.get("traceback", []))
                outputs.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(map(_squeezed, sources)), "\n".join(map(_squeezed, outputs))


def _misplaced(wrapped: list[tuple[str, str]], sources: str, outputs: str) -> tuple[list[str], list[str]]:
    """(wrapped output lines, wrapped lines found nowhere) among ``wrapped`` (see :func:`_wrapped_lines`).

    A broken line is code if it is in the sources, or if its continuation is and the joined line is no output
    (the joined line may hold a comment or a page header pdftotext put there)."""
    code = [(joined, rest) for joined, rest in wrapped if joined in sources or (rest in sources and joined not in outputs)]
    printed = [joined for joined, rest in wrapped if (joined, rest) not in code and (joined in outputs or rest in outputs)]
    unknown = [joined for joined, rest in wrapped if (joined, rest) not in code and joined not in printed]
    return printed, unknown


@pytest.mark.parametrize("lang", LANGS)
def test_no_output_line_wraps_in_the_pdf(lang):
    """Printed outputs fit the page (book/_ext/pdf_output_lines.py): only code may wrap, and only code does."""
    wrapped = _wrapped_lines(_poppler("pdftotext", "-layout", "-enc", "UTF-8", str(_pdf(lang)), "-"))
    assert wrapped, "no wrapped code line found: has pdftotext's continuation mark changed?"
    printed, unknown = _misplaced(wrapped, *_sources_and_outputs(lang))
    assert not printed, f"output lines that wrap in the {lang} PDF (narrow them): {printed}"
    assert not unknown, f"wrapped lines in the {lang} PDF that are neither code nor an output: {unknown}"


def test_a_wrapped_output_line_would_be_found():
    """The check above: a table row that LaTeX broke is an output, a broken code line (also one whose first part
    pdftotext set behind a page header) is code, and a line from neither is reported."""
    layout = ("x = torch.randn(8, 32, 16, 16)  # a long␣\n,→comment\n"
              "SE      25,430    0.455 ± 0.025␣\n,→beyond noise\n"
              "(continued from previous page)\n,→print(x.shape)\n"
              "invented␣\n,→text\n")
    wrapped = _wrapped_lines(layout)
    assert wrapped[:2] == [("x=torch.randn(8,32,16,16)#along" + "comment", "comment"),
                           ("SE25,4300.455±0.025beyondnoise", "beyondnoise")]
    sources = _squeezed("x = torch.randn(8, 32, 16, 16)  # a long comment\nprint(x.shape)")
    outputs = _squeezed("SE      25,430    0.455 ± 0.025  beyond noise\ntorch.Size([8, 32, 16, 16])")
    assert _misplaced(wrapped, sources, outputs) == (["SE25,4300.455±0.025beyondnoise"], ["inventedtext"])


def test_output_prose_is_folded_and_tables_are_not():
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from pdf_output_lines import fold

    from cbam_lessons.labels import width

    english = "  " + "the size of tensor a must match the size of tensor b at non-singleton dimension 2, " * 3
    pieces = fold(english.rstrip(), limit=60)
    assert len(pieces) > 2 and all(width(p) <= 60 for p in pieces) and " ".join(p.strip() for p in pieces) == english.strip()
    assert all(p.startswith("    ") for p in pieces[1:])  # the line's indent plus two
    chinese = "各变体正式训练的用时：无注意力（平均池化头）49 秒，通道：平均（SE）59 秒，通道：最大 65 秒，空间→通道 112 秒，并行"
    pieces = fold(chinese, limit=30)
    assert all(width(p) <= 30 for p in pieces)
    assert "".join(pieces).replace(" ", "") == chinese.replace(" ", "")  # a break at a space drops the space
    assert not any(p.strip()[0] in "，：）" or p.rstrip()[-1] == "（" for p in pieces)  # punctuation stays attached
    row = "CBAM                   25,724  0.659 ± 0.044  +17.4  [+15.3, +19.6]  [+14.4, +20.5]  beyond noise" * 2
    assert fold(row, limit=60) == [row]  # a table's row is never folded: the block gets a smaller font instead
