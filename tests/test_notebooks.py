"""The chapters as files: executed, error-free, twinned across languages, listed in both tables of contents.

Their outputs are checked separately by nbval (`make test` runs `pytest --nbval book`).
"""

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from cbam_lessons.labels import pad, width
from cbam_lessons.student_notebooks import BANNER, RUN_TO_RUN, blank_solutions, main, shape, student_notebooks, student_version

ROOT = Path(__file__).parent.parent
BOOK = ROOT / "book"
EN = sorted((BOOK / "en").glob("*.ipynb"))
ZH = sorted((BOOK / "zh").glob("*.ipynb"))
STUDENT = sorted((BOOK / "en" / "exercises").glob("*.ipynb")) + sorted((BOOK / "zh" / "exercises").glob("*.ipynb"))
NOTEBOOKS = EN + ZH + STUDENT


def _cells(path, kind="code"):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == kind]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


class _BlankStrings(ast.NodeTransformer):
    """Drop what may differ between languages: string literals (comments are not in the AST)."""

    def visit_Constant(self, node):
        return ast.Constant(value="") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node):  # keep an f-string's expressions, drop its text
        values = [
            ast.FormattedValue(value=self.visit(v.value), conversion=v.conversion, format_spec=None)
            for v in node.values
            if isinstance(v, ast.FormattedValue)
        ]
        return ast.JoinedStr(values=values)


def program(path):
    """The notebook's code cells as normalised ASTs."""
    return [ast.dump(_BlankStrings().visit(ast.parse(_source(c)))) for c in _cells(path)]


def test_the_book_has_chapters_in_both_languages():
    assert len(EN) >= 5 and [p.name for p in EN] == [p.name for p in ZH]
    assert len(STUDENT) >= 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_every_code_cell_was_executed_in_order_without_errors(path):
    cells = [c for c in _cells(path) if _source(c).strip()]
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, f"cell {counts.index(None)} was never executed: run `make notebooks`"
    assert counts == list(range(1, len(counts) + 1)), "cells were not run top to bottom in one fresh kernel"
    for i, cell in enumerate(cells):
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        assert not errors, f"cell {i} stores an error: {errors[0]['ename']}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_every_notebook_records_the_reference_numerics_it_ran_under(path):
    from cbam_lessons import numerics

    found = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("cbam_lessons", {}).get("numerics")
    assert found, "no numerics fingerprint in the metadata: execute it with `make notebooks`, which records it"
    assert found["environment"] == numerics.PROFILE and found["threads"] == 1, found
    assert found["torch"] == numerics.REFERENCE_TORCH and found["capability"] == numerics.REFERENCE_CAPABILITY, found
    assert found["cpu"] == numerics.REFERENCE_CPU, (
        f"executed on {found['cpu']}, not {numerics.REFERENCE_CPU}, the CPU the logs were recorded on: its outputs "
        "reproduce nowhere else; execute it where the logs were made, or re-record both there")


@pytest.mark.parametrize("en", [p for p in NOTEBOOKS if "/en/" in p.as_posix()], ids=lambda p: str(p.relative_to(BOOK)))
def test_chinese_twin_runs_the_same_code(en):
    zh = BOOK / "zh" / en.relative_to(BOOK / "en")
    assert zh.exists(), f"{en.relative_to(ROOT)} has no Chinese twin"
    en_code, zh_code = program(en), program(zh)
    assert len(en_code) == len(zh_code), "different numbers of code cells"
    differing = [i for i, (a, b) in enumerate(zip(en_code, zh_code)) if a != b]
    assert not differing, f"code cells {differing} differ beyond strings and comments"


def test_the_code_comparison_catches_a_real_change():
    normalise = lambda src: ast.dump(_BlankStrings().visit(ast.parse(src)))  # noqa: E731
    assert normalise('print("mean:", x.mean())  # mean') == normalise('print("均值：", x.mean())  # 均值')
    assert normalise('print(f"{a:.2f} ok")') == normalise('print(f"好 {a:.1f}")')
    assert normalise("x.mean(dim=1)") != normalise("x.mean(dim=2)")
    assert normalise('print(f"{a}")') != normalise('print(f"{b}")')


@pytest.mark.parametrize("lang, toc", [("en", "_toc.yml"), ("zh", "_toc.zh.yml")])
def test_each_table_of_contents_lists_every_chapter_of_its_language(lang, toc):
    data = yaml.safe_load((ROOT / toc).read_text(encoding="utf-8"))
    listed = [data["root"]] + [c["file"] for c in data["chapters"]]
    on_disk = [f"book/{lang}/{p.stem}" for p in (EN if lang == "en" else ZH)]
    faq = f"book/{lang}/faq"  # the one page that is not a notebook, between the last chapter and the appendix
    assert [f for f in listed if f != faq] == on_disk and listed[-2] == faq and (ROOT / f"{faq}.md").exists()


