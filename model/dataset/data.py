"""Image folders in, arrays out (CPython: Pillow + numpy).

A dataset root holds train/ val/ test/, each with one sub-folder per class, or just <class>/ sub-folders (then
split here, by content hash); a "class folder" is <class>/ sub-folders. `reference_input` is the CPython twin
of the worker's preprocessing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from app.logic import split_rule
from app.logic.errors import UserError
from app.logic.spec import PreprocessSpec

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"}
SPLITS = split_rule.SPLITS


class DataError(UserError, ValueError):
    pass


@dataclass
class Split:
    paths: list[Path]
    labels: np.ndarray  # int32 index into classes
    classes: list[str]

    def __len__(self) -> int:
        return len(self.paths)

    def counts(self) -> list[int]:
        return np.bincount(self.labels, minlength=len(self.classes)).tolist()

    def without(self, gone: set[Path]) -> Split:
        """This split less the photos in `gone`."""
        keep = [i for i, path in enumerate(self.paths) if path not in gone]
        return Split([self.paths[i] for i in keep], self.labels[keep], self.classes)

    def first(self, limit: int) -> Split:
        """The first `limit` items of each class (all of them when limit is 0), grouped by class."""
        keep = first_per_class(self.labels, limit)
        return Split([self.paths[i] for i in keep], self.labels[keep], self.classes)


def first_per_class(labels: np.ndarray, limit: int) -> list[int]:
    """Indices of the first `limit` items of each class (every item when limit is 0), grouped by class."""
    return [i for k in np.unique(labels) for i in np.flatnonzero(labels == k)[: limit or None]]


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def class_folder(folder: Path, classes: list[str] | None = None) -> Split:
    """<folder>/<class>/*.jpg -> Split. With `classes`, folders map to those indices (unknown names fail)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder")
    found = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not found:
        raise DataError(f"{folder} has no class sub-folders (expected {folder}/<class>/<image>)")
    classes = list(classes) if classes is not None else found
    unknown = [c for c in found if c not in classes]
    if unknown:
        raise DataError(f"{folder} has classes the model does not know: {', '.join(unknown)}")
    return from_folders(folder, found, classes)


def from_folders(folder: Path, names: list[str], classes: list[str] | None = None) -> Split:
    """Exactly the listed <folder>/<name>/ sub-folders; labels index into `classes` (default: names)."""
    classes = list(classes) if classes is not None else list(names)
    paths, labels = [], []
    for name in names:
        files = image_files(folder / name)
        paths += files
        labels += [classes.index(name)] * len(files)
    if not paths:
        raise DataError(f"{folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return Split(paths, np.asarray(labels, dtype=np.int32), classes)


def dataset(root: Path) -> dict[str, Split]:
    """train/val/test of a dataset root; every split uses the classes of train/.

    A root with only <class>/ folders (no train/ val/ test/) is split here: each photo by its content hash, about
    80/10/10, so the same photo always lands in the same split; a class of 3 or more photos gets at least one
    in val/ and test/."""
    root = Path(root)
    present = [s for s in SPLITS if (root / s).is_dir()]
    if not present and root.is_dir():
        return split_flat(class_folder(root))
    missing = [s for s in SPLITS if s not in present]
    if missing:
        expected = f"{root}/{{train,val,test}}/<class>/ or {root}/<class>/"
        raise DataError(f"{root} lacks {', '.join(s + '/' for s in missing)} (expected {expected})")
    train = class_folder(root / "train")
    return {"train": train, **{s: class_folder(root / s, train.classes) for s in ("val", "test")}}


def content_hash(path: Path) -> str:
    return split_rule.content_hash(Path(path).read_bytes())


def split_flat(split: Split) -> dict[str, Split]:
    """Deterministic train/val/test of one Split, by content hash (app/logic/split_rule.py)."""
    assigned = split_rule.assign([content_hash(p) for p in split.paths], split.labels.tolist())
    out = {}
    for name in SPLITS:
        keep = np.array([i for i, s in enumerate(assigned) if s == name], dtype=int)
        out[name] = Split([split.paths[i] for i in keep], split.labels[keep], split.classes)
    return out


def open_rgb(path: Path) -> Image.Image:
    with Image.open(path) as raw:
        return ImageOps.exif_transpose(raw).convert("RGB")


def why_unreadable(path: Path) -> str | None:
    """Why Pillow can't decode this photo (not an image, truncated, ...), or None. Decodes at a reduced size
    where the format allows (a JPEG's DCT scaling), so checking a folder costs little."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (64, 64))
            image.load()
        return None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:  # UnidentifiedImageError too
        return str(exc) or type(exc).__name__


def unreadable(paths: list[Path], workers: int = 4) -> dict[Path, str]:
    """The photos of `paths` that can't be decoded, with why."""
    with ThreadPoolExecutor(workers) as pool:
        return {path: why for path, why in zip(paths, pool.map(why_unreadable, paths)) if why}


def readable(paths: list[Path], root: Path | None = None) -> list[Path]:
    """`paths` less the photos that can't be decoded, said in one warning that names them (relative to `root`
    where they lie under it)."""
    bad = unreadable(paths)
    if not bad:
        return paths

    def shown(path: Path) -> str:
        return str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)

    names = "; ".join(f"{shown(p)} ({why})" for p, why in sorted(bad.items())[:10])
    more = f"; and {len(bad) - 10} more" if len(bad) > 10 else ""
    print(f"warning: skipped {len(bad)} photo{'s' if len(bad) != 1 else ''} that can't be read: {names}{more}",
          flush=True)
    return [p for p in paths if p not in bad]


def skip_unreadable(splits: dict[str, Split], root: Path) -> dict[str, Split]:
    """The splits less the photos that can't be decoded (`readable`)."""
    every = sorted({p for s in splits.values() for p in s.paths})
    gone = set(every) - set(readable(every, root))
    return {name: s.without(gone) for name, s in splits.items()} if gone else splits


def centre_square(width: int, height: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the largest centred square: what `crop` keeps (the worker's twin)."""
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def load_resized(path: Path, size: int, resize: str = "squash") -> np.ndarray:
    """Decode with EXIF orientation, resize to size x size (bilinear, antialiased), uint8 HWC.
    `resize`: "squash" scales the whole photo, "crop" its centred square."""
    image = open_rgb(path)
    box = centre_square(*image.size) if resize == "crop" else None
    return np.asarray(image.resize((size, size), Image.Resampling.BILINEAR, box=box), dtype=np.uint8)


def load_many(paths: list[Path], size: int, resize: str = "squash", workers: int = 4) -> np.ndarray:
    with ThreadPoolExecutor(workers) as pool:
        return np.stack(list(pool.map(lambda p: load_resized(p, size, resize), paths)))


def reference_input(paths: list[Path], spec: PreprocessSpec) -> np.ndarray:
    """The model input for these files, built the way the worker builds it (decode with EXIF orientation, the
    spec's resize, RGB 0..255) with Pillow's bilinear filter where the browser's canvas smooths its own way:
    NHWC float32."""
    return load_many(paths, spec.size, spec.resize).astype(np.float32)
