"""Calibrate teach mode's "unknown" rule for a model's embedding (app/logic/teach.py).

Few-shot tasks are drawn from the pool's classes (never the classes a user will teach): 2-7 labels with 1, 3,
5 or 10 examples each, queries from those labels and from 3 classes outside the task. For each query the
winning label's best cosine is recorded with whether the query belongs to the task at all; a logistic fit of
that is P(known) = sigmoid(a * cosine + b).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from app.logic.teach import TeachConfig, TeachSet
from model.evaluation.fewshot import unit

TASKS = 200
QUERIES = 10


def winner_cosines(examples: np.ndarray, labels: list[str], queries: np.ndarray, cfg: TeachConfig) -> np.ndarray:
    """For each query, the best cosine to the examples of the label the vote picks (the page's own rule)."""
    teach = TeachSet(cfg)
    for name in dict.fromkeys(labels):
        teach.add_label(name)
    ids = [str(i) for i in range(len(labels))]
    for ex_id, label in zip(ids, labels):
        teach.add_example(ex_id, label)
    sims = unit(queries) @ unit(examples).T
    out = []
    for row in sims:
        decision = teach.decide(zip(ids, row.tolist()))
        winner = decision.top[0][0]
        out.append(max(s for s, lab in zip(row, labels) if lab == winner))
    return np.asarray(out)


FALLBACK = (10.064, -4.1623)  # known_a, known_b of Lite0 @144 fit on pretrain/ (model/cafe, 2026-11): a pool too
# small to fit on gets this, said so in the metadata's `calibration`


def calibrate(features: dict[str, np.ndarray], cfg: TeachConfig | None = None, seed: int = 0) -> dict:
    """features: class name -> (n, D) embeddings. Returns the metadata entry `teach`."""
    cfg = cfg or TeachConfig(known_a=0.0, known_b=0.0)  # the vote picks the winner; P(known) is what is fit here
    rng = np.random.default_rng(seed)
    names = sorted(c for c, x in features.items() if len(x) >= 2)
    if len(names) < 5:
        a, b = FALLBACK
        return {"k": cfg.k, "tau": cfg.tau, "known_a": a, "known_b": b, "min_known": cfg.min_known,
                "calibration": "fallback: Lite0 @144's fit on pretrain/ (this pool has fewer than 5 classes)"}
    cos, known = [], []
    for _ in range(TASKS):
        ways = int(rng.integers(2, min(7, len(names) - 3) + 1))
        shots = int(rng.choice([1, 3, 5, 10]))
        task = rng.choice(len(names), ways + 3, replace=False)
        ex, ex_labels, queries, member = [], [], [], []
        for j, ci in enumerate(task):
            x = features[names[ci]][rng.permutation(len(features[names[ci]]))]
            take = min(shots, len(x) - 1) if j < ways else 0
            ex.append(x[:take])
            ex_labels += [names[ci]] * take
            queries.append(x[take : take + QUERIES])
            member += [j < ways] * len(x[take : take + QUERIES])
        cos += winner_cosines(np.concatenate(ex), ex_labels, np.concatenate(queries), cfg).tolist()
        known += member
    c, y = np.asarray(cos), np.asarray(known, dtype=float)

    def nll(w: np.ndarray) -> float:
        z = w[0] * c + w[1]
        return float(np.mean(np.logaddexp(0.0, z) - y * z))

    a, b = minimize(nll, np.array([10.0, -5.0]), method="Nelder-Mead").x
    return {"k": cfg.k, "tau": cfg.tau, "known_a": round(float(a), 4), "known_b": round(float(b), 4),
            "min_known": cfg.min_known,
            "calibration": f"{TASKS} few-shot tasks from {len(names)} pool classes, {len(c)} queries"}