def test_the_two_configs_differ_only_in_title_language_and_excluded_folder():
    en = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    zh = yaml.safe_load((ROOT / "_config.zh.yml").read_text(encoding="utf-8"))
    assert en["sphinx"]["config"].pop("language") == "en" and zh["sphinx"]["config"].pop("language") == "zh_CN"
    assert "book/zh" in en["exclude_patterns"] and "book/en" in zh["exclude_patterns"]
    for config, other in ((en, "book/zh"), (zh, "book/en")):
        config.pop("title")
        config["exclude_patterns"].remove(other)
    assert en == zh


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_notebooks_declare_their_language_and_link_nothing_to_the_other_build(path):
    meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    assert meta["language"] == ("zh-CN" if "/zh/" in path.as_posix() else "en")
    # Cross-language links are added by book/_ext/language_switch.py; hand-written ones would break.
    for cell in _cells(path, "markdown"):
        assert "../zh/" not in _source(cell) and "../en/" not in _source(cell)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_no_stored_output_is_a_warning(path):
    # stderr carries warnings, e.g. matplotlib's "Glyph ... missing from font" for Chinese labels.
    for i, cell in enumerate(_cells(path)):
        stderr = [o for o in cell["outputs"] if o["output_type"] == "stream" and o["name"] == "stderr"]
        assert not stderr, f"cell {i} wrote to stderr: {''.join(stderr[0]['text'])[:200]}"


# --- exercises and student notebooks -------------------------------------------------------


def _printed(cell):
    """Everything a code cell printed to stdout."""
    return "".join(_source({"source": o["text"]}) for o in cell["outputs"] if o["output_type"] == "stream" and o["name"] == "stdout")


def _check_cells(path):
    """Code cells that end with a checker call, e.g. `check_channel_attention(...)`."""
    return [c for c in _cells(path) if _source(c).strip() and _source(c).strip().splitlines()[-1].startswith("check_")]


#: Every chapter from 1 to 9 has at least one coding exercise with a checker (issue 15).
CODING_EXERCISE_CHAPTERS = [p for p in EN + ZH if p.name[:2] in {f"{n:02d}" for n in range(1, 10)}]


@pytest.mark.parametrize("path", CODING_EXERCISE_CHAPTERS, ids=lambda p: str(p.relative_to(BOOK)))
def test_chapters_end_with_exercises_whose_solutions_pass_their_checks(path):
    checks = _check_cells(path)
    assert checks, "no coding exercise with a check"
    for cell in checks:
        assert _printed(cell).startswith("✅"), _printed(cell)


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: str(p.relative_to(BOOK)))
def test_student_notebooks_report_not_implemented_instead_of_failing(path):
    checks = _check_cells(path)
    assert checks
    for cell in checks:
        assert _printed(cell).startswith("⏳"), _printed(cell)
    assert "NotImplementedError" in "".join(_source(c) for c in _cells(path))


def test_committed_student_notebooks_are_what_the_tool_generates():
    generated = student_notebooks(BOOK)
    assert sorted(generated) == STUDENT, "run `make notebooks` to regenerate the student notebooks"
    for path, notebook in generated.items():
        committed = nbformat.read(path, as_version=4)
        assert shape(committed) == shape(notebook), f"{path.relative_to(ROOT)} is stale: run `make notebooks`"


def test_blank_solutions_keeps_the_scaffold_and_the_hint():
    source = "class A:\n    def f(self):\n        # BEGIN SOLUTION: return two\n        return 2\n        # END SOLUTION\n"
    assert blank_solutions(source) == "class A:\n    def f(self):\n        raise NotImplementedError('return two')\n"
    with pytest.raises(ValueError, match="without END SOLUTION"):
        blank_solutions("# BEGIN SOLUTION: x\npass")
    with pytest.raises(ValueError, match="END SOLUTION without BEGIN"):
        blank_solutions("pass\n# END SOLUTION")


