"""Calibrate teach mode's "unknown" rule for a model's embedding (app/logic/teach.py).

Few-shot tasks are drawn from the pool's classes (never the classes a user will teach): 2-7 labels with 1, 3,
5 or 10 examples each, queries from those labels and from 3 classes outside the task. For each query the
winning label's centroid cosine is recorded with whether the query belongs to the task at all; a logistic fit of
that is P(known) = sigmoid(a * cosine + b). The same fit on the winning label's best cosine to one example
gives the sorter's corrections their P(same label) (example_a, example_b). The softmax temperature that
spreads P(known) over the labels is fit on the queries of the task's own labels (the likelihood of their true
label).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from app.logic.teach import TeachConfig
from model.evaluation.fewshot import label_scores, unit

TASKS = 200
QUERIES = 10


def task_scores(examples: np.ndarray, labels: list[str], queries: np.ndarray,
                truth: list[str | None]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """(per query the winning label's centroid cosine (the page's own rule) and its best cosine to one of its
    examples, and for each query of a task label its centred cosines shifted so that its true label's is 0: what
    the temperature is fit on)."""
    names, centred, centroid = label_scores(examples, labels, queries)
    order = np.argsort(names, kind="stable")  # as app/logic/teach.py: a tie goes to the name that sorts first
    winners = order[centred[:, order].argmax(axis=1)]
    shifted = [row - row[names.index(t)] for row, t in zip(centred, truth) if t is not None]
    of_winner = np.asarray(labels)[None, :] == np.asarray(names)[winners][:, None]  # (queries, examples)
    best = np.where(of_winner, unit(queries) @ unit(examples).T, -np.inf).max(axis=1)
    return centroid[np.arange(len(centroid)), winners], best, shifted


# (known_a, known_b), (example_a, example_b) per backbone at its own input size, fit on pretrain/ (2026-12: Lite0
# @224 from model/cafe, Lite1 @240 from the same recipe): a pool too small to fit on gets these, said so in the
# metadata's `calibration`
FALLBACKS = {"lite0": ((9.4179, -4.6485), (10.8957, -5.0683)), "lite1": ((9.7712, -4.9675), (11.2529, -5.366))}


def calibrate(features: dict[str, np.ndarray], cfg: TeachConfig | None = None, seed: int = 0,
              backbone: str = "lite0") -> dict:
    """features: class name -> (n, D) embeddings of a `backbone` model. Returns the metadata entry `teach`."""
    cfg = cfg or TeachConfig()
    rng = np.random.default_rng(seed)
    names = sorted(c for c, x in features.items() if len(x) >= 2)
    if len(names) < 5:
        (a, b), (ea, eb) = FALLBACKS[backbone]
        return {"temperature": cfg.temperature, "known_a": a, "known_b": b, "min_known": cfg.min_known,
                "example_a": ea, "example_b": eb,
                "calibration": f"fallback: {backbone}'s fit on pretrain/ (this pool has fewer than 5 classes)"}
    cos, one, known, shifted = [], [], [], []
    for _ in range(TASKS):
        ways = int(rng.integers(2, min(7, len(names) - 3) + 1))
        shots = int(rng.choice([1, 3, 5, 10]))
        task = rng.choice(len(names), ways + 3, replace=False)
        ex, ex_labels, queries, truth = [], [], [], []
        for j, ci in enumerate(task):
            x = features[names[ci]][rng.permutation(len(features[names[ci]]))]
            take = min(shots, len(x) - 1) if j < ways else 0
            ex.append(x[:take])
            ex_labels += [names[ci]] * take
            queries.append(x[take : take + QUERIES])
            truth += [names[ci] if j < ways else None] * len(x[take : take + QUERIES])
        plain, best, task_shifted = task_scores(np.concatenate(ex), ex_labels, np.concatenate(queries), truth)
        cos += plain.tolist()
        one += best.tolist()
        known += [t is not None for t in truth]
        shifted += task_shifted
    y = np.asarray(known, dtype=float)

    def fit(c: np.ndarray) -> tuple[float, float]:
        def nll(w: np.ndarray) -> float:
            z = w[0] * c + w[1]
            return float(np.mean(np.logaddexp(0.0, z) - y * z))

        a, b = minimize(nll, np.array([10.0, -5.0]), method="Nelder-Mead").x
        return round(float(a), 4), round(float(b), 4)

    def label_nll(log_t: float) -> float:  # -log softmax(true label) = logsumexp(shifted / t)
        t = float(np.exp(log_t))
        return float(np.mean([np.logaddexp.reduce(row / t) for row in shifted]))

    (a, b), (ea, eb) = fit(np.asarray(cos)), fit(np.asarray(one))
    temperature = float(np.exp(minimize_scalar(label_nll, bounds=(np.log(0.005), np.log(1.0)), method="bounded").x))
    return {"temperature": round(temperature, 4), "known_a": a, "known_b": b, "min_known": cfg.min_known,
            "example_a": ea, "example_b": eb,
            "calibration": f"{TASKS} few-shot tasks from {len(names)} pool classes, {len(y)} queries"}
