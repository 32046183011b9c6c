"""Class mapping: model scores -> the category a photo is filed under, or "review".

One rule, used by the page (Pyodide) and by `build.py evaluate` (CPython), so the report and the browser agree:
  1. the top class is out of scope (the model's explicit `other` class)  -> review, "not a <categories> photo"
  2. the top probability (temperature-calibrated) is below the threshold -> review, "unsure"
  3. otherwise the top class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.logic.errors import UserError

REVIEW = "review"
REVIEW_NAME = "Needs review"  # what the user sees for REVIEW, in every mode
DEFAULT_THRESHOLD = 0.7  # file when calibrated p >= 0.7: a wrong filing costs about 2.3 reviews (docs/numbers.md)


class MappingError(UserError, ValueError):
    pass


OUT_OF_SCOPE = "out_of_scope"  # a Decision's reason: the top class is the model's `other` (not in scope)
UNSURE = "unsure"  # a Decision's reason: the best class or label is below its bar (threshold, min_confidence)

@dataclass(frozen=True)
class ClassInfo:
    id: str  # the training folder name
    name: str  # what the user sees
    in_scope: bool = True  # False for the `other` class: never a category of its own


@dataclass(frozen=True)
class Decision:
    category: str  # a class id, or REVIEW
    top: tuple[tuple[str, float], ...]  # (class id, probability), best first
    reason: str = ""  # why it went to review: "out_of_scope" | "unsure" | ""; or "corrected" (below)
    like: int = 0  # reason "corrected": how many of the user's corrections decided it (app/logic/corrections.py)
    base: tuple[str, str] = ()  # reason "corrected": the model's own (category, reason)

    @property
    def prob(self) -> float:
        return self.top[0][1]


def display_name(class_id: str) -> str:
    """food_and_drinks -> "Food & Drinks"."""
    words = class_id.replace("-", " ").replace("_", " ").split()
    return " ".join("&" if w.lower() == "and" else w.capitalize() for w in words)


@dataclass(frozen=True)
class ClassMap:
    classes: tuple[ClassInfo, ...]
    threshold: float = DEFAULT_THRESHOLD
    top_k: int = 3

    def __post_init__(self) -> None:
        if not self.classes:
            raise MappingError("the model has no classes")
        if not 0.0 <= self.threshold <= 1.0:
            raise MappingError(f"threshold must be within 0..1, got {self.threshold}")
        if not any(c.in_scope for c in self.classes):
            raise MappingError("the model has no in-scope class")

    @classmethod
    def from_metadata(cls, meta: dict, threshold: float | None = None) -> ClassMap:
        try:
            classes = tuple(
                ClassInfo(str(c["id"]), str(c.get("name") or display_name(c["id"])), bool(c.get("in_scope", True)))
                for c in meta["classes"]
            )
            return cls(classes, float(meta.get("threshold", DEFAULT_THRESHOLD) if threshold is None else threshold))
        except (KeyError, TypeError) as exc:
            raise MappingError(f"model metadata has no usable class list: {exc}") from exc

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.classes]

    @property
    def categories(self) -> list[ClassInfo]:
        return [c for c in self.classes if c.in_scope]

    def name(self, class_id: str) -> str:
        if class_id == REVIEW:
            return REVIEW_NAME
        for c in self.classes:
            if c.id == class_id:
                return c.name
        raise MappingError(f"unknown class {class_id!r}")

    def decide(self, probs: Sequence[float]) -> Decision:
        if len(probs) != len(self.classes):
            raise MappingError(f"got {len(probs)} scores for {len(self.classes)} classes")
        order = sorted(range(len(probs)), key=lambda i: -probs[i])
        top = tuple((self.classes[i].id, float(probs[i])) for i in order[: self.top_k])
        best = self.classes[order[0]]
        if not best.in_scope:
            return Decision(REVIEW, top, OUT_OF_SCOPE)
        if probs[order[0]] < self.threshold:
            return Decision(REVIEW, top, UNSURE)
        return Decision(best.id, top)
