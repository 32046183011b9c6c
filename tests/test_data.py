"""Dataset folders and the CPython reference preprocessing, on the real café data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.spec import PreprocessSpec
from model import data
from tests.conftest import CAFE


def test_dataset_reads_the_three_splits_with_train_classes():
    splits = data.dataset(CAFE)
    assert splits["train"].classes == ["food_and_drinks", "menu", "vibes"]
    assert splits["test"].counts() == [139, 17, 116]
    assert all(s.classes == splits["train"].classes for s in splits.values())


def test_unknown_classes_and_empty_folders_are_clear_errors(tmp_path: Path):
    (tmp_path / "cats").mkdir()
    with pytest.raises(data.DataError, match="no images"):
        data.class_folder(tmp_path)
    with pytest.raises(data.DataError, match="does not know: cats"):
        data.class_folder(tmp_path, ["dogs"])
    with pytest.raises(data.DataError, match="no class sub-folders"):
        data.class_folder(tmp_path / "cats")


def test_first_per_class():
    labels = np.array([0, 1, 0, 2, 1, 0])
    assert data.first_per_class(labels, 2) == [0, 2, 1, 4, 3]
    assert sorted(data.first_per_class(labels, 0)) == list(range(6))


def test_reference_input_applies_exif_orientation_and_the_spec(tmp_path: Path):
    im = Image.new("RGB", (40, 20), (255, 0, 0))
    im.paste((0, 0, 255), (20, 0, 40, 20))  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    im.save(tmp_path / "rotated.jpg", exif=exif, quality=95)
    x = data.reference_input([tmp_path / "rotated.jpg"], PreprocessSpec(size=16))
    assert x.shape == (1, 16, 16, 3) and x.dtype == np.float32
    assert -1.0 <= x.min() and x.max() <= 1.0
    top, bottom = x[0, :4].mean(axis=(0, 1)), x[0, -4:].mean(axis=(0, 1))
    assert top[0] > 0.5 > bottom[0] and bottom[2] > 0.5 > top[2]  # red on top, blue below after rotation
