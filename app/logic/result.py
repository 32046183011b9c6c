"""What snaptag's verbs give back (app/api.py), and in what shape JavaScript sees it (worker/api.js).

Pure Python: the page, the host API and the tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.logic import intake
from app.logic.errors import UserError
from app.logic.mapping import REVIEW, ClassMap, Decision
from app.logic.queue import PhotoInfo
from app.logic.rules import ModelRule, Rule
from app.logic.spec import PreprocessSpec
from app.logic.taught_model import embedding_id, teach_set
from app.logic.teach import TeachSet

CANT_RETRY = frozenset({"refused", "decode"})  # errors the same bytes always give again: no Retry offered
MAX_SIDE_LIMIT = 8192  # resize: the longest side asked for may be at most this
RESIZE_MAX_SIDE, RESIZE_QUALITY = 1600, 0.85  # resize's defaults, for Python and JavaScript callers alike


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
    taught: TeachSet | None = field(default=None, repr=False)  # a taught model's decision (app/logic/taught_model.py)

    @property
    def rule(self) -> ModelRule:
        return ModelRule(self.cmap, self.taught)

    @property
    def embedding_id(self) -> str:
        """What made the embedding: label sets' vectors are kept per embedding."""
        return embedding_id(self.metadata)

    @property
    def title(self) -> str:
        """What the model's categories are called (Sort with)."""
        return str(self.metadata.get("title") or "Café categories")

    @classmethod
    def from_metadata(cls, meta: dict) -> ModelInfo:
        return cls(PreprocessSpec.from_metadata(meta), ClassMap.from_metadata(meta), str(meta.get("model_id") or ""),
                   meta, teach_set(meta))

    def public(self) -> dict:
        return {"categories": [{"id": c.id, "name": c.name} for c in self.cmap.categories],
                "review": {"id": REVIEW, "name": self.cmap.name(REVIEW)},
                "threshold": self.cmap.threshold, "modelId": self.model_id}


@dataclass
class Result:
    decision: Decision
    photo: PhotoInfo
    thumb: object = None  # a small JPEG (a JS Blob) when asked for
    embedding: object = field(default=None, repr=False)  # the model's embedding (a JS Float32Array) when asked for

    @property
    def category(self) -> str:
        return self.decision.category

    def public(self, rule: Rule, model_id: str) -> dict:
        """The JavaScript result: {category, categoryName, prob, reason, top: [{id, name, prob}], id, width,
        height, modelId}. `reason` is null, "out_of_scope" or "unsure" (a taught set: "unknown",
        "no_examples"); `id` is the photo's content hash (null for a camera frame)."""
        prob = self.decision.prob if self.decision.top else 0.0
        return {"category": self.category, "categoryName": rule.name(self.category),
                "prob": round(prob, 4), "reason": self.decision.reason or None,
                "top": [{"id": cid, "name": rule.name(cid), "prob": round(p, 4)} for cid, p in self.decision.top],
                "id": self.photo.digest[:16] or None, "width": self.photo.width, "height": self.photo.height,
                "modelId": model_id}


def check_resize(max_side: object = None, quality: object = None) -> tuple[int, float]:
    """resize's options, checked: (max_side, quality); None takes the default."""
    max_side = RESIZE_MAX_SIDE if max_side is None else max_side
    quality = RESIZE_QUALITY if quality is None else quality
    if isinstance(max_side, bool) or not isinstance(max_side, (int, float)) or max_side != int(max_side) \
            or not 1 <= max_side <= MAX_SIDE_LIMIT:
        raise ApiError("bad_request", f"maxSide must be a whole number of pixels in 1..{MAX_SIDE_LIMIT}, "
                                      f"got {max_side!r}")
    if isinstance(quality, bool) or not isinstance(quality, (int, float)) or not 0 < quality <= 1:
        raise ApiError("bad_request", f"quality must be a number in (0, 1], got {quality!r}")
    return int(max_side), float(quality)
