"""Plotting helpers and the CJK font set-up."""

import io
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from matplotlib import font_manager  # noqa: E402

from cbam_lessons.viz import CJK_FONT_FAMILIES, CJK_FONT_FILES, plot_channel_weights, setup_cjk_font, show_attention  # noqa: E402


def _render(text):
    fig, ax = plt.subplots()
    ax.set_title(text)
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


@pytest.fixture
def restore_rc():
    with matplotlib.rc_context():
        yield


def test_chinese_labels_render_without_missing_glyphs(restore_rc):
    family = setup_cjk_font()
    assert family in CJK_FONT_FAMILIES and "CJK" in family  # the book's CI installs fonts-noto-cjk
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        _render("通道注意力与空间注意力")


def test_without_cjk_font_chinese_glyphs_are_missing(restore_rc):
    plt.rcParams["font.sans-serif"] = ["DejaVu Sans"]
    with pytest.warns(UserWarning, match="missing from font"):
        _render("通道注意力")


def test_setup_registers_font_files_missing_from_a_stale_font_cache(restore_rc, monkeypatch):
    # matplotlib's cache may predate `apt-get install fonts-noto-cjk`: forget every CJK font.
    stale = [f for f in font_manager.fontManager.ttflist if f.name not in CJK_FONT_FAMILIES]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    with pytest.warns(RuntimeWarning, match="No CJK font found"):
        assert setup_cjk_font(files=()) is None
    assert setup_cjk_font(files=CJK_FONT_FILES) == "Noto Sans CJK SC"


def test_setup_warns_clearly_when_no_cjk_font_exists(restore_rc):
    with pytest.warns(RuntimeWarning, match="fonts-noto-cjk"):
        assert setup_cjk_font(families=("No Such Font SC",), files=()) is None


def test_show_attention_overlays_maps_and_masks(restore_rc):
    setup_cjk_font()
    images = torch.rand(3, 3, 32, 32)
    maps = torch.rand(3, 1, 8, 8)  # coarser than the images: upsampled for display
    masks = torch.zeros(3, 32, 32, dtype=torch.bool)
    masks[:, 10:20, 10:20] = True
    fig = show_attention(images, maps, masks, titles=["a", "b", "c"], row_labels=("图像", "注意力"))
    axes = fig.axes
    assert len(axes) == 6
    assert [ax.get_title() for ax in axes[:3]] == ["a", "b", "c"]
    assert axes[3].get_ylabel() == "注意力"
    assert len(axes[3].images) == 2 and axes[3].images[1].get_array().shape == (32, 32)
    assert len(axes[3].collections) == 1  # the mask's outline
    plt.close(fig)
    with pytest.raises(ValueError, match=r"got 3 images, maps for \[2\] images"):
        show_attention(images, maps[:2])


def test_show_attention_stacks_several_maps_and_can_normalize_each(restore_rc):
    images = torch.rand(2, 3, 16, 16)
    grad_cam_like = torch.zeros(2, 1, 4, 4)
    grad_cam_like[:, :, 1, 2] = 7.0  # no fixed scale: far above 1
    fig = show_attention(images, [torch.rand(2, 8, 8), grad_cam_like], normalize=True,
                         row_labels=("image", "Ms", "Grad-CAM"))
    axes = fig.axes
    assert len(axes) == 6 and [axes[i].get_ylabel() for i in (0, 2, 4)] == ["image", "Ms", "Grad-CAM"]
    shown = axes[4].images[1].get_array()
    assert shown.shape == (16, 16) and shown.min() == 0 and shown.max() == 1  # stretched per image
    plt.close(fig)
    with pytest.raises(ValueError, match="one label per row \\(3\\)"):
        show_attention(images, [grad_cam_like, grad_cam_like])


def test_plot_channel_weights_draws_one_bar_per_channel(restore_rc):
    setup_cjk_font()
    ax = plot_channel_weights(torch.rand(1, 16, 1, 1), title="Mc", xlabel="通道")
    assert len(ax.patches) == 16 and ax.get_xlabel() == "通道" and ax.get_ylim() == (0, 1)
    plt.close(ax.figure)


def test_plot_seed_results_shows_every_run_and_each_paired_interval(restore_rc):
    from cbam_lessons.experiment.stats import paired_gap
    from cbam_lessons.viz import plot_seed_results

    setup_cjk_font()
    accuracy = {"plain": [0.70, 0.72, 0.75], "plain-max": [0.74, 0.79, 0.77], "cbam": [0.85, 0.60, 0.86]}
    fig = plot_seed_results(accuracy, "plain", lang="zh")
    left, right = fig.axes
    ticks = {t.get_position()[1]: t.get_text() for t in left.get_yticklabels()}
    assert [ticks[y] for y in sorted(ticks, reverse=True)] == ["无注意力（平均池化头）", "无注意力，最大池化头", "CBAM"]
    assert sum(len(c.get_offsets()) for c in left.collections) == 9  # every run is a dot
    intervals = [line.get_xdata() for line in right.lines if len(line.get_xdata()) == 2 and line.get_linestyle() == "-"]
    expected = paired_gap([100 * a for a in accuracy["cbam"]], [100 * b for b in accuracy["plain"]])
    assert any(abs(x[0] - expected.low) < 1e-9 and abs(x[1] - expected.high) < 1e-9 for x in intervals)
    assert "与无注意力（平均池化头）之差" in right.get_xlabel()
    plt.close(fig)
