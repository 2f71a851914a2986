"""The FAQ pages, book/en/faq.md and book/zh/faq.md: links that resolve, numbers that were printed, twin pages.

Each answer links the chapter sections that show what it says. A link must reach a notebook of the same
language's table of contents and a section of it: MyST resolves ``chapter.ipynb#slug`` through the slugs
of the headings up to ``myst_heading_anchors`` (both configs), computed here with MyST's own slug
function. Every number an answer quotes (integers of two or more digits, decimals, percentages) must
appear in the stored outputs of a notebook that the same answer links, so that a number stays tied to
the run that printed it (the Chinese page to the Chinese chapters: their timing cells differ). The built
site is checked too: `make book`, which `make test` runs first.
"""

import html
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.mdit_to_docutils.base import default_slugify
from myst_parser.parsers.mdit import create_md_parser

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "zh")
TOCS = {"en": ROOT / "_toc.yml", "zh": ROOT / "_toc.zh.yml"}
CONFIGS = {"en": ROOT / "_config.yml", "zh": ROOT / "_config.zh.yml"}
FOLDERS = {lang: ROOT / "book" / lang for lang in LANGS}
FAQ = {lang: FOLDERS[lang] / "faq.md" for lang in LANGS}
SITE = ROOT / "_build" / "html"
BUILT = {"en": SITE / "book" / "en", "zh": SITE / "zh" / "book" / "zh"}

# Jupyter Book 1's default MyST extensions (_config.yml sets none of its own).
MD = create_md_parser(MdParserConfig(enable_extensions={"colon_fence", "dollarmath", "linkify", "substitution", "tasklist"}),
                      RendererHTML)


# ---------------------------------------------------------------- reading the pages

@dataclass
class Answer:
    question: str
    text: str = ""  # what a reader reads: text, code and math of the question and the answer, no link targets
    links: list[str] = field(default_factory=list)  # link targets in order, percent-decoded as MyST reads them

    @property
    def internal(self) -> list[str]:
        return [link for link in self.links if not re.match(r"[a-z]+:", link)]

    @property
    def external(self) -> list[str]:
        return [link for link in self.links if re.match(r"[a-z]+:", link)]


def _inline_text(token, links: list[str]) -> str:
    parts = []
    for child in token.children or []:
        if child.type == "link_open":
            links.append(MD.normalizeLinkText(child.attrs["href"]))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.content:
            parts.append(child.content)
    return "".join(parts)


def parse_faq(source: str) -> tuple[str, list[Answer]]:
    """The intro (everything before the first question) and one Answer per ``##`` question."""
    intro_links: list[str] = []
    intro, answers, heading = [], [], None
    for token in MD.parse(source):
        if token.type == "myst_line_comment":  # not shown on the page
            continue
        if token.type == "heading_open":
            heading = token.tag
            continue
        if token.type == "heading_close":
            heading = None
            continue
        current = answers[-1] if answers else None
        if token.type == "inline":
            if heading == "h2":
                answers.append(Answer(question=_inline_text(token, [])))
                answers[-1].text = answers[-1].question
            elif heading is not None and heading != "h1":
                raise AssertionError(f"only ## headings ask questions, found {heading}: {token.content!r}")
            elif heading == "h1":
                continue
            elif current is None:
                intro.append(_inline_text(token, intro_links))
            else:
                current.text += " " + _inline_text(token, current.links)
        elif token.content and current is not None:  # code blocks, math blocks
            current.text += " " + token.content
        elif token.content:
            intro.append(token.content)
    assert not intro_links, "the intro links nothing: each link belongs to the answer it supports"
    return " ".join(intro), answers


