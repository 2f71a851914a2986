"""The figures of chapters 1-3 and 5: each gate's data flow, the arrangements, CBAM in a residual block, receptive fields."""

import re
import warnings

import matplotlib

matplotlib.use("Agg")
import io  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from cbam_lessons import diagram  # noqa: E402
from cbam_lessons.viz import setup_cjk_font  # noqa: E402

FIELDS = {3: [7, 19, 43], 7: [15, 43, 99]}
IMAGE = torch.rand(3, 32, 32)

# name -> (function drawing it in a language, its label map, the keys it must show)
FIGURES = {
    "channel gate": (diagram.draw_channel_gate, diagram.LABELS,
                     ("channel_row", "avg", "max", "mlp", "sum", "mc")),
    "spatial gate": (diagram.draw_spatial_gate, diagram.LABELS,
                     ("spatial_row", "cavg", "cmax", "concat", "conv", "sig", "ms")),
    "arrangements": (diagram.draw_arrangements, diagram.ARRANGEMENT_LABELS, tuple(diagram.ARRANGEMENT_LABELS["en"])),
    "basic block": (diagram.draw_residual_cbam, diagram.PLACEMENT_LABELS,
                    ("input", "output", "conv1", "conv2", "cbam", "relu", "shortcut_path", "branch_path")),
    "bottleneck": (lambda lang: diagram.draw_residual_cbam(lang, block="bottleneck"), diagram.PLACEMENT_LABELS,
                   ("bottleneck1", "bottleneck2", "bottleneck3", "cbam", "shortcut_path")),
}

# Words a Chinese figure may keep in Latin letters: names and symbols, not prose.
LATIN_ALLOWED = {"CBAM", "ReLU", "sigmoid", "BN", "px"}


def _texts(fig):
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    texts += [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center")]
    texts += [ax.get_xlabel() for ax in fig.axes]
    texts += [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    return [t for t in texts + [fig.get_suptitle()] if t]


def _draw(function, lang):
    setup_cjk_font()
    fig = function(lang)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns, and fails here
        fig.savefig(io.BytesIO(), format="png")
    return fig


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_shows_its_labels_in_the_page_language(name, lang):
    function, labels, keys = FIGURES[name]
    with matplotlib.rc_context():
        fig = _draw(function, lang)
        texts = "\n".join(_texts(fig))
        for key in keys:
            assert labels[lang][key] in texts, f"{name} ({lang}) does not show {key!r}"
        plt.close(fig)


@pytest.mark.parametrize("name", sorted(FIGURES) + ["receptive fields"])
def test_chinese_figure_has_no_english_words(name):
    function = FIGURES[name][0] if name in FIGURES else lambda lang: diagram.draw_receptive_fields(FIELDS, IMAGE, lang)
    with matplotlib.rc_context():
        fig = _draw(function, "zh")
        words = set(re.findall(r"(?<![\\$_{])[A-Za-z]{3,}", "\n".join(_texts(fig))))
        assert words <= LATIN_ALLOWED, f"English left in the Chinese {name} figure: {sorted(words - LATIN_ALLOWED)}"
        plt.close(fig)


@pytest.mark.parametrize("labels", [diagram.ARRANGEMENT_LABELS, diagram.PLACEMENT_LABELS, diagram.RECEPTIVE_FIELD_LABELS])
def test_both_languages_label_the_same_parts(labels):
    assert labels["en"].keys() == labels["zh"].keys()


def test_arrangements_figure_has_one_row_per_arrangement():
    with matplotlib.rc_context():
        fig = _draw(diagram.draw_arrangements, "en")
        titles = [ax.get_title(loc="left") for ax in fig.axes]
        assert titles == [diagram.ARRANGEMENT_LABELS["en"][a] for a in ("channel-spatial", "spatial-channel", "parallel")]
        plt.close(fig)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_receptive_field_figure_draws_one_square_per_stage_with_its_width(lang):
    with matplotlib.rc_context():
        fig = _draw(lambda lang: diagram.draw_receptive_fields(FIELDS, IMAGE, lang), lang)
        assert len(fig.axes) == len(FIELDS)
        for ax, (k, stages) in zip(fig.axes, FIELDS.items()):
            assert diagram.RECEPTIVE_FIELD_LABELS[lang]["kernel"].format(k=k) == ax.get_title()
            squares = [p for p in ax.patches if p.get_label().startswith(diagram.RECEPTIVE_FIELD_LABELS[lang]["stage"][:2])]
            assert [round(p.get_width()) for p in squares] == stages
            # Every square is centred on the image's centre, however far it reaches beyond the image.
            assert all(p.get_x() + p.get_width() / 2 == 16 for p in squares)
            left, right = ax.get_xlim()
            assert left <= 16 - max(stages) / 2 and right >= 16 + max(stages) / 2  # the widest square is in view
        plt.close(fig)


def test_receptive_field_figure_rejects_a_batch():
    with pytest.raises(ValueError, match=r"image must be one \(3, H, W\) image, got shape \(2, 3, 32, 32\)"):
        diagram.draw_receptive_fields(FIELDS, torch.rand(2, 3, 32, 32))


def test_residual_figure_rejects_an_unknown_block():
    with pytest.raises(ValueError, match=r"block must be one of \['basic', 'bottleneck'\], got 'wide'"):
        diagram.draw_residual_cbam("en", block="wide")


@pytest.mark.parametrize("function", [diagram.draw_channel_gate, diagram.draw_spatial_gate, diagram.draw_arrangements,
                                      diagram.draw_residual_cbam])
def test_unknown_language_is_rejected(function):
    with pytest.raises(ValueError, match=r"lang must be one of \['en', 'zh'\], got 'fr'"):
        function("fr")
