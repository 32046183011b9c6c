"""Learning from the user's corrections (the sorter): a card the user moves to another category becomes an example of
that category in a per-site correction set, and later photos that look like it follow it. Pure Python: the page
(Pyodide) and `build.py evaluate --replay` (CPython) share it.

The overlay sits on the model's own decision (app/logic/rules.py ModelRule). It looks at the corrections nearest the
photo (cosine of the model's `embedding`, as teach mode does) and trusts one only when it is near enough: the
teach-mode calibration of the model (app/logic/teach.py TeachConfig.example_known: P(same label) from the cosine to one
example, fit per model on classes the model never saw) must reach `review_known` (0.7) for a photo the model sent to
review, and `filed_known` (0.95) to move a photo the model filed itself. A photo the model called out of scope must
also be as close to a correction as photos of that correction's own kind are: at least its cosine to the second
nearest other correction of the same category (its `kin`; with fewer than three corrections of a category there is
none, and such a photo follows none of them). One or two street photos moved to Vibes then drag no landscape along,
while ten make their look-alikes follow. (The nearest fellow instead of the second: half the photos dragged, but
a third fewer look-alikes followed ten corrections, docs/numbers.md.) Among the
corrections that pass, the nearest ones vote (k-NN, exp((cos - 1) / tau)); the winner's category is the decision
(reason "corrected"), with how many corrections say so. A wrong correction thus spreads only to photos that look
like it. Chosen by measurement (docs/numbers.md, `evaluate --replay`). A correction to *Needs review* is not
learned: it says what a photo is not, not what it is.

The model's own decision stays in the corrected Decision (`base`), so a card can be decided again when the
corrections change (one undone, all reset, another tab's) without asking the model again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from app.logic.mapping import OUT_OF_SCOPE, REVIEW, Decision
from app.logic.rules import ModelRule, Scores
from app.logic.teach import TeachSet

SET_NAME = ".corrections"  # the correction set's name in the worker and IndexedDB (a dot: not a user's set)
REASON = "corrected"


@dataclass(frozen=True)
class CorrectionConfig:
    review_known: float = 0.7  # P(same) a correction needs to file a photo the model sent to review
    filed_known: float = 0.95  # ... to move a photo the model filed under another category
    k: int = 5  # the nearest corrections the worker returns
    tau: float = 0.1  # their vote's weight exp((cos - 1) / tau), as teach mode's


def base_of(decision: Decision) -> Decision:
    """The model's own decision behind `decision` (itself when no correction decided it)."""
    if decision.reason != REASON or not decision.base:
        return decision
    category, reason = decision.base
    return Decision(category, decision.top, reason)


@dataclass(frozen=True)
class CorrectedRule:
    """The model's categories, then the user's corrections (a TeachSet of example id -> category id, whose
    vectors the worker keeps in the set SET_NAME)."""

    model: ModelRule
    corrections: TeachSet
    config: CorrectionConfig = CorrectionConfig()

    @property
    def examples(self) -> dict:
        return {"set": SET_NAME, "k": self.config.k}

    def decide(self, scores: Scores) -> Decision:
        return self.overlay(self.model.decide(scores), scores.sims)

    def name(self, category: str) -> str:
        return self.model.name(category)

    def overlay(self, decision: Decision, sims: Iterable[tuple[str, float, float | None]]) -> Decision:
        """`decision` (the model's, or an earlier corrected one) decided again under the corrections as they
        are now, from the photo's cosines to the nearest of them (and theirs to their own kind: Scores.sims)."""
        base = base_of(decision)
        bar = self.config.review_known if base.category == REVIEW else self.config.filed_known
        known = self.corrections.config.example_known
        examples = self.corrections.examples
        categories = {c.id for c in self.model.cmap.categories}  # corrections made under another model may name others
        kin_needed = base.reason == OUT_OF_SCOPE
        near = [(examples[i], float(cos)) for i, cos, kin in sims
                if i in examples and examples[i] in categories and known(float(cos)) >= bar
                and (not kin_needed or (kin is not None and float(cos) >= float(kin)))]
        votes: dict[str, float] = {}
        for category, cos in near:
            votes[category] = votes.get(category, 0.0) + math.exp((cos - 1.0) / self.config.tau)
        if not votes:
            return base
        winner = max(sorted(votes), key=lambda c: votes[c])
        if winner == base.category:
            return base
        like = sum(1 for category, _cos in near if category == winner)
        return Decision(winner, base.top, REASON, like, (base.category, base.reason))


def explain(decision: Decision, name: str) -> str:
    """What a card decided by corrections says: ' · like 3 photos you moved to Vibes'."""
    n = decision.like
    return f" · like {n} photo{'s' if n != 1 else ''} you moved to {name}"


def learnable(category: str | None) -> bool:
    """Whether a user's move to `category` becomes a correction (a move to review is not learned)."""
    return category is not None and category != REVIEW
