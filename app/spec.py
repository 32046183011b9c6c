"""Preprocessing spec: how a photo becomes the model's input tensor, derived from the model's metadata.

The worker applies it (decode with EXIF orientation, resize, normalise); the CPython reference in
model/data.py applies the same spec with Pillow, so evaluation sees what the browser sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import UserError

RESIZE_MODES = ("squash", "crop")  # crop: the centred square of the photo, then resized


class SpecError(UserError, ValueError):
    pass


@dataclass(frozen=True)
class PreprocessSpec:
    size: int  # square input side, pixels
    resize: str = "squash"  # "squash": whole image scaled to size x size; "crop": centred square, scaled
    mean: tuple[float, float, float] = (127.5, 127.5, 127.5)
    std: tuple[float, float, float] = (127.5, 127.5, 127.5)

    def __post_init__(self) -> None:
        if not isinstance(self.size, int) or not 16 <= self.size <= 1024:
            raise SpecError(f"input size must be an integer in 16..1024, got {self.size!r}")
        if self.resize not in RESIZE_MODES:
            raise SpecError(f"resize mode {self.resize!r} is not supported (supported: {', '.join(RESIZE_MODES)})")
        if len(self.mean) != 3 or len(self.std) != 3 or any(s <= 0 for s in self.std):
            raise SpecError("mean and std need 3 values each, std > 0")

    @classmethod
    def from_metadata(cls, meta: dict) -> PreprocessSpec:
        try:
            inp = meta["input"]
            return cls(
                size=int(inp["size"]),
                resize=str(inp.get("resize", "squash")),
                mean=tuple(float(v) for v in inp.get("mean", (127.5,) * 3)),
                std=tuple(float(v) for v in inp.get("std", (127.5,) * 3)),
            )
        except (KeyError, TypeError) as exc:
            raise SpecError(f"model metadata has no usable input spec: {exc}") from exc

    def to_dict(self) -> dict:
        """Plain JSON form: the metadata's `input` entry and the worker's `classify` spec."""
        return {"size": self.size, "resize": self.resize, "mean": list(self.mean), "std": list(self.std)}
