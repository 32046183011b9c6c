"""Which pretrain/ classes play which part for the café model.

- HELD_OUT: never trained on. Their images are the out-of-scope check set for `evaluate --ood-heldout`
  (landscapes, art, vehicles, machines, sports).
- OTHER_SCENES: the explicit `other` class ("not a café photo"). Only outdoor scenes with no building front
  that looks like a venue. Chosen by measurement (docs/numbers.md): trained without one vibes source at a time,
  the photos of that unseen source went to `other` mostly through interiors (conference rooms, bedrooms,
  classrooms, offices, stages) and building exteriors (staircases, fire and gas stations, palaces, parking
  lots). Every such class is left out, and so are all interiors: they pulled unseen restaurants and bars too.
- EXTRA: pretrain/ folders that are more examples of a dataset's own class (the same sources as café's dishes
  and drinks; Mini Places dining and living rooms for vibes). Used for training only, when the dataset has
  that class.
"""

from __future__ import annotations

from pathlib import Path

OTHER = "other"

HELD_OUT = (
    "scene_art_gallery", "scene_badlands", "scene_canyon", "scene_cockpit", "scene_coast",
    "scene_construction_site", "scene_golf_course", "scene_iceberg", "scene_museum_indoor", "scene_racecourse",
    "scene_rainforest", "scene_runway", "scene_swamp", "scene_volcano",
)

OTHER_SCENES = tuple(f"scene_{name}" for name in (
    "abbey", "amphitheater", "amusement_park", "aqueduct", "bamboo_forest", "baseball_field", "boat_deck",
    "botanical_garden", "bridge", "campsite", "cemetery", "chalet", "church_outdoor", "corn_field", "dam",
    "desert_sand", "driveway", "harbor", "highway", "hot_spring", "ice_skating_rink_outdoor", "lighthouse",
    "monastery_outdoor", "mountain", "playground", "railroad_track", "river", "rock_arch", "shed", "ski_slope",
    "slum", "stadium_football", "swimming_pool_outdoor", "trench", "valley", "yard",
))

# `evaluate --replay`'s default relabelled folders: street views and building fronts that the shipped model sends
# to review (>= 75 % of each), which a café site may want as Vibes (app/logic/corrections.py learns that)
STREETS = tuple(f"scene_{name}" for name in (
    "bridge", "church_outdoor", "courtyard", "driveway", "fire_station", "gas_station", "palace", "parking_lot",
    "skyscraper", "slum",
))

EXTRA = {
    "food_and_drinks": ("dish_", "drink_"),
    "vibes": ("scene_dining_room", "scene_living_room"),
}


def pool_classes(pool_root: Path) -> list[str]:
    """The pool's class folders that training may use (the held-out check set excluded)."""
    return sorted(p.name for p in Path(pool_root).iterdir() if p.is_dir() and p.name not in HELD_OUT)


def other_classes(pool_root: Path) -> list[str]:
    return [c for c in pool_classes(pool_root) if c in OTHER_SCENES]


def extra_classes(pool_root: Path, class_name: str) -> list[str]:
    """pool folders (by EXTRA's name prefixes) that add training examples to `class_name`."""
    prefixes = EXTRA.get(class_name, ())
    return [c for c in pool_classes(pool_root) if c.startswith(prefixes)] if prefixes else []
