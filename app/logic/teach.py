"""Label sets: their labels, examples and predictions. Pure Python: the page (Pyodide) and `build.py fewshot`
(CPython) share it.

A photo's label is the nearest label centroid after centring ("SimpleShot"): the examples' vectors and the
photo's, made unit length, less the mean of every example; each label's centroid is the mean of its examples.
Centring removes what all the labels share (5-shot clothing 0.697 vs 0.666 for a k-NN vote, docs/numbers.md).
Whether it is like *any* label is a calibrated distance: the plain cosine to the winning label's centroid maps
to P(known) = sigmoid(a * cos + b), with a and b fit on few-shot tasks drawn from other classes
(`model/training/teach_calibration.py`, stored in the model's metadata with the softmax `temperature`). A
prediction spreads P(known) over the labels by softmax(centred cosine / temperature) and gives the rest,
1 - P(known), to `unknown`: the confidences and `unknown` sum to 1. The label is the winner, the largest
confidence; None when P(known) is below `min_known` (0.5: `unknown` is the larger part), a photo unlike every
label. A known photo whose winning label has less than `min_confidence` (0.5) is *unsure*, as the sorter's review
rule says of a model's top class below its threshold: it goes to review ("unsure") with its best guess shown.
The vectors live where the math runs (the worker's worker/examples.js labelScores, or numpy's
model/evaluation/fewshot.py label_scores); this module sees, per label, (label, centred cosine, centroid cosine).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Container, Iterable
from dataclasses import dataclass, field

from app.logic.errors import UserError
from app.logic.mapping import REVIEW, UNSURE, Decision

MAX_LABEL_LENGTH = 40
MAX_SET_NAME_LENGTH = 100
MAX_LABELS = 1000  # a set with more is refused with a message (a page shows every label)
FORBIDDEN = set('/\\:*?"<>|')
# Characters that make a name display as something it is not: direction overrides/isolates and marks
BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


REASONS = {"unknown": " (unlike every label)", "no_examples": " (nothing taught yet)",  # a card's note on review
           UNSURE: " (unsure)", "label_gone": " (its label was deleted)"}
LABEL_GONE = "label_gone"


def followed(old: Decision | None, new: Decision, labels: Container[str], deleted: Container[str] = ()) -> Decision:
    """A card's decision once its set changed: `new` (the set's decision now), except that a card filed under a
    label the user deleted (`deleted`) goes to review ("label_gone") until that label is back (Undo) or the user
    files it: its photos are not quietly refiled under the labels left. The deleted label is kept in the
    Decision's `base`, so a reload keeps it so."""
    if old is not None and old.reason == LABEL_GONE and old.base:
        gone = old.base[0]
    elif old is not None and old.category in deleted:
        gone = old.category
    else:
        return new
    return new if gone in labels else Decision(REVIEW, new.top, LABEL_GONE, 0, (gone, ""))


class TeachError(UserError, ValueError):
    pass


@dataclass(frozen=True)
class TeachConfig:
    temperature: float = 0.05  # softmax(centred cosine / temperature) spreads P(known) over the labels
    known_a: float | None = None  # P(known) = sigmoid(known_a * cosine + known_b): fit per model, in its
    known_b: float | None = None  # metadata (model/training/teach_calibration.py); None until then
    min_known: float = 0.5  # below this P(known) the photo is unlike every label: the label is None
    example_a: float | None = None  # P(same label) = sigmoid(example_a * cosine to ONE example + example_b): the
    example_b: float | None = None  # sorter's corrections (app/logic/corrections.py); fit beside known_a/b
    min_confidence: float = 0.5  # a known photo whose winning label has less is unsure: review, best guess shown

    @classmethod
    def from_metadata(cls, meta: dict) -> TeachConfig:
        teach, d = meta.get("teach") or {}, cls()
        if "known_a" not in teach or "known_b" not in teach:
            raise TeachError("this model has no teach-mode calibration (metadata 'teach'): export it again with "
                             "python build.py train")
        try:
            a, b = float(teach["known_a"]), float(teach["known_b"])  # a model from before 224 px: both the same
            return cls(float(teach.get("temperature", d.temperature)), a, b, float(teach.get("min_known", d.min_known)),
                       float(teach.get("example_a", a)), float(teach.get("example_b", b)),
                       float(teach.get("min_confidence", d.min_confidence)))
        except (TypeError, ValueError) as exc:
            raise TeachError(f"model metadata has an unusable teach entry: {exc}") from exc

    def known(self, cosine: float) -> float:
        """P(known) from the cosine to the winning label's centroid."""
        return _sigmoid(self.known_a, self.known_b, cosine)

    def example_known(self, cosine: float) -> float:
        """P(same label) from the cosine to one example."""
        return _sigmoid(self.example_a, self.example_b, cosine)


