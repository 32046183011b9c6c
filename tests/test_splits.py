"""How the training splits are assembled from the café dataset and pretrain/, on the real folders."""

from __future__ import annotations

from collections import Counter

import numpy as np

from model.dataset import data, scope
from model.dataset.splits import warnings, with_extra, with_other
from tests.conftest import CAFE, DATA

PRETRAIN = DATA / "pretrain"


def _folders(split: data.Split) -> Counter:
    return Counter((split.classes[y], p.parent.name) for p, y in zip(split.paths, split.labels))


def test_held_out_classes_are_in_no_training_split():
    splits = with_extra(with_other(data.dataset(CAFE), PRETRAIN, per_class=24, seed=0), PRETRAIN)
    used = {folder for name in ("train", "val") for _, folder in _folders(splits[name])}
    assert not used & set(scope.HELD_OUT)
    assert not set(scope.pool_classes(PRETRAIN)) & set(scope.HELD_OUT)
    assert all((PRETRAIN / c).is_dir() for c in scope.HELD_OUT + scope.OTHER_SCENES)


def test_other_class_takes_the_outdoor_scenes_for_train_and_val_only():
    base = data.dataset(CAFE)
    splits = with_other(base, PRETRAIN, per_class=24, seed=0)
    assert splits["train"].classes == ["food_and_drinks", "menu", "vibes", "other"]
    other = {folder for cls, folder in _folders(splits["train"]) if cls == "other"}
    assert other == set(scope.OTHER_SCENES)
    assert not other & {"scene_dining_room", "scene_conference_room", "scene_bedroom", "scene_office",
                        "scene_staircase", "scene_gas_station"}  # interiors and fronts pull unseen venues
    assert splits["train"].counts()[3] == 24 * len(other)
    assert splits["val"].counts()[3] == 6 * len(other)
    assert splits["test"].counts() == base["test"].counts() + [0]
    train_files, val_files = set(splits["train"].paths), set(splits["val"].paths)
    assert not train_files & val_files


def test_extra_examples_join_their_own_class_in_train_only():
    base = data.dataset(CAFE)
    splits = with_extra(base, PRETRAIN)
    added = _folders(splits["train"]) - _folders(base["train"])
    assert {cls for cls, _ in added} == {"food_and_drinks", "vibes"}
    assert {folder for cls, folder in added if cls == "vibes"} == {"scene_dining_room", "scene_living_room"}
    assert all(folder.startswith(("dish_", "drink_")) for cls, folder in added if cls == "food_and_drinks")
    assert sum(added.values()) == len(splits["train"]) - len(base["train"]) > 2000
    assert splits["val"] is base["val"] and splits["test"] is base["test"]


def test_a_dataset_with_other_class_names_gets_no_extra_examples(tmp_path):
    for split in data.SPLITS:
        folder = tmp_path / split / "good_part"
        folder.mkdir(parents=True)
        (folder / "a.jpg").write_bytes(data.image_files(CAFE / "test" / "menu")[0].read_bytes())
    base = data.dataset(tmp_path)
    assert len(with_extra(base, PRETRAIN)["train"]) == 1


def test_train_warns_of_a_test_split_too_small_to_measure_and_of_an_other_pool_that_outweighs_a_class():
    """The café data gets no warning; a taught set's 3 test photos and an `other` pool 300 times a class do."""
    cafe = with_other(data.dataset(CAFE), DATA / "pretrain", 24, 0)
    assert warnings(cafe) == []
    def split(counts: dict[str, int]) -> data.Split:
        labels = np.concatenate([np.full(n, k, np.int32) for k, n in enumerate(counts.values())])
        return data.Split([CAFE / f"x{i}.jpg" for i in range(len(labels))], labels, list(counts))

    small = {"train": split({"good": 3, "bad": 400, "other": 900}), "val": split({"good": 1, "bad": 1, "other": 1}),
             "test": split({"good": 3, "bad": 12, "other": 0})}
    said = warnings(small)
    assert len(said) == 2, said
    assert said[0].startswith("test/ has 3 photos of good") and "at least 10" in said[0]
    assert "300 for each of good's 3" in said[1] and "--no-other" in said[1]
