"""The teach-mode check of the embedding: nearest-centroid accuracy on unseen classes."""

from __future__ import annotations

import numpy as np

from app.logic.teach import TeachConfig
from model.evaluation.fewshot import fewshot_report, nearest_centroid_accuracy


def _clusters(rng: np.random.Generator, n_per_class: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    centres = np.eye(4, 16) * 5.0
    labels = np.repeat(np.arange(4), n_per_class)
    return centres[labels] + rng.normal(0, spread, (len(labels), 16)), labels


def test_separable_classes_score_one_and_noise_scores_near_chance():
    rng = np.random.default_rng(1)
    train, test = _clusters(rng, 10, 0.3), _clusters(rng, 20, 0.3)
    assert nearest_centroid_accuracy(*train, *test, shots=1) == 1.0
    noise_train = (rng.normal(size=(40, 16)), train[1])
    noise_test = (rng.normal(size=(80, 16)), test[1])
    assert abs(nearest_centroid_accuracy(*noise_train, *noise_test, shots=5, repeats=50) - 0.25) < 0.08


def test_report_skips_shots_larger_than_the_smallest_class():
    rng = np.random.default_rng(2)
    train, test = _clusters(rng, 6, 2.0), _clusters(rng, 5, 2.0)
    report = fewshot_report(train, test, TeachConfig(known_a=10.0, known_b=-4.0))
    assert report["classes"] == 4 and report["n"] == 20 and report["chance"] == 0.25
    assert list(report["accuracy"]) == ["1", "5"]
    assert report["accuracy"]["5"] >= report["accuracy"]["1"] > 0.25
    assert "strangers_unknown" not in report


def test_photos_of_none_of_the_classes_are_called_unknown():
    rng = np.random.default_rng(3)
    train, test = _clusters(rng, 10, 0.3), _clusters(rng, 10, 0.3)
    strangers = np.eye(16)[8:16] * 5.0 + rng.normal(0, 0.3, (8, 16))  # directions no class has
    report = fewshot_report(train, test, TeachConfig(known_a=10.0, known_b=-4.0), strangers=strangers)
    assert report["strangers"] == 8
    assert report["strangers_unknown"] == {"1": 1.0, "5": 1.0, "10": 1.0}
    assert max(report["teach_unknown"].values()) < 0.1  # while the classes' own photos are known


def test_the_unknown_rule_is_fit_on_the_pool_or_falls_back_to_the_backbones_own_fit():
    from model.training.teach_calibration import FALLBACKS, calibrate

    rng = np.random.default_rng(4)
    pool = {f"c{i}": np.eye(12, 16)[i] * 5.0 + rng.normal(0, 0.6, (12, 16)) for i in range(12)}
    fit = calibrate(pool, seed=0)
    assert fit["known_a"] > 0 and fit["calibration"].startswith("200 few-shot tasks from 12 pool classes")
    small = calibrate(dict(list(pool.items())[:4]), backbone="lite1")
    assert (small["known_a"], small["known_b"]) == FALLBACKS["lite1"][0] != FALLBACKS["lite0"][0]
    assert small["calibration"].startswith("fallback: lite1's fit")
