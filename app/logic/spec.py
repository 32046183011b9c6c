"""Preprocessing spec: how a photo becomes the model's input tensor, the model metadata's `input` entry.

The toolchain writes it into metadata.json; the worker reads it from there when it loads the model (decode with
EXIF orientation, the resize, RGB 0..255: the graph normalises); the CPython reference in model/dataset/data.py applies
the same spec with Pillow (bilinear, where the browser's canvas smooths its own way: tests/test_e2e.py bounds
the difference).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.logic.errors import UserError

RESIZE_MODES = ("squash", "crop")  # crop: the centred square of the photo, then resized
MODEL_FORMAT = "snaptag-model/3"  # metadata.json's `format`: /3 takes RGB 0..255 (worker.js checks the same string)


class SpecError(UserError, ValueError):
    pass


@dataclass(frozen=True)
class PreprocessSpec:
    size: int  # square input side, pixels
    resize: str = "squash"  # "squash": whole image scaled to size x size; "crop": centred square, scaled

    def __post_init__(self) -> None:
        if not isinstance(self.size, int) or not 16 <= self.size <= 1024:
            raise SpecError(f"input size must be an integer in 16..1024, got {self.size!r}")
        if self.resize not in RESIZE_MODES:
            raise SpecError(f"resize mode {self.resize!r} is not supported (supported: {', '.join(RESIZE_MODES)})")

    @classmethod
    def from_metadata(cls, meta: dict) -> PreprocessSpec:
        try:
            inp = meta["input"]
            return cls(size=int(inp["size"]), resize=str(inp.get("resize", "squash")))
        except (KeyError, TypeError) as exc:
            raise SpecError(f"model metadata has no usable input spec: {exc}") from exc

    def to_dict(self) -> dict:
        """Plain JSON form: the metadata's `input` entry (the worker reads it from there)."""
        return {"size": self.size, "resize": self.resize}
