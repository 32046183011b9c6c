"""Is the `embedding` general? Teach mode's task on classes the model never saw: k example photos per class,
a centroid each, every test photo to the nearest centroid by cosine. Mean accuracy over random draws of k."""

from __future__ import annotations

import numpy as np

SHOTS = (1, 5, 10)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def nearest_centroid_accuracy(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray,
                              test_labels: np.ndarray, shots: int, repeats: int = 20, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    classes = np.unique(train_labels)
    test = _unit(test)
    accs = []
    for _ in range(repeats):
        picks = [rng.choice(np.flatnonzero(train_labels == c), shots, replace=False) for c in classes]
        centroids = _unit(np.stack([_unit(train[i]).mean(axis=0) for i in picks]))
        accs.append(float((classes[(test @ centroids.T).argmax(axis=1)] == test_labels).mean()))
    return float(np.mean(accs))


def fewshot_report(train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]) -> dict:
    """train/test: (embeddings, labels). Shots larger than the smallest class are skipped."""
    smallest = int(np.bincount(train[1]).min())
    n_classes = len(np.unique(train[1]))
    return {
        "classes": n_classes,
        "n": len(test[1]),
        "chance": 1.0 / n_classes,
        "accuracy": {str(k): nearest_centroid_accuracy(*train, *test, k) for k in SHOTS if k <= smallest},
    }