def _sigmoid(a: float | None, b: float | None, x: float) -> float:
    if a is None or b is None:
        raise TeachError("teach mode has no calibration for this model yet")
    z = a * x + b
    return 1.0 / (1.0 + math.exp(-z)) if z > -50 else 0.0


def _cleaned(name: object, what: str, max_length: int) -> str:
    """NFC, spaces collapsed; a TeachError for a non-text, empty or too long name, or one with control or
    text-direction characters (they make a name display as something it is not)."""
    if not isinstance(name, str):
        raise TeachError(f"A {what}'s name must be text, not {type(name).__name__}.")
    name = " ".join(unicodedata.normalize("NFC", name).split())
    if not name:
        raise TeachError(f"A {what} needs a name.")
    if len(name) > max_length:
        raise TeachError(f"A {what}'s name can be at most {max_length} characters.")
    if any(c in BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in name):
        raise TeachError(f"{name.encode('unicode_escape').decode()!r} can't be used: it holds control or "
                         "text-direction characters.")
    return name


def check_label(name: str, taken: Container[str] = ()) -> str:
    """The cleaned label name (NFC, spaces collapsed), or a TeachError saying what is wrong with it. `taken`
    holds the lower-cased names already in use (a set, so a check is O(1))."""
    name = _cleaned(name, "label", MAX_LABEL_LENGTH)
    if name.lower() == REVIEW or name.startswith(".") or FORBIDDEN & set(name):
        raise TeachError(f"{name!r} can't be a label name (not 'review', no leading dot, none of / \\ : * ? \" < > |).")
    if name.lower() in taken:
        raise TeachError(f"There is already a label called {name!r}.")
    return name


def check_set_name(name: str, own: bool = False) -> str:
    """A label set's name, cleaned as a label's is (it names the set's storage in the browser). A leading dot is
    kept for snaptag's own sets (`own`: the sorter's corrections, app/logic/corrections.py)."""
    name = _cleaned(name, "label set", MAX_SET_NAME_LENGTH)
    if name.startswith(".") and not own:
        raise TeachError(f"{name!r} can't be a label set's name: names starting with a dot are snaptag's own.")
    return name


