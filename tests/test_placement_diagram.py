"""The figure of chapter 10: where CBAM goes in a residual block, and in which stages, in both languages."""

import warnings

import matplotlib

matplotlib.use("Agg")
import io  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cbam_lessons.diagram import PLACEMENT_LABELS, draw_placements  # noqa: E402
from cbam_lessons.viz import setup_cjk_font  # noqa: E402


def _texts(fig):
    """Every text drawn in the figure: the axes' texts and titles, and the figure's title."""
    texts = {t.get_text() for ax in fig.axes for t in ax.texts} | {ax.get_title() for ax in fig.axes}
    return texts | {fig.get_suptitle()}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figure_has_one_panel_per_placement_and_one_for_the_stages(lang):
    with matplotlib.rc_context():
        setup_cjk_font()
        fig = draw_placements(lang)
        assert isinstance(fig, Figure)
        assert len(fig.axes) == 4
        assert [ax.get_title() for ax in fig.axes] == [
            PLACEMENT_LABELS[lang][key] for key in ("branch", "after-add", "shortcut", "stages_title")
        ]
        plt.close(fig)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figure_shows_every_label_of_its_language(lang):
    with matplotlib.rc_context():
        setup_cjk_font()
        fig = draw_placements(lang)
        # The bottleneck's layers and the one-block titles belong to draw_residual_cbam (tests/test_gate_figures.py).
        one_block = {"bottleneck1", "bottleneck2", "bottleneck3", "basic_title", "bottleneck_title"}
        assert {v for k, v in PLACEMENT_LABELS[lang].items() if k not in one_block} <= _texts(fig)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no missing glyphs
            fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)


def test_chinese_figure_is_labelled_in_chinese():
    with matplotlib.rc_context():
        setup_cjk_font()
        fig = draw_placements("zh")
        texts = _texts(fig)
        assert "捷径连接上\ny = ReLU(CBAM(s(x)) + B(x))" in texts and "仅最后阶段" in texts
        assert not set(PLACEMENT_LABELS["en"].values()) - set(PLACEMENT_LABELS["zh"].values()) & texts
        plt.close(fig)


def test_both_languages_label_the_same_parts():
    assert PLACEMENT_LABELS["en"].keys() == PLACEMENT_LABELS["zh"].keys()


def test_cbam_appears_once_in_each_placement_panel():
    fig = draw_placements("en")
    for ax in fig.axes[:3]:
        assert [t.get_text() for t in ax.texts].count("CBAM") == 1
    plt.close(fig)


def test_unknown_language_is_rejected():
    with pytest.raises(ValueError, match=r"lang must be one of \['en', 'zh'\], got 'fr'"):
        draw_placements("fr")
