"""The decisions one classify path can make (app/api.py `classify(source, rule)`): the model's own
categories (app/logic/mapping.py's review rule) or a taught label set (app/logic/teach.py's vote and 'unknown'
rule). Later rules (a correction overlay, say) wrap one of these. Pure Python.

A rule says which scores it needs from the worker (`examples`: {set, k}, the nearest examples of a label set, or
{set, labels: True}, its per-label scores; besides the model's probabilities), turns them into a Decision, and
names its categories for the user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from app.logic.mapping import REVIEW, REVIEW_NAME, ClassMap, Decision
from app.logic.teach import TeachSet


@dataclass(frozen=True)
class Scores:
    """What the worker measured of one photo."""

    probs: tuple[float, ...] = ()  # the model's calibrated probabilities, in its class order
    # (example id, cosine, that example's kin: its cosine to the second nearest other one of its label, or None)
    # of the nearest taught examples, when asked for
    sims: tuple[tuple[str, float, float | None], ...] = ()
    labels: tuple[tuple[str, float, float], ...] = ()  # (label, centred, centroid cosine), when asked for


class Rule(Protocol):
    @property
    def examples(self) -> dict | None:
        """{set, k}: the worker adds the k examples of that label set nearest the photo; {set, labels: True}: its
        per-label scores; None: not needed."""

    def decide(self, scores: Scores) -> Decision: ...

    def name(self, category: str) -> str: ...


@dataclass(frozen=True)
class ModelRule:
    """The shipped model's categories; 'review' for out-of-scope or unsure photos. A taught model
    (app/logic/taught_model.py) decides by its labels' scores, which the worker adds to every reply."""

    cmap: ClassMap
    taught: TeachSet | None = field(default=None, compare=False)
    examples = None

    def decide(self, scores: Scores) -> Decision:
        return self.taught.decide(scores.labels) if self.taught else self.cmap.decide(scores.probs)

    def name(self, category: str) -> str:
        return self.cmap.name(category)


@dataclass(frozen=True)
class TaughtRule:
    """A taught label set's labels; 'review' for a photo unlike every label."""

    teach: TeachSet
    set_name: str

    @property
    def examples(self) -> dict:
        return {"set": self.set_name, "labels": True}

    def decide(self, scores: Scores) -> Decision:
        return self.teach.decide(scores.labels)

    def name(self, category: str) -> str:
        return REVIEW_NAME if category == REVIEW else category
