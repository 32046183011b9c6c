"""Scores -> the numbers we report. Decisions come from app.logic.mapping, the same rule the page uses."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.logic.mapping import REVIEW, ClassMap
from model.training.calibrate import expected_calibration_error, reliability


def in_scope_report(probs: np.ndarray, labels: np.ndarray, cmap: ClassMap) -> dict:
    """Photos that belong to one of the model's classes: accuracy, review rate, calibration."""
    ids = cmap.ids
    pred = probs.argmax(axis=1)
    k = len(ids)
    confusion = np.zeros((k, k), dtype=int)
    for t, p in zip(labels, pred):
        confusion[t, p] += 1
    decisions = [cmap.decide(row.tolist()) for row in probs]
    reviewed = np.array([d.category == REVIEW for d in decisions])
    filed = ~reviewed
    correct = pred == labels
    per_class = {}
    for i, cid in enumerate(ids):
        tp = int(confusion[i, i])
        support = int(confusion[i].sum())
        predicted = int(confusion[:, i].sum())
        if support or predicted:
            per_class[cid] = {
                "precision": tp / predicted if predicted else 0.0,
                "recall": tp / support if support else 0.0,
                "support": support,
            }
    confidence = probs.max(axis=1)
    return {
        "n": int(len(labels)),
        "top1": float(correct.mean()),
        "per_class": per_class,
        "confusion": {"classes": ids, "matrix": confusion.tolist()},
        "review_rate": float(reviewed.mean()),
        "accuracy_of_filed": float(correct[filed].mean()) if filed.any() else None,
        "ece": expected_calibration_error(confidence, correct),
        "reliability": reliability(confidence, correct),
    }


def threshold_sweep(probs: np.ndarray, labels: np.ndarray, cmap: ClassMap, ood_probs: np.ndarray | None,
                    thresholds: tuple[float, ...] = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)) -> list[dict]:
    """The app's rule at other thresholds: what is filed, how accurately, and what goes to review."""
    rows = []
    for t in thresholds:
        rule = replace(cmap, threshold=t)
        cats = [rule.decide(p.tolist()).category for p in probs]
        filed = np.array([c != REVIEW for c in cats])
        right = np.array([c == cmap.ids[y] for c, y in zip(cats, labels)])
        row = {"threshold": t, "review_rate": float(1 - filed.mean()),
               "accuracy_of_filed": float(right[filed].mean()) if filed.any() else None}
        if ood_probs is not None:
            row["ood_review_rate"] = float(np.mean([rule.decide(p.tolist()).category == REVIEW for p in ood_probs]))
        rows.append(row)
    return rows


def ood_report(probs: np.ndarray, cmap: ClassMap) -> dict:
    """Photos that belong to none of the classes: how many the mapping sends to review, and why."""
    decisions = [cmap.decide(row.tolist()) for row in probs]
    reasons = [d.reason for d in decisions]
    return {
        "n": len(decisions),
        "ood_review_rate": float(np.mean([d.category == REVIEW for d in decisions])),
        "ood_out_of_scope_rate": float(np.mean([r == "out_of_scope" for r in reasons])),
        "ood_unsure_rate": float(np.mean([r == "unsure" for r in reasons])),
    }