@lru_cache(maxsize=None)
def faq(lang: str) -> tuple[str, list[Answer]]:
    return parse_faq(FAQ[lang].read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the chapters: tocs, anchors, outputs

def toc_stems(lang: str) -> list[str]:
    """The pages a language's table of contents lists, in order, as file stems."""
    data = yaml.safe_load(TOCS[lang].read_text(encoding="utf-8"))
    files = [data["root"]] + [c["file"] for c in data["chapters"]]
    assert all(f.startswith(f"book/{lang}/") for f in files), files
    return [f.rsplit("/", 1)[1] for f in files]


def heading_anchor_depth() -> int:
    depths = {lang: yaml.safe_load(CONFIGS[lang].read_text(encoding="utf-8"))["sphinx"]["config"].get("myst_heading_anchors", 0)
              for lang in LANGS}
    assert depths["en"] == depths["zh"], depths
    return depths["en"]


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else value


@lru_cache(maxsize=None)
def anchors(notebook: Path) -> dict[str, str]:
    """{slug: heading text} for the headings MyST gives slugs (as myst_parser's compute_unique_slug does)."""
    depth = heading_anchor_depth()
    markdown = "\n\n".join(_joined(c["source"]) for c in _cells(notebook) if c["cell_type"] == "markdown")
    tokens, slugs = MD.parse(markdown), {}
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and int(token.tag[1]) <= depth:
            title = "".join(c.content for c in tokens[i + 1].children or [] if c.type in ("text", "code_inline"))
            slug, n = default_slugify(title), 1
            base = slug
            while slug in slugs:
                slug, n = f"{base}-{n}", n + 1
            slugs[slug] = title
    return slugs


@lru_cache(maxsize=None)
def stored_outputs(notebook: Path) -> str:
    """Everything the notebook's code cells printed, as stored: streams and text results (not figure reprs)."""
    texts = []
    for cell in _cells(notebook):
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                texts.append(_joined(output["text"]))
            for mime, value in output.get("data", {}).items():
                text = _joined(value)
                if mime.startswith("text/") and not text.startswith("<Figure size"):
                    texts.append(text)
    return "\n".join(texts)


# ---------------------------------------------------------------- numbers

_NUMBER = re.compile(r"([+\-−]?)(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?(\s?%)?")
# "chapter 10", "chapters 4 and 7", "第 10 章", "第 4、7 章" name chapters; they are not quoted results.
_CHAPTER = re.compile(r"\b[Cc]hapters?\s+\d+(?:\s*(?:,|and|to|–)\s*\d+)*|第\s*\d+(?:\s*[、，～]\s*\d+)*\s*章")


def _value(whole: str, fraction: str | None, percent: str | None) -> str:
    return whole.replace(",", "") + (fraction or "") + ("%" if percent else "")


def quoted_numbers(text: str) -> list[str]:
    """Numbers a reader would take as results: ≥ 2-digit integers, decimals, percentages, with their sign.

    Digits that are part of a name are skipped: ResNet-50, cbam2, v1.5, an issue's #23, a path's /3.
    """
    text, found = _CHAPTER.sub(" ", text), []
    for match in _NUMBER.finditer(text):
        sign, whole, fraction, percent = match.groups()
        before = text[match.start() - 1] if match.start() else " "
        if (before.isascii() and before.isalnum()) or before in "_#/.\\":
            continue
        if fraction or percent or len(whole.replace(",", "")) >= 2:
            found.append(("-" if sign in ("-", "−") else sign) + _value(whole, fraction, percent))
    return found


def printed_numbers(text: str) -> set[str]:
    """Every number in printed output, with and without its sign."""
    numbers = set()
    for match in _NUMBER.finditer(text):
        sign, whole, fraction, percent = match.groups()
        value = _value(whole, fraction, percent)
        numbers.add(value)
        if sign:
            numbers.add(("-" if sign in ("-", "−") else sign) + value)
    return numbers


# ---------------------------------------------------------------- the checks, as functions of the text

def link_problems(lang: str, answers: list[Answer]) -> list[str]:
    """Links that would not resolve: not a notebook of this language's toc, or no such section in it."""
    listed, problems = toc_stems(lang), []
    for answer in answers:
        where = f"{lang} {answer.question[:40]!r}"
        if not answer.internal:
            problems.append(f"{where} links no chapter section")
        for link in answer.external:
            if not re.fullmatch(r"https://[\w.-]+\.[a-z]{2,}/\S*", link):
                problems.append(f"{where}: {link!r} is not an https address")
        for link in answer.internal:
            path, _, anchor = link.partition("#")
            if "/" in path or not path.endswith(".ipynb"):
                problems.append(f"{where}: {link!r} must name a notebook of book/{lang}/ itself")
                continue
            if path.removesuffix(".ipynb") not in listed:
                problems.append(f"{where}: {path} is not in {TOCS[lang].name}")
                continue
            if not anchor:
                problems.append(f"{where}: {link!r} links a chapter, not a section of it")
            elif anchor not in anchors(FOLDERS[lang] / path):
                problems.append(f"{where}: {path} has no heading whose slug is {anchor!r}")
    return problems


def number_problems(lang: str, answers: list[Answer]) -> list[str]:
    """Numbers an answer quotes that no notebook it links printed."""
    problems = []
    for answer in answers:
        notebooks = {link.partition("#")[0] for link in answer.internal}
        printed = set()
        for name in notebooks:
            if (FOLDERS[lang] / name).is_file():
                printed |= printed_numbers(stored_outputs(FOLDERS[lang] / name))
        missing = [n for n in quoted_numbers(answer.text) if n not in printed]
        if missing:
            problems.append(f"{lang} {answer.question[:40]!r}: {missing} not printed by {sorted(notebooks)}")
    return problems


def _sections(lang: str, answer: Answer) -> list[tuple[str, int]]:
    """(notebook, position of the linked heading among its slugged headings) for each chapter link."""
    found = []
    for link in answer.internal:
        path, _, anchor = link.partition("#")
        slugs = list(anchors(FOLDERS[lang] / path)) if (FOLDERS[lang] / path).is_file() else []
        found.append((path, slugs.index(anchor) if anchor in slugs else -1))
    return found


def twin_problems(en: list[Answer], zh: list[Answer]) -> list[str]:
    """The two pages must ask as many questions and link the same sections and sources, in the same order."""
    if len(en) != len(zh):
        return [f"{len(en)} English questions, {len(zh)} Chinese"]
    problems = []
    for a, b in zip(en, zh):
        if _sections("en", a) != _sections("zh", b):
            problems.append(f"{a.question[:40]!r} links {_sections('en', a)}, its twin {_sections('zh', b)}")
        if a.external != b.external:
            problems.append(f"{a.question[:40]!r} cites {a.external}, its twin {b.external}")
    return problems


# ---------------------------------------------------------------- the tests

@pytest.mark.parametrize("lang", LANGS)
def test_the_faq_is_listed_after_the_last_chapter_and_before_the_appendix(lang):
    stems = toc_stems(lang)
    assert stems.index("faq") == stems.index("10_where_to_put_cbam") + 1 == stems.index("appendix_how_the_book_is_tested") - 1


def test_both_configs_give_the_level_2_sections_slugs():
    assert heading_anchor_depth() >= 2


@pytest.mark.parametrize("lang", LANGS)
def test_every_link_of_the_faq_resolves(lang):
    intro, answers = faq(lang)
    assert len(answers) >= 8 and sum(len(a.internal) for a in answers) >= 15
    assert not link_problems(lang, answers), "\n".join(link_problems(lang, answers))


@pytest.mark.parametrize("lang", LANGS)
def test_every_quoted_number_was_printed_by_a_notebook_the_answer_links(lang):
    intro, answers = faq(lang)
    assert not quoted_numbers(intro), "the intro quotes no number: only an answer can link the run behind one"
    assert sum(len(quoted_numbers(a.text)) for a in answers) >= 50  # the check has numbers to check
    assert not number_problems(lang, answers), "\n".join(number_problems(lang, answers))


def test_the_two_pages_ask_the_same_questions_and_link_the_same_sections_in_order():
    en, zh = faq("en")[1], faq("zh")[1]
    assert len(en) == len(zh)
    assert not twin_problems(en, zh), "\n".join(twin_problems(en, zh))
    assert [[p for p, _ in _sections("en", a)] for a in en] == [[p for p, _ in _sections("zh", a)] for a in zh]


@pytest.mark.parametrize("lang", LANGS)
def test_no_line_of_an_answer_is_a_myst_comment(lang):
    """A wrapped line that starts with "%" is a MyST comment: the rest of the line vanishes from the page."""
    source = FAQ[lang].read_text(encoding="utf-8")
    assert not re.findall(r"^\s*%.*", source, re.M)
    assert [t.type for t in MD.parse("Two\n% hidden\n")][-1] == "myst_line_comment"  # what such a line becomes


def test_the_chinese_page_is_written_in_chinese_with_the_glossary_terms():
    zh = FAQ["zh"].read_text(encoding="utf-8")
    assert len(re.findall(r"[\u4e00-\u9fff]", zh)) > 2500
    for term in ("无注意力", "残差分支", "捷径连接", "共享多层感知机", "指向游戏", "掩码内占比", "随机水平", "批量归一化"):
        assert term in zh, term
    assert not re.search(r"\d %", zh), "the Chinese edition writes 95%, without a space"
    assert not re.search("没有注意力的|不带注意力|普通模型", zh), "no attention is 无注意力"


# ---------------------------------------------------------------- the checks catch what they should

def test_the_number_reader_skips_names_and_keeps_signs():
    text = "−0.7 and +2.2 points, ResNet-50, cbam2, #23, v1.5, 24.8 %, 95%, chapter 10, 第 10 章, 77,782, 3 seeds, 0.178."
    assert quoted_numbers(text) == ["-0.7", "+2.2", "24.8%", "95%", "77782", "0.178"]
    assert {"-0.2", "0.2", "+4.6", "4.6", "95%", "77782"} <= printed_numbers("[ -0.2,  +4.6]  [95% CI] 77,782")


def _mutated(lang: str, old: str, new: str) -> list[Answer]:
    """The page's answers with the first ``old`` (any line breaks between its words) replaced by ``new``."""
    source = FAQ[lang].read_text(encoding="utf-8")
    pattern = r"\s+".join(map(re.escape, old.split()))
    changed, count = re.subn(pattern, lambda _: new, source, count=1)
    assert count == 1, old
    return parse_faq(changed)[1]


@pytest.mark.parametrize("lang, old, new", [
    ("en", "#starting-from-pretrained-weights", "#starting-from-pretrained-weight"),  # a broken slug
    ("en", "(10_where_to_put_cbam.ipynb#advice)", "(10_where_to_put_cbam.ipynb)"),  # a chapter without its section
    ("zh", "#从预训练权重开始", "#预训练权重"),
    ("zh", "(08_field_guide.ipynb#2-官方代码)", "(../en/08_field_guide.ipynb#2-the-official-code)"),  # the other language
    ("en", "(04_cbam_model.ipynb#what-cbam-costs)", "(exercises/04_cbam_model.ipynb#what-cbam-costs)"),  # not in the toc
])
def test_the_link_check_catches_a_broken_link(lang, old, new):
    assert not link_problems(lang, faq(lang)[1])
    assert link_problems(lang, _mutated(lang, old, new))


@pytest.mark.parametrize("lang, old, new", [
    ("en", "0.178", "0.187"),  # an invented number
    ("zh", "0.376", "0.367"),
    ("en", "20.9 % to 24.8 %", "20.9 % to 24.7 %"),
    ("en", "took 42 % longer", "took 24 % longer"),
    ("zh", "多用 49% 的时间", "多用 42% 的时间"),  # the English edition's timing, not the Chinese one's
    ("en", "is shown in [chapter 5]", "is shown (0.4304) in [chapter 5]"),  # printed, but by a chapter the answer does not link
])
def test_the_number_check_catches_an_invented_number(lang, old, new):
    assert not number_problems(lang, faq(lang)[1])
    assert number_problems(lang, _mutated(lang, old, new))


def test_the_twin_check_catches_a_missing_link_and_a_missing_question():
    en, zh = faq("en")[1], faq("zh")[1]
    assert not twin_problems(en, zh)
    assert twin_problems(en, _mutated("zh", "（[第 5 章](05_cbam_in_resnet.ipynb#改造-resnet)对此做了检查）", ""))
    assert twin_problems(en, _mutated("zh", "#改造-resnet", "#小结"))  # another section of the same chapter
    assert twin_problems(en, zh[:-1])


# ---------------------------------------------------------------- the built site

def _built_page(lang: str, name: str) -> str:
    page = BUILT[lang] / name
    assert page.is_file(), f"{page.relative_to(ROOT)} is missing: run `make book` first"
    return page.read_text(encoding="utf-8")


def built_link_problems(lang: str, page_html: str, answers: list[Answer]) -> list[str]:
    """The FAQ's HTML links, in order, to the sections the markdown links: file, section id, heading."""
    article = page_html[page_html.index('<article class="bd-article"'):page_html.index("</article>")]
    hrefs = re.findall(r'<a class="reference internal" href="([^"]*)"', article)
    expected = [link.partition("#")[::2] for a in answers for link in a.internal]
    if len(hrefs) != len(expected):
        return [f"{len(hrefs)} internal links in the HTML, {len(expected)} in the markdown"]
    problems = []
    for href, (path, slug) in zip(hrefs, expected):
        name, _, section = href.partition("#")
        if name != path.removesuffix(".ipynb") + ".html" or not section:
            problems.append(f"{href!r} should be a section of {path}")
            continue
        target = _built_page(lang, name)
        heading = re.search(rf'<section[^>]*\bid="{re.escape(section)}"[^>]*>\s*<h\d>(.*?)<a class="headerlink"', target, re.S)
        if not heading:
            problems.append(f"{href!r}: {name} has no section {section!r}")
        elif default_slugify(html.unescape(re.sub(r"<[^>]+>", "", heading.group(1))).strip()) != slug:
            problems.append(f"{href!r} lands on {heading.group(1)!r}, not on the heading of {slug!r}")
    return problems


@pytest.mark.parametrize("lang", LANGS)
def test_the_built_faq_links_the_sections_its_markdown_links(lang):
    answers = faq(lang)[1]
    page = _built_page(lang, "faq.html")
    assert not built_link_problems(lang, page, answers), "\n".join(built_link_problems(lang, page, answers))
    start = page.index('<article class="bd-article"')
    assert built_link_problems(lang, page[:start] + page[start:].replace(".html#", ".html#x", 1), answers)  # a wrong id
    navigation = re.findall(r'<a class="reference internal" href="([^"#]+)"', _built_page(lang, "00_preface.html"))
    assert navigation[navigation.index("10_where_to_put_cbam.html") + 1] == "faq.html"