def test_generator_writes_student_notebooks_only_for_chapters_with_solutions(tmp_path, capsys):
    new = nbformat.v4
    solved = new.new_notebook(cells=[new.new_markdown_cell("# Ch"), new.new_code_cell("# BEGIN SOLUTION: 两个\nx = 2\n# END SOLUTION")])
    solved.cells[1].outputs = [new.new_output("stream", name="stdout", text="2")]
    solved.metadata["language"] = "zh-CN"
    plain = new.new_notebook(cells=[new.new_code_cell("print(1)")])
    (tmp_path / "en").mkdir()
    (tmp_path / "zh").mkdir()
    nbformat.write(plain, tmp_path / "en" / "00_intro.ipynb")
    nbformat.write(solved, tmp_path / "zh" / "01_ch.ipynb")
    assert student_version(plain, "00_intro.ipynb") is None
    main(str(tmp_path))
    assert "wrote" in capsys.readouterr().out
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("exercises/*.ipynb"))
    assert written == ["zh/exercises/01_ch.ipynb"]
    student = nbformat.read(tmp_path / "zh" / "exercises" / "01_ch.ipynb", as_version=4)
    assert student.cells[0].source == BANNER["zh"].format(number=1, name="01_ch.ipynb") and "第 1 章" in student.cells[0].source
    assert student.cells[2].source == "raise NotImplementedError('两个')" and student.cells[2].outputs == []
    student.cells[2].outputs = [new.new_output("stream", name="stdout", text="executed")]
    nbformat.write(student, tmp_path / "zh" / "exercises" / "01_ch.ipynb")
    main(str(tmp_path))  # the chapter did not change: the executed copy is kept
    assert "wrote" not in capsys.readouterr().out
    assert nbformat.read(tmp_path / "zh" / "exercises" / "01_ch.ipynb", as_version=4).cells[2].outputs[0].text == "executed"
    solved.cells[0].source = "# 第一章"  # only the prose changes: the prose is updated, the outputs kept
    nbformat.write(solved, tmp_path / "zh" / "01_ch.ipynb")
    main(str(tmp_path))
    assert "outputs are kept" in capsys.readouterr().out
    student = nbformat.read(tmp_path / "zh" / "exercises" / "01_ch.ipynb", as_version=4)
    assert student.cells[1].source == "# 第一章" and student.cells[2].outputs[0].text == "executed"
    solved.cells[1].source += "\nprint(x)"  # the copy's code changes: it must be run again
    nbformat.write(solved, tmp_path / "zh" / "01_ch.ipynb")
    main(str(tmp_path))
    assert "execute it" in capsys.readouterr().out
    assert nbformat.read(tmp_path / "zh" / "exercises" / "01_ch.ipynb", as_version=4).cells[2].outputs == []


def test_a_copy_with_run_to_run_outputs_says_its_times_are_its_own():
    for lang in ("en", "zh"):
        for path in sorted((BOOK / lang / "exercises").glob("*.ipynb")):
            chapter = nbformat.read(BOOK / lang / path.name, as_version=4)
            varies = any("nbval-ignore-output" in c.metadata.get("tags", []) for c in chapter.cells)
            banner = nbformat.read(path, as_version=4).cells[0].source
            assert (RUN_TO_RUN[lang] in banner) == varies, path
            assert banner.startswith(BANNER[lang].format(number=int(path.name[:2]), name=path.name)), path


# The cells whose output nbval does not compare, per chapter, as the READMEs list them (and why).
UNCOMPARED = {"04": 1, "08": 1, "09": 7, "10": 1}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_uncompared_cells_are_the_ones_the_readme_lists(lang):
    found = {}
    for path in sorted((BOOK / lang).glob("*.ipynb")):
        tagged = [c for c in _cells(path) if "nbval-ignore-output" in c.get("metadata", {}).get("tags", [])]
        if tagged:
            found[path.name[:2]] = len(tagged)
    assert found == UNCOMPARED, "update the nbval-ignore-output list in README.md and README.zh-CN.md"
    readme = (ROOT / ("README.md" if lang == "en" else "README.zh-CN.md")).read_text(encoding="utf-8")
    total = sum(UNCOMPARED.values())
    assert (f"{total} cells per language are tagged" if lang == "en" else f"各有 {total} 个单元") in readme


ENGLISH_CLASS_NAME = re.compile(r"\b(disk|square|triangle|cross|ring|diamond)s?\b", re.IGNORECASE)


@pytest.mark.parametrize("path", ZH + [p for p in STUDENT if "/zh/" in p.as_posix()], ids=lambda p: p.name)
def test_chinese_outputs_name_the_classes_in_chinese(path):
    for cell in _cells(path):
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))
            found = ENGLISH_CLASS_NAME.search(text)
            assert not found, f"{path.name} prints the English class name {found.group(0)!r}: use labels.label(name, 'zh')"


