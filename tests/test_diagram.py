"""The CBAM architecture figure in both languages."""

import warnings

import matplotlib

matplotlib.use("Agg")
import io  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from cbam_lessons.diagram import LABELS, draw_cbam_diagram  # noqa: E402
from cbam_lessons.viz import setup_cjk_font  # noqa: E402


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_diagram_shows_every_label_of_its_language(lang):
    with matplotlib.rc_context():
        setup_cjk_font()
        fig = draw_cbam_diagram(lang)
        texts = {t.get_text() for t in fig.axes[0].texts} | {fig.axes[0].get_title()}
        assert set(LABELS[lang].values()) <= texts
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no missing glyphs
            fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)


def test_both_languages_label_the_same_parts():
    assert LABELS["en"].keys() == LABELS["zh"].keys()


def test_unknown_language_is_rejected():
    with pytest.raises(ValueError, match=r"lang must be one of \['en', 'zh'\], got 'fr'"):
        draw_cbam_diagram("fr")
