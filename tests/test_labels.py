"""The label map and the alignment of mixed Chinese and Latin text."""

import pytest

from cbam_lessons.labels import LABELS, LANGS, SHAPE_NAMES_ZH, label, pad, width


def test_both_languages_label_the_same_keys():
    assert LANGS == ("en", "zh") and set(LABELS["en"]) == set(LABELS["zh"])


def test_label_formats_fields_and_falls_back_to_the_key():
    assert label("gap-title", "en", baseline="SE") == "gap: paired difference from SE, in points, with its 95% interval"
    assert label("plain", "zh") == "无注意力（平均池化头）"
    assert label("my-model", "zh") == "my-model"
    with pytest.raises(ValueError, match="lang must be one of"):
        label("plain", "fr")


def test_pad_counts_a_chinese_character_as_two_columns():
    assert width("CBAM") == 4 and width("参数量") == 6 and width("（基线）") == 8
    assert pad("参数量", 8) == "参数量  " and pad("参数量", 8, ">") == "  参数量" and pad("toolong", 3) == "toolong"


def test_every_shape_class_has_its_chinese_name():
    from cbam_lessons.data.shapes import SHAPE_NAMES

    assert [label(name, "en") for name in SHAPE_NAMES] == list(SHAPE_NAMES)
    assert "、".join(label(name, "zh") for name in SHAPE_NAMES) == "、".join(SHAPE_NAMES_ZH) == "圆盘、正方形、三角形、十字、圆环、菱形"
