"""What snaptag's verbs give back (app/api.py), and in what shape JavaScript sees it (worker/api.js).

Pure Python: the page, the host API and the tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app import intake
from app.errors import UserError
from app.mapping import REVIEW, ClassMap, Decision
from app.queue import PhotoInfo
from app.spec import PreprocessSpec

MAX_SIDE_LIMIT = 8192  # resize: the longest side asked for may be at most this


class ApiError(UserError, ValueError):
    """A verb's failure. `code`: refused (the file is not a photo snaptag can read; the message says why),
    decode, worker_died, load_failed, bad_request or internal."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def worker_error(code: str, detail: str, name: str = "", mime: str = "") -> ApiError:
    """The worker's error reply, as the user's message."""
    return ApiError(code or "internal", intake.worker_failure(code, detail, name, mime))


@dataclass(frozen=True)
class ModelInfo:
    spec: PreprocessSpec
    cmap: ClassMap
    model_id: str
    metadata: dict = field(repr=False)

    @classmethod
    def from_metadata(cls, meta: dict) -> ModelInfo:
        return cls(PreprocessSpec.from_metadata(meta), ClassMap.from_metadata(meta), str(meta.get("model_id") or ""),
                   meta)

    def public(self) -> dict:
        return {"categories": [{"id": c.id, "name": c.name} for c in self.cmap.categories],
                "review": {"id": REVIEW, "name": self.cmap.name(REVIEW)},
                "threshold": self.cmap.threshold, "modelId": self.model_id}


@dataclass
class Result:
    decision: Decision
    photo: PhotoInfo
    embedding: list[float] = field(default_factory=list, repr=False)
    thumb: object = None  # a small JPEG (a JS Blob) when asked for

    @property
    def category(self) -> str:
        return self.decision.category

    def public(self, info: ModelInfo) -> dict:
        """The JavaScript result: {category, categoryName, prob, reason, top: [{id, name, prob}], id, width,
        height, modelId}. `reason` is null, "out_of_scope" or "unsure"; `id` is the photo's content hash."""
        cmap = info.cmap
        return {"category": self.category, "categoryName": cmap.name(self.category),
                "prob": round(self.decision.prob, 4), "reason": self.decision.reason or None,
                "top": [{"id": cid, "name": cmap.name(cid), "prob": round(p, 4)} for cid, p in self.decision.top],
                "id": self.photo.digest[:16], "width": self.photo.width, "height": self.photo.height,
                "modelId": info.model_id}


def check_resize(max_side: object, quality: object) -> tuple[int, float]:
    """resize's options, checked: (max_side, quality)."""
    if isinstance(max_side, bool) or not isinstance(max_side, (int, float)) or max_side != int(max_side) \
            or not 1 <= max_side <= MAX_SIDE_LIMIT:
        raise ApiError("bad_request", f"maxSide must be a whole number of pixels in 1..{MAX_SIDE_LIMIT}, "
                                      f"got {max_side!r}")
    if isinstance(quality, bool) or not isinstance(quality, (int, float)) or not 0 < quality <= 1:
        raise ApiError("bad_request", f"quality must be a number in (0, 1], got {quality!r}")
    return int(max_side), float(quality)
