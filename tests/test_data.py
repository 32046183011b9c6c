"""Dataset folders and the CPython reference preprocessing, on the real café data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.logic.spec import PreprocessSpec
from model.dataset import data
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
    assert 0.0 <= x.min() and x.max() <= 255.0  # RGB 0..255: the model normalises inside
    top, bottom = x[0, :4].mean(axis=(0, 1)), x[0, -4:].mean(axis=(0, 1))
    assert top[0] > 190 > bottom[0] and bottom[2] > 190 > top[2]  # red on top, blue below after rotation


def test_a_flat_class_folder_is_split_by_content_hash_the_same_way_every_time(tmp_path: Path):
    for name, n in (("menus", 12), ("tiny", 3), ("single", 1)):
        (tmp_path / name).mkdir()
        for i, photo in enumerate(sorted((CAFE / "train" / "menu").glob("*.jpg"))[:n]):
            (tmp_path / name / f"{i}.jpg").write_bytes(photo.read_bytes())
    splits = data.dataset(tmp_path)
    assert splits["train"].classes == ["menus", "single", "tiny"]
    assert [sum(s.counts()[i] for s in splits.values()) for i in (0, 1)] == [12, 1]  # 1 photo: where its hash says
    assert all(splits[s].counts()[2] == 1 for s in data.SPLITS)  # 3 photos: one each
    assert splits["val"].counts()[0] >= 1 and splits["test"].counts()[0] >= 1
    again = data.dataset(tmp_path)
    assert all(again[s].paths == splits[s].paths for s in data.SPLITS)
    (tmp_path / "menus" / "0.jpg").rename(tmp_path / "menus" / "renamed.jpg")  # the name plays no part
    moved = data.dataset(tmp_path)
    assert [len(moved[s]) for s in data.SPLITS] == [len(splits[s]) for s in data.SPLITS]


def test_crop_keeps_the_centred_square(tmp_path: Path):
    im = Image.new("RGB", (60, 20), (255, 0, 0))
    im.paste((0, 255, 0), (20, 0, 40, 20))  # red | green | red: the centred square is all green
    im.save(tmp_path / "wide.png")
    assert data.centre_square(60, 20) == (20, 0, 40, 20) and data.centre_square(7, 10) == (0, 1, 7, 8)
    crop = data.load_resized(tmp_path / "wide.png", 8, "crop").astype(int)
    squash = data.load_resized(tmp_path / "wide.png", 8, "squash").astype(int)
    assert crop[:, 1:-1, 1].min() > 240 and crop[:, 1:-1, 0].max() < 15  # edges blend a little, as resampling does
    assert squash[:, 0, 0].min() > 240  # squash keeps the red sides
