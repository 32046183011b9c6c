"""Which pretrain/ classes play which part for the café model.

- HELD_OUT: never trained on, by neither the backbone nor the head. Their images are the out-of-scope check
  set for `evaluate --ood` (landscapes, art, vehicles, machines, sports).
- VENUE_LIKE: scenes that overlap the café categories (rooms, shops and facades look like "vibes");
  they are kept out of the `other` class so that it does not fight `vibes`.
- every other scene_* class feeds the explicit `other` class ("not a café photo").
- EXTRA: pretrain/ folders that are more examples of a dataset's own class (same sources as café's dishes and
  drinks; Mini Places dining and living rooms for vibes). Used for training only, when the dataset has that class.
"""

from __future__ import annotations

from pathlib import Path

OTHER = "other"

HELD_OUT = (
    "scene_art_gallery",
    "scene_badlands",
    "scene_canyon",
    "scene_cockpit",
    "scene_coast",
    "scene_construction_site",
    "scene_golf_course",
    "scene_iceberg",
    "scene_museum_indoor",
    "scene_racecourse",
    "scene_rainforest",
    "scene_runway",
    "scene_swamp",
    "scene_volcano",
)

VENUE_LIKE = (
    "scene_bookstore",
    "scene_butchers_shop",
    "scene_clothing_store",
    "scene_courtyard",
    "scene_dining_room",
    "scene_kitchen",
    "scene_living_room",
    "scene_lobby",
    "scene_market_outdoor",
    "scene_supermarket",
)

EXTRA = {
    "food_and_drinks": ("dish_", "drink_"),
    "vibes": ("scene_dining_room", "scene_living_room"),
}


def pretrain_classes(pretrain_root: Path) -> list[str]:
    return sorted(p.name for p in Path(pretrain_root).iterdir() if p.is_dir() and p.name not in HELD_OUT)


def other_classes(pretrain_root: Path) -> list[str]:
    return [c for c in pretrain_classes(pretrain_root) if c.startswith("scene_") and c not in VENUE_LIKE]


def extra_classes(pretrain_root: Path, class_name: str) -> list[str]:
    """pretrain/ folders (by EXTRA's name prefixes) that add training examples to `class_name`."""
    prefixes = EXTRA.get(class_name, ())
    return [c for c in pretrain_classes(pretrain_root) if c.startswith(prefixes)] if prefixes else []
