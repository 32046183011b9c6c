"""Is the `embedding` good for teach mode? Classes the model never saw: k example photos per class, every test
photo classified two ways, mean accuracy over random draws of the examples:

- `centroid`: the nearest class centroid by cosine (a plain measure of the embedding);
- `teach`: app/logic/teach.py's decision, exactly what the page does (centred nearest centroid + the calibrated
  unknown rule), from `label_scores` (worker/examples.js labelScores in numpy); its accuracy counts the winning
  label, and `unknown` is the share it sends to review; `strangers_unknown` the share of photos of none of the
  classes (the café's, say) it sends there too.
"""

from __future__ import annotations

import numpy as np

from app.logic.mapping import REVIEW, UNSURE
from app.logic.teach import TeachConfig, TeachSet

SHOTS = (1, 5, 10)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def label_scores(examples: np.ndarray, labels: list[str], queries: np.ndarray) -> tuple[list[str], np.ndarray,
                                                                                       np.ndarray]:
    """(label names, centred (q, L), centroid (q, L)): per query and label, the cosine to the label's centroid
    with both centred on the mean of every example, and the plain cosine to that centroid."""
    names = list(dict.fromkeys(labels))
    ex, q = unit(examples), unit(queries)
    member = np.array([[lab == n for lab in labels] for n in names])  # (L, n)
    mu = ex.mean(axis=0)
    means = member @ ex / member.sum(axis=1, keepdims=True)
    dirs = means - mu
    lengths = np.linalg.norm(dirs, axis=1, keepdims=True)
    dirs = np.where(lengths > 1e-6, dirs / np.maximum(lengths, 1e-12), 0.0)
    return names, unit(q - mu) @ dirs.T, q @ unit(means).T


def taught_rows(names: list[str], centred: np.ndarray, centroid: np.ndarray) -> list[list[tuple[str, float, float]]]:
    """label_scores as TeachSet.decide's input, one list per query."""
    return [list(zip(names, c.tolist(), p.tolist())) for c, p in zip(centred, centroid)]


def _draws(train_labels: np.ndarray, shots: int, repeats: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    classes = np.unique(train_labels)
    return [np.concatenate([rng.choice(np.flatnonzero(train_labels == c), shots, replace=False) for c in classes])
            for _ in range(repeats)]


def nearest_centroid_accuracy(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray,
                              test_labels: np.ndarray, shots: int, repeats: int = 20, seed: int = 0) -> float:
    accs = []
    for picks in _draws(train_labels, shots, repeats, seed):
        names, _centred, centroid = label_scores(train[picks], train_labels[picks].tolist(), test)
        accs.append(float((np.asarray(names)[centroid.argmax(axis=1)] == test_labels).mean()))
    return float(np.mean(accs))


def _decisions(teach: TeachSet, examples: np.ndarray, labels: list[str], queries: np.ndarray) -> list:
    return [teach.decide(rows) for rows in taught_rows(*label_scores(examples, labels, queries))]


def teach_accuracy(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray, test_labels: np.ndarray,
                   shots: int, cfg: TeachConfig, repeats: int = 20, seed: int = 0,
                   strangers: np.ndarray | None = None) -> tuple[float, float, float | None, float]:
    """(accuracy of the winning label, share sent to review as unknown, the share of `strangers` sent to review,
    share sent to review as unsure) of the page's classifier."""
    names = [str(c) for c in test_labels]
    accs, unknown, lost, unsure = [], [], [], []
    for picks in _draws(train_labels, shots, repeats, seed):
        teach = TeachSet(cfg)
        for c in np.unique(train_labels):
            teach.add_label(str(c))
        labels = [str(train_labels[i]) for i in picks]
        for i, label in zip(picks, labels):
            teach.add_example(str(i), label)
        decisions = _decisions(teach, train[picks], labels, test)
        accs.append(np.mean([d.top[0][0] == n for d, n in zip(decisions, names)]))
        unknown.append(np.mean([d.reason == "unknown" for d in decisions]))
        unsure.append(np.mean([d.reason == UNSURE for d in decisions]))
        if strangers is not None:
            lost.append(np.mean([d.category == REVIEW for d in _decisions(teach, train[picks], labels, strangers)]))
    return float(np.mean(accs)), float(np.mean(unknown)), float(np.mean(lost)) if lost else None, float(np.mean(unsure))


def fewshot_report(train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray],
                   cfg: TeachConfig, shots: tuple[int, ...] = SHOTS, repeats: int = 20,
                   strangers: np.ndarray | None = None) -> dict:
    """train/test: (embeddings, labels); strangers: embeddings of photos of none of the classes. Shots larger
    than the smallest class are skipped."""
    smallest = int(np.bincount(train[1]).min())
    n_classes = len(np.unique(train[1]))
    used = [k for k in shots if k <= smallest]
    teach = {str(k): teach_accuracy(*train, *test, k, cfg, repeats, strangers=strangers) for k in used}
    report = {
        "classes": n_classes,
        "n": len(test[1]),
        "chance": 1.0 / n_classes,
        "repeats": repeats,
        "accuracy": {str(k): nearest_centroid_accuracy(*train, *test, k, repeats) for k in used},
        "teach_accuracy": {k: v[0] for k, v in teach.items()},
        "teach_unknown": {k: v[1] for k, v in teach.items()},
        "teach_unsure": {k: v[3] for k, v in teach.items()},
    }
    if strangers is not None:
        report["strangers"] = len(strangers)
        report["strangers_unknown"] = {k: v[2] for k, v in teach.items()}
    return report