@dataclass
class TeachSet:
    """Labels in the order they were made, and examples by id (add, remove and count are O(1))."""

    config: TeachConfig = field(default_factory=TeachConfig)
    labels: list[str] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)  # example id -> label
    counts: dict[str, int] = field(default_factory=dict)  # label -> how many examples (its keys: the labels)
    lowered: set[str] = field(default_factory=set)  # the labels lower-cased: a name is taken in any case

    def clear(self) -> None:
        """Forget every label and example (before reading the set again)."""
        for part in (self.labels, self.examples, self.counts, self.lowered):
            part.clear()

    def add_label(self, name: str) -> str:
        if len(self.labels) >= MAX_LABELS:
            raise TeachError(f"A set can have at most {MAX_LABELS} labels; delete one first.")
        name = check_label(name, self.lowered)
        self.labels.append(name)
        self.counts[name] = 0
        self.lowered.add(name.lower())
        return name

    def rename_label(self, old: str, new: str) -> str:
        self._require(old)
        new = check_label(new, self.lowered - {old.lower()})
        self.labels[self.labels.index(old)] = new
        self.counts[new] = self.counts.pop(old)
        self.lowered.discard(old.lower())
        self.lowered.add(new.lower())
        for ex_id, label in self.examples.items():
            if label == old:
                self.examples[ex_id] = new
        return new

    def delete_label(self, name: str) -> list[str]:
        """Remove a label; returns the ids of its examples, which are removed too."""
        self._require(name)
        self.labels.remove(name)
        del self.counts[name]
        self.lowered.discard(name.lower())
        gone = [ex_id for ex_id, label in self.examples.items() if label == name]
        for ex_id in gone:
            del self.examples[ex_id]
        return gone

    def add_example(self, ex_id: str, label: str) -> None:
        self._require(label)
        if ex_id in self.examples:
            raise TeachError(f"example {ex_id} is already taught")
        self.examples[ex_id] = label
        self.counts[label] += 1

    def remove_example(self, ex_id: str) -> str:
        if ex_id not in self.examples:
            raise TeachError(f"no example {ex_id}")
        label = self.examples.pop(ex_id)
        self.counts[label] -= 1
        return label

    def count(self, label: str) -> int:
        return self.counts[label]

    def _require(self, label: str) -> None:
        if label not in self.counts:
            raise TeachError(f"there is no label {label!r}")

    def predict(self, scores: Iterable[tuple[str, float, float]]) -> Prediction:
        """The prediction for a photo from its (label, centred cosine, centroid cosine) per label (labels this set
        does not have, or that have no examples, are skipped)."""
        cfg = self.config
        rows = sorted((label, float(c), float(b)) for label, c, b in scores if self.counts.get(label))
        confidences = dict.fromkeys(self.labels, 0.0)
        if not rows:
            return Prediction(None, confidences, 1.0)
        winner, top, plain = max(rows, key=lambda r: r[1])  # a tie goes to the name that sorts first
        known = cfg.known(plain)
        weights = {label: math.exp((c - top) / cfg.temperature) for label, c, _b in rows}
        total = sum(weights.values())
        confidences.update({label: known * w / total for label, w in weights.items()})
        label = winner if known >= cfg.min_known else None
        unsure = label is not None and confidences[label] < cfg.min_confidence
        return Prediction(label, confidences, 1.0 - known, unsure)

    def decide(self, scores: Iterable[tuple[str, float, float]]) -> Decision:
        """The prediction as a Decision: its label, or REVIEW with reason "unknown" (unlike every label),
        "unsure" (its label's confidence below min_confidence) or "no_examples" (nothing taught yet); `top` holds
        every label by confidence."""
        return self.predict(scores).decision()


@dataclass(frozen=True)
class Prediction:
    """A label set's answer for one photo: `confidences` (every label) and `unknown` sum to 1; `label` is the
    most confident label, or None (unlike every label); `unsure`: the label's confidence is below
    min_confidence (the page sends it to review)."""

    label: str | None
    confidences: dict[str, float]
    unknown: float
    unsure: bool = False

    def decision(self) -> Decision:
        if self.unknown >= 1.0 and not any(self.confidences.values()):
            return Decision(REVIEW, (), "no_examples")
        top = tuple(sorted(self.confidences.items(), key=lambda kv: -kv[1]))
        if self.label is None:
            return Decision(REVIEW, top, "unknown")
        return Decision(REVIEW, top, UNSURE) if self.unsure else Decision(self.label, top)

    def public(self) -> dict:
        """What predictClass answers (docs/embedding.md)."""
        return {"label": self.label, "confidences": dict(self.confidences), "unknown": self.unknown,
                "unsure": self.unsure}
