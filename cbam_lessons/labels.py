"""The book's one label map: display names of models, placements and table headings, in English and Chinese.

Notebooks of both languages run the same code and pass ``lang``; printed tables and figure labels
come from here. :func:`pad` aligns text that mixes Latin and Chinese (a CJK character is one code
point but two columns wide, which ``str.ljust`` does not know).
"""

from __future__ import annotations

import re
import unicodedata

from .data.shapes import SHAPE_NAMES

#: The shapes task's classes in Chinese, in the order of SHAPE_NAMES (English labels are the names themselves).
SHAPE_NAMES_ZH = ("圆盘", "正方形", "三角形", "十字", "圆环", "菱形")

LANGS = ("en", "zh")

LABELS = {
    "en": {
        # models and controls
        "plain": "plain (avg head)",
        "plain-max": "plain, max head",
        "head-avg": "avg",
        "head-max": "max",
        "plain-avgmax": "plain, avg+max head",
        "plain-wide": "plain, widened",
        "se": "SE",
        "cbam": "CBAM",
        "resnet": "ResNet",
        "se-resnet": "SE-ResNet",
        "cbam-resnet": "CBAM-ResNet",
        # placements of CBAM in a residual network (chapter 10)
        "none": "no attention",
        "branch": "branch, every block (paper)",
        "after-add": "after the addition",
        "shortcut": "on the shortcut",
        "first-stage": "branch, first stage only",
        "last-stage": "branch, last stage only",
        # arrangements of the two gates (chapter 3)
        "channel-spatial": "channel → spatial (CBAM)",
        "spatial-channel": "spatial → channel",
        "parallel": "parallel",
        "arrangement": "arrangement",
        "norm-kept": "norm kept",
        "differs-from-cbam": "differs from CBAM by",
        # implementations and timing tables (chapter 9)
        "seed-style": "seed-style",
        "eager": "eager",
        "fast": "fast",
        "compiled": "compiled",
        "ms-per-step": "ms/step",
        "vs-base": "vs base",
        "range": "(range)",
        "activations-mib": "activations MiB",
        "cuda-peak-mib": "CUDA peak MiB",
        "not-measured": "—",
        "operation": "operation",
        "own-share": "own %",
        "own-ms": "own ms",
        "total-ms": "with calls ms",
        "calls": "calls",
        "own-total": "own time of all operations: {ms:.1f} ms over {repeats} runs",
        "list-separator": ", ",
        # table headings and verdicts
        "model": "model",
        "parameters": "parameters",
        "accuracy": "accuracy",
        "seeds": "per seed",
        "gap": "gap",
        "gap-title": "gap: paired difference from {baseline}, in points, with its 95% interval",
        "corrected-title": "; [Bonferroni]: the interval corrected for the chapter's {m} comparisons, which gives "
                           "the verdict",
        "verdict": "verdict",
        "baseline": "(baseline)",
        "beyond": "beyond noise",
        "within": "within noise",
        "seed": "seed",
        "difference": "difference from {baseline}, points",
        "corrected": "[Bonferroni]",
        "per-comparison": "[95% CI]",
        # what a recorded run's log says about itself, and a re-trained run against it
        "log": "{name}: {finals} final runs ({models} models x {seeds} seeds){grid}, {minutes} min of training "
               "under torch {torch} on {cpu}, {capability}, {threads} thread(s); code {code}",
        "log-grid": " and {runs} grid runs",
        "log-current": " (the package's)",
        "log-stale": " (STALE: not the package's code)",
        "retrained-same": "re-trained {model}, seed {seed}: identical to the log",
        "retrained-close": "re-trained {model}, seed {seed}: first epoch's loss within {first:.1e} of the log, later "
                           "values within {later:.3f} (not the reference profile: {why})",
        # chapter 7's ablation variants
        "channel-avg": "channel: avg (SE)",
        "channel-max": "channel: max",
        "channel-avgmax": "channel: avg & max",
        "spatial-conv-k3": "spatial: 1x1 conv, k=3",
        "spatial-conv-k7": "spatial: 1x1 conv, k=7",
        "spatial-pool-k3": "spatial: avg & max, k=3",
        **{name: name for name in SHAPE_NAMES},
    },
    "zh": {
        "plain": "无注意力（平均池化头）",
        "plain-max": "无注意力，最大池化头",
        "head-avg": "平均",
        "head-max": "最大",
        "plain-avgmax": "无注意力，平均+最大池化头",
        "plain-wide": "无注意力，加宽",
        "se": "SE",
        "cbam": "CBAM",
        "resnet": "ResNet",
        "se-resnet": "SE-ResNet",
        "cbam-resnet": "CBAM-ResNet",
        "none": "无注意力",
        "branch": "残差分支，每个块（论文）",
        "after-add": "相加之后",
        "shortcut": "捷径连接上",
        "first-stage": "残差分支，仅第一阶段",
        "last-stage": "残差分支，仅最后阶段",
        "seed-style": "原文风格",
        "eager": "eager 块",
        "fast": "快速块",
        "compiled": "编译后的块",
        "ms-per-step": "毫秒/步",
        "vs-base": "比基线",
        "range": "（范围）",
        "activations-mib": "激活 MiB",
        "cuda-peak-mib": "CUDA 峰值 MiB",
        "not-measured": "—",
        "operation": "操作",
        "own-share": "自身占比",
        "own-ms": "自身毫秒",
        "total-ms": "含所调用的毫秒",
        "calls": "调用次数",
        "own-total": "所有操作自身用时之和：{ms:.1f} 毫秒（共运行 {repeats} 次）",
        "list-separator": "，",
        "channel-spatial": "通道→空间（CBAM）",
        "spatial-channel": "空间→通道",
        "parallel": "并行",
        "arrangement": "排列方式",
        "norm-kept": "范数保留",
        "differs-from-cbam": "与 CBAM 的差异",
        "model": "模型",
        "parameters": "参数量",
        "accuracy": "准确率",
        "seeds": "各随机种子",
        "gap": "之差",
        "gap-title": "之差：与{baseline}的配对差（百分点），附 95% 置信区间",
        "corrected-title": "；[Bonferroni]：按本章的 {m} 项比较校正后的区间，结论依据此区间",
        "verdict": "结论",
        "baseline": "（基线）",
        "beyond": "超出噪声",
        "within": "在噪声之内",
        "seed": "随机种子",
        "difference": "与{baseline}之差（百分点）",
        "corrected": "[Bonferroni]",
        "per-comparison": "[95% 置信区间]",
        "log": "{name}：{finals} 次最终训练（{models} 个模型 × {seeds} 个随机种子）{grid}，共训练 {minutes} 分钟，"
               "torch {torch}，{cpu}，{capability}，{threads} 个线程；代码 {code}",
        "log-grid": "，另有 {runs} 次网格搜索训练",
        "log-current": "（与本书的包一致）",
        "log-stale": "（已过期：不是本书的包的代码）",
        "retrained-same": "重新训练 {model}（随机种子 {seed}）：与日志逐位相同",
        "retrained-close": "重新训练 {model}（随机种子 {seed}）：第 1 轮的损失与日志相差 {first:.1e}，之后的数值相差"
                           "不超过 {later:.3f}（不是参考数值配置：{why}）",
        "channel-avg": "通道：平均（SE）",
        "channel-max": "通道：最大",
        "channel-avgmax": "通道：平均与最大",
        "spatial-conv-k3": "空间：1×1 卷积，k=3",
        "spatial-conv-k7": "空间：1×1 卷积，k=7",
        "spatial-pool-k3": "空间：平均与最大，k=3",
        **dict(zip(SHAPE_NAMES, SHAPE_NAMES_ZH, strict=True)),
    },
}


#: A Chinese character next to a Latin letter: Chinese typesetting puts a space between them ("与 ResNet 之差").
_CJK_LATIN = re.compile(r"(?<=[\u4e00-\u9fff])(?=[A-Za-z])|(?<=[A-Za-z])(?=[\u4e00-\u9fff])")


def label(key: str, lang: str = "en", **fields) -> str:
    """The display text of ``key`` in ``lang``; keys without a label are shown as they are.

    In Chinese a Latin word that ``fields`` put next to a Chinese character gets a space on that side.
    """
    if lang not in LANGS:
        raise ValueError(f"label: lang must be one of {LANGS}, got {lang!r}.")
    text = LABELS[lang].get(key, key).format(**fields)
    return _CJK_LATIN.sub(" ", text) if lang == "zh" else text


def width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font: 2 for wide (CJK) characters, 1 otherwise."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``columns`` display columns, left (``"<"``) or right (``">"``) aligned."""
    fill = " " * max(0, columns - width(text))
    return text + fill if align == "<" else fill + text
