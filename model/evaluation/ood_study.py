"""Which "none of these" rule works best? Each candidate score is thresholded so that 5% of in-scope val/
photos go to review (the target), then measured on in-scope test/ photos and on out-of-scope photos.

Scores (higher = more in scope):
  max_prob        top calibrated probability over all classes (what the threshold rule uses)
  not_other       1 - p(other): the explicit out-of-scope class
  max_in_scope_prob  top probability over the in-scope classes only
  mapping_rule    the app's rule as a score: max_prob, ranked below everything when `other` is the top class
  centroid_cos    cosine between the embedding and the nearest in-scope class centroid (from train/)
"""

from __future__ import annotations

import numpy as np

IN_SCOPE_REVIEW_TARGET = 0.05


def auroc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(score of a random in-scope photo > score of a random out-of-scope photo)."""
    both = np.concatenate([pos, neg])
    ranks = both.argsort().argsort().astype(np.float64) + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def rule_scores(probs: np.ndarray, emb: np.ndarray, in_scope: np.ndarray, centroids: np.ndarray) -> dict:
    top_is_other = ~in_scope[probs.argmax(axis=1)]
    max_prob = probs.max(axis=1)
    out = {"max_prob": max_prob, "max_in_scope_prob": probs[:, in_scope].max(axis=1),
           "mapping_rule": np.where(top_is_other, max_prob - 2.0, max_prob),  # `other` on top ranks lowest
           "centroid_cos": (emb @ centroids.T).max(axis=1)}
    if (~in_scope).any():
        out["not_other"] = 1.0 - probs[:, ~in_scope].sum(axis=1)
    return out


def centroids_of(emb: np.ndarray, labels: np.ndarray, in_scope: np.ndarray) -> np.ndarray:
    rows = [emb[labels == k].mean(axis=0) for k in np.flatnonzero(in_scope) if (labels == k).any()]
    c = np.stack(rows)
    return c / np.linalg.norm(c, axis=1, keepdims=True)


def study(train: tuple, val: tuple, test: tuple, ood: tuple, in_scope: np.ndarray) -> dict:
    """Each of train/val/test is (probs, embeddings, labels); ood is (probs, embeddings)."""
    centroids = centroids_of(train[1], train[2], in_scope)
    keep_val = in_scope[val[2]]
    s_val = rule_scores(val[0][keep_val], val[1][keep_val], in_scope, centroids)
    s_test = rule_scores(test[0], test[1], in_scope, centroids)
    s_ood = rule_scores(ood[0], ood[1], in_scope, centroids)
    report = {}
    for name in s_val:
        threshold = float(np.quantile(s_val[name], IN_SCOPE_REVIEW_TARGET))
        report[name] = {
            "threshold": threshold,
            "in_scope_review_rate": float((s_test[name] < threshold).mean()),
            "ood_review_rate": float((s_ood[name] < threshold).mean()),
            "auroc": auroc(s_test[name], s_ood[name]),
        }
    return {"target_in_scope_review_on_val": IN_SCOPE_REVIEW_TARGET, "rules": report}
