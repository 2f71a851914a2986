"""The generated shapes dataset and the CIFAR-10 loader (on a tiny archive the test writes)."""

import os
import subprocess
import sys
import urllib.error

import pytest
import torch

from cbam_lessons.data.cifar10 import ARCHIVE_URL
from cifar_fixture import LABEL_NAMES, write_cifar_fixture as _write_cifar_fixture
from cbam_lessons.data import SHAPE_NAMES, CIFAR10Unavailable, ShapesDataset, generate_shapes, load_cifar10


def test_shapes_are_deterministic_per_seed():
    a, b, c = generate_shapes(64, seed=7), generate_shapes(64, seed=7), generate_shapes(64, seed=8)
    for x, y in zip(a, b):
        assert torch.equal(x, y)
    assert not torch.equal(a[0], c[0])


def test_shapes_types_shapes_and_ranges():
    images, labels, masks = generate_shapes(300, image_size=24, seed=0, num_classes=4)
    assert images.shape == (300, 3, 24, 24) and images.dtype == torch.float32
    assert labels.shape == (300,) and labels.dtype == torch.int64
    assert masks.shape == (300, 24, 24) and masks.dtype == torch.bool
    assert 0 <= images.min() and images.max() <= 1
    assert set(labels.tolist()) == {0, 1, 2, 3}


def test_masks_mark_the_target_and_match_its_class():
    images, labels, masks = generate_shapes(600, seed=1)
    area = masks.sum(dim=(1, 2))
    assert (area >= 4).all()  # every image has a visible target
    for i in range(0, 600, 7):  # the target is one flat colour (plus sensor noise)
        assert images[i][:, masks[i]].std(dim=1).max() < 0.06
    rows, cols = masks.any(dim=2), masks.any(dim=1)
    bbox = rows.sum(dim=1) * cols.sum(dim=1)
    fill = area / bbox  # share of the bounding box the shape covers
    by_class = {name: fill[labels == k] for k, name in enumerate(SHAPE_NAMES)}
    assert by_class["square"].min() > 0.95
    assert 0.65 < by_class["disk"].mean() < 0.9
    assert by_class["cross"].mean() < 0.65 and by_class["diamond"].mean() < 0.65
    for i in torch.nonzero(labels == SHAPE_NAMES.index("ring")).flatten().tolist():  # rings have a hole
        r = torch.nonzero(rows[i]).float().mean().round().long()
        c = torch.nonzero(cols[i]).float().mean().round().long()
        assert not masks[i, r, c]


def test_target_is_not_always_in_the_same_place():
    _, _, masks = generate_shapes(500, seed=2)
    coverage = masks.float().mean(dim=0)  # how often each pixel is on the target
    assert coverage.max() < 0.3 and (coverage > 0).float().mean() > 0.8


def test_shapes_dataset_yields_image_label_mask():
    ds = ShapesDataset(10, image_size=16, seed=3, num_classes=3)
    image, label, mask = ds[4]
    assert image.shape == (3, 16, 16) and mask.shape == (16, 16) and label.dim() == 0
    assert len(ds) == 10 and ds.classes == SHAPE_NAMES[:3]
    assert torch.equal(ds.images, generate_shapes(10, 16, 3, num_classes=3)[0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_samples=0), "num_samples must be a positive int"),
        (dict(num_samples=5, image_size=4), "image_size must be at least 8"),
        (dict(num_samples=5, num_classes=7), "num_classes must be 2 to 6"),
        (dict(num_samples=5, radius=(0.3, 0.2)), "radius must satisfy"),
        (dict(num_samples=5, strokes=-1), "strokes must be an int >= 0"),
    ],
)
def test_shapes_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_shapes(**kwargs)


def test_ten_thousand_images_well_within_a_generous_cap_on_one_core():
    # The goal (under 2 s on one idle core; measured 0.6-0.9 s) is reported, not asserted: a busy
    # machine must not fail this test. The cap only catches an accidental slowdown by an order of magnitude.
    code = (
        "import os, time\n"
        "if hasattr(os, 'sched_setaffinity'): os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})\n"
        "from cbam_lessons.data import generate_shapes\n"
        "best = min((lambda t: (generate_shapes(10_000, 32, s), time.perf_counter() - t)[1])(time.perf_counter()) for s in range(3))\n"
        "print(best)\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    best = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout)
    print(f"10,000 shapes images on one core: {best:.2f} s (goal: under 2 s on an idle core)")
    assert best < 20.0, f"10,000 images took {best:.2f} s"


# --- CIFAR-10 -----------------------------------------------------------------------------

def test_cifar10_loader_reads_the_real_format(tmp_path):
    written = _write_cifar_fixture(tmp_path)
    train = load_cifar10(tmp_path, train=True, verify_md5=False)
    test = load_cifar10(tmp_path, train=False, verify_md5=False)
    assert len(train) == 20 and len(test) == 3
    assert train.classes == LABEL_NAMES
    image, label = train[5]  # second image of data_batch_2
    source = written["data_batch_2"]
    assert image.shape == (3, 32, 32) and image.dtype == torch.float32
    assert label == source["labels"][1]
    expected = torch.from_numpy(source["data"][1].reshape(3, 32, 32)).float() / 255
    torch.testing.assert_close(image, expected)


def test_cifar10_checksums_are_verified_by_default(tmp_path):
    _write_cifar_fixture(tmp_path)
    with pytest.raises(CIFAR10Unavailable, match="do not match the official checksums.*verify_md5=False"):
        load_cifar10(tmp_path)


def test_cifar10_missing_says_how_to_get_it(tmp_path):
    with pytest.raises(CIFAR10Unavailable, match=r"not found in .*cifar-10-batches-py.*download=True") as err:
        load_cifar10(tmp_path / "nothing-here")
    assert ARCHIVE_URL in str(err.value)


def test_cifar10_offline_download_fails_clearly(tmp_path, monkeypatch):
    import torchvision.datasets.cifar

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torchvision.datasets.cifar, "download_and_extract_archive", offline)
    with pytest.raises(CIFAR10Unavailable, match=r"Could not download CIFAR-10.*offline.*extract it"):
        load_cifar10(tmp_path, download=True)


def test_validation_split_is_disjoint_repeatable_and_sized():
    from cbam_lessons.data import train_val_split

    data = ShapesDataset(50, seed=0)
    train, val = train_val_split(data, 10, seed=0)
    assert len(train) == 40 and len(val) == 10 and not set(train.indices) & set(val.indices)
    assert train_val_split(data, 10, seed=0)[1].indices == val.indices != train_val_split(data, 10, seed=1)[1].indices
    assert len(train_val_split(data, 0.2)[1]) == 10
    torch.testing.assert_close(val[0][0], data[val.indices[0]][0])
    for bad in (0, 50, 1.5, "10", True):
        with pytest.raises(ValueError, match=r"val_size must be a number of samples in \[1, 49\] or a fraction"):
            train_val_split(data, bad)