@pytest.mark.parametrize("path", ZH, ids=lambda p: p.name)
def test_chinese_figures_label_classes_through_the_label_map(path):
    """Figure titles are pixels, so check the code: a dataset's class name is shown only through label()."""
    for cell in _cells(path):
        bare = re.search(r"(?<!label\()\b\w+\.classes\[", _source(cell))
        assert not bare, f"{path.name}: {bare.group(0)} shows an English class name; wrap it in label(..., LANG)"


# --- printed tables line up in Chinese as they do in English ---------------------------------------

def _fields(line):
    """The (start, end) display columns of each field of a table row; fields are separated by two or more spaces."""
    return [(width(line[: m.start()]), width(line[: m.end()])) for m in re.finditer(r"\S+(?: \S+)*", line)]


def _output_lines(cell):
    text = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    return text.splitlines()


def misaligned_rows(en_cell, zh_cell):
    """Rows of a Chinese table whose columns do not line up where the English twin's do.

    The twins run the same code. Where two rows of the English output start (or end) a column's fields
    of different widths at the same display column, the table aligns that column, and the Chinese rows
    must agree; they do not when Chinese labels to the left were padded by code points, not by width.
    """
    en_rows, zh_rows = _output_lines(en_cell), _output_lines(zh_cell)
    if len(en_rows) != len(zh_rows):
        return []
    en_fields, zh_fields = [_fields(r) for r in en_rows], [_fields(r) for r in zh_rows]
    bad = set()
    for i in range(len(en_rows)):
        for j in range(i + 1, len(en_rows)):
            if len(en_fields[j]) != len(en_fields[i]):
                break  # one table's rows are consecutive: a later table's columns may meet this one's by chance
            counts = {len(en_fields[i]), len(en_fields[j]), len(zh_fields[i]), len(zh_fields[j])}
            if len(counts) != 1 or counts.pop() < 3:
                continue
            for k in range(1, len(en_fields[i])):
                (a0, a1), (b0, b1) = en_fields[i][k], en_fields[j][k]
                if a1 - a0 == b1 - b0:
                    continue  # fields of equal width start and end together anyway: no evidence of alignment
                for side in (0, 1):  # a column aligned at its start (left) or at its end (right)
                    if en_fields[i][k][side] == en_fields[j][k][side] and zh_fields[i][k][side] != zh_fields[j][k][side]:
                        bad.add(j)
    return [zh_rows[j] for j in sorted(bad)]


def test_the_alignment_check_catches_code_point_padding():
    en = {"outputs": [{"output_type": "stream", "text": f"{'model':12s}{'acc':>8s}{'gap':>8s}\n{'plain':12s}{0.5:8.3f}{1.0:8.1f}\n"
                                                        f"{'plain, wide':12s}{0.5:8.3f}{1.0:8.1f}\n"}]}
    bad = {"outputs": [{"output_type": "stream", "text": f"{'模型':12s}{'准确率':>8s}{'差距':>8s}\n{'无注意力':12s}{0.5:8.3f}{1.0:8.1f}\n"
                                                         f"{'无注意力，宽':12s}{0.5:8.3f}{1.0:8.1f}\n"}]}
    good = {"outputs": [{"output_type": "stream", "text": pad("模型", 12) + pad("准确率", 8, ">") + pad("差距", 8, ">") + "\n"
                         + pad("无注意力", 12) + f"{0.5:8.3f}{1.0:8.1f}\n" + pad("无注意力，宽", 12) + f"{0.5:8.3f}{1.0:8.1f}\n"}]}
    assert misaligned_rows(en, bad) == bad["outputs"][0]["text"].splitlines()[1:] and misaligned_rows(en, good) == []


@pytest.mark.parametrize("name", [p.name for p in EN])
def test_chinese_tables_line_up_like_the_english_ones(name):
    en_cells, zh_cells = _cells(BOOK / "en" / name), _cells(BOOK / "zh" / name)
    bad = [row for en, zh in zip(en_cells, zh_cells) if "nbval-ignore-output" not in en.get("metadata", {}).get("tags", [])
           for row in misaligned_rows(en, zh)]
    assert not bad, f"zh/{name}: columns do not line up (pad by display width with labels.pad):\n" + "\n".join(bad)


def test_a_student_copy_records_no_fingerprint_until_it_is_executed():
    chapter = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("# BEGIN SOLUTION: two\nx = 2\n# END SOLUTION")])
    chapter.metadata["cbam_lessons"] = {"numerics": {"threads": 1}}
    assert "numerics" not in student_version(chapter, "01_x.ipynb").metadata.get("cbam_lessons", {})
