"""`build.py evaluate --replay`: does learning from corrections help, and is it safe? Photo streams are replayed
through the sorter's own rule (app/logic/corrections.py over app/logic/mapping.py), the user correcting every
wrong card in order; each stream runs with learning and without.

A stream is the dataset's test photos plus one *relabelled* folder: photos that the site files under a category
the model does not give them (street views and building fronts as Vibes: a site's own taste), shuffled. Per
stream:
- `second_half_error`: the share of wrong cards in the stream's second half, with and without learning;
- `per_category`: the same per true category (categories never corrected must not get worse);
- `relabelled_after_10`: after the user's 10th correction of relabelled photos, the share of the next 40 of them
  filed under their category;
- `dataset_top1_after_10`: top-1 on the dataset's photos after that point (what corrections cost the rest);
- `wrong_spread`: the same stream where the user moves the relabelled photos to a *wrong* category: the share
  of the dataset's photos whose card changed (a wrong correction must not spread to unlike photos);
- `ood_dragged`: with the stream's corrections, the share of out-of-scope photos (`pretrain/`'s held-out scenes,
  never trained on: landscapes, art, vehicles) that the model calls out of scope and the corrections move out of
  review; `ood_dragged_1` the same after the first correction of a relabelled photo alone; `ood_unsure_dragged`
  the share of those the model sends to review as unsure that the corrections file.
Numbers are mean and spread (standard deviation) over folders and seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.logic.corrections import CorrectedRule, CorrectionConfig
from app.logic.mapping import OUT_OF_SCOPE, REVIEW, UNSURE, ClassMap
from app.logic.rules import ModelRule, Scores
from app.logic.spec import PreprocessSpec
from app.logic.teach import TeachConfig, TeachSet
from model.dataset import data
from model.evaluation.evaluate import head_metadata, labelled, outputs

FIRST, NEXT = 10, 40  # relabelled photos: corrections made, then photos scored
DEFAULT = CorrectionConfig()


@dataclass(frozen=True)
class Embedded:
    probs: np.ndarray
    unit: np.ndarray  # embeddings, L2-normalised
    truth: list[str]  # the category the user wants (a class id)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def sims_of(vecs: np.ndarray, rows: list[int], truth: list[str], query: np.ndarray,
            k: int) -> tuple[tuple[str, float, float | None], ...]:
    """The worker's answer for `query` (worker/examples.js nearest + kins) over the correction rows `rows`: the k
    nearest (id, cosine, kin), kin being that correction's cosine to the second nearest other one of its
    category (None with fewer than two others)."""
    sims = vecs[rows] @ query
    out = []
    for b in np.argsort(-sims)[:k]:
        peers = [r for r in rows if r != rows[b] and truth[r] == truth[rows[b]]]
        kin = float(np.sort(vecs[peers] @ vecs[rows[b]])[-2]) if len(peers) >= 2 else None
        out.append((str(rows[b]), float(sims[b]), kin))
    return tuple(out)


def stream(dataset: Embedded, extra: Embedded, seed: int, learn: bool, cmap: ClassMap, teach: TeachConfig,
           wrong: str | None = None, config: CorrectionConfig = DEFAULT, ood: Embedded | None = None) -> dict:
    """One replay: the decisions (category per photo, in stream order) and where each photo came from. `wrong`:
    the user moves the relabelled photos to this category instead of their own. `ood`: photos of no category,
    decided after the first relabelled correction and at the end (`ood_after_1`, `ood_after`; base: without)."""
    probs = np.concatenate([dataset.probs, extra.probs])
    vecs = np.concatenate([dataset.unit, extra.unit])
    truth = dataset.truth + ([wrong] * len(extra.truth) if wrong else extra.truth)
    is_extra = np.r_[np.zeros(len(dataset.truth), bool), np.ones(len(extra.truth), bool)]
    order = np.random.default_rng(seed).permutation(len(truth))
    corrections = TeachSet(teach)
    for category in cmap.ids:
        corrections.add_label(category)
    rule = CorrectedRule(ModelRule(cmap), corrections, config)
    rows: list[int] = []  # the corrections' photo indices

    def decide_ood() -> np.ndarray:
        return np.array([rule.decide(Scores(tuple(p), sims_of(vecs, rows, truth, v, config.k) if rows else ())).category
                         for p, v in zip(ood.probs, ood.unit)])

    decided, ood_after_1 = [], None
    for i in order:
        scores = Scores(tuple(probs[i]))
        if learn and rows:
            scores = Scores(scores.probs, sims_of(vecs, rows, truth, vecs[i], config.k))
        category = rule.decide(scores).category
        decided.append(category)
        if category != truth[i] and truth[i] != REVIEW:  # the user corrects it
            corrections.add_example(str(i), truth[i])
            rows.append(int(i))
            if ood is not None and learn and is_extra[i] and ood_after_1 is None:
                ood_after_1 = decide_ood()
    out = {"order": order, "decided": np.array(decided), "truth": np.array(truth)[order], "extra": is_extra[order]}
    if ood is not None and learn:
        out["ood_after_1"], out["ood_after"] = ood_after_1, decide_ood()
    return out


def measures(learned: dict, plain: dict, spread: dict, categories: list[str]) -> dict:
    wrong_l = learned["decided"] != learned["truth"]
    wrong_p = plain["decided"] != plain["truth"]
    half = len(wrong_l) // 2
    out = {"second_half_error": {"learning": float(wrong_l[half:].mean()), "without": float(wrong_p[half:].mean())}}
    out["per_category"] = {}
    for c in categories:
        m = plain["truth"][half:] == c
        if m.any():
            out["per_category"][c] = {"learning": float(wrong_l[half:][m].mean()),
                                      "without": float(wrong_p[half:][m].mean())}
    # after the 10th correction of a relabelled photo (the user corrected every wrong one before it)
    extra_wrong = np.flatnonzero(learned["extra"] & wrong_l)
    start = extra_wrong[FIRST - 1] + 1 if len(extra_wrong) >= FIRST else len(wrong_l)
    later = np.arange(start, len(wrong_l))
    extra_later = later[learned["extra"][later]][:NEXT]
    out["relabelled_after_10"] = {"learning": float(np.mean(~wrong_l[extra_later])) if len(extra_later) else None,
                                  "without": float(np.mean(~wrong_p[extra_later])) if len(extra_later) else None,
                                  "n": int(len(extra_later))}
    own = later[~learned["extra"][later]]
    out["dataset_top1_after_10"] = {"learning": float(np.mean(~wrong_l[own])) if len(own) else None,
                                    "without": float(np.mean(~wrong_p[own])) if len(own) else None}
    own_all = ~spread["extra"]
    out["wrong_spread"] = float(np.mean(spread["decided"][own_all] != plain["decided"][own_all]))
    if "ood_after" in learned:
        scope, unsure = learned["ood_base"] == OUT_OF_SCOPE, learned["ood_base"] == UNSURE
        for key, got, base in (("ood_dragged", learned["ood_after"], scope),
                               ("ood_dragged_1", learned["ood_after_1"], scope),
                               ("ood_unsure_dragged", learned["ood_after"], unsure)):
            out[key] = float(np.mean(got[base] != REVIEW)) if got is not None and base.any() else None
    return out


def summary(runs: list[dict]) -> dict:
    """Mean and standard deviation of every number over the runs."""
    def collect(path: tuple[str, ...]) -> list[float]:
        values = []
        for run in runs:
            v = run
            for key in path:
                v = v.get(key) if isinstance(v, dict) else None
            if isinstance(v, float):
                values.append(v)
        return values

    paths = [("second_half_error", "learning"), ("second_half_error", "without"),
             ("relabelled_after_10", "learning"), ("relabelled_after_10", "without"),
             ("dataset_top1_after_10", "learning"), ("dataset_top1_after_10", "without"), ("wrong_spread",),
             ("ood_dragged",), ("ood_dragged_1",), ("ood_unsure_dragged",)]
    cats = sorted({c for run in runs for c in run["per_category"]})
    paths += [("per_category", c, way) for c in cats for way in ("learning", "without")]
    result = {}
    for path in paths:
        values = collect(path)
        if values:
            result[".".join(path)] = {"mean": round(float(np.mean(values)), 4), "sd": round(float(np.std(values)), 4),
                                      "n": len(values)}
    return result


def replay(dataset: Embedded, extras: dict[str, Embedded], cmap: ClassMap, teach: TeachConfig, seeds: int,
           config: CorrectionConfig = DEFAULT, ood: Embedded | None = None) -> dict:
    """Every relabelled folder, `seeds` shuffles each: the measures per run and their summary."""
    ood_base = None if ood is None else np.array([ModelRule(cmap).decide(Scores(tuple(p))).reason
                                                  for p in ood.probs])
    categories = [c.id for c in cmap.categories]
    runs = []
    for name, extra in extras.items():
        target = extra.truth[0]
        wrong = next(c for c in categories if c != target)
        for seed in range(seeds):
            args = (dataset, extra, seed)
            learned = stream(*args, learn=True, cmap=cmap, teach=teach, config=config, ood=ood)
            learned["ood_base"] = ood_base
            plain = stream(*args, learn=False, cmap=cmap, teach=teach, config=config)
            spread = stream(*args, learn=True, cmap=cmap, teach=teach, wrong=wrong, config=config)
            runs.append({"folder": name, "category": target, "wrong": wrong, "seed": seed,
                         **measures(learned, plain, spread, categories)})
    return {"config": config.__dict__, "runs": runs, "summary": summary(runs)}


def folder_photos(folder: Path, limit: int) -> list[Path]:
    found = data.image_files(folder) if folder.is_dir() else []
    if not found:
        raise data.DataError(f"--replay-folder {folder}: no photos there")
    return found[: limit or None]


def run(model_dir: Path, root: Path, folders: list[tuple[Path, str]], seeds: int, limit: int = 0,
        ood_folders: list[Path] = ()) -> dict:
    """`evaluate --replay`: embed the dataset's test photos, each relabelled folder and the out-of-scope photos
    with the exported graph (tfjs wasm, as the browser), then replay."""
    meta = head_metadata(model_dir)
    spec, cmap = PreprocessSpec.from_metadata(meta), ClassMap.from_metadata(meta)
    teach = TeachConfig.from_metadata(meta)
    known = {c.id for c in cmap.categories}
    for folder, category in folders:
        if category not in known:
            raise data.DataError(f"--replay-folder {folder}={category}: the model's categories are "
                                 f"{', '.join(sorted(known))}")
    test = root / "test" if (root / "test").is_dir() else root
    paths, labels = labelled(test, cmap.ids, limit)
    probs, emb = outputs(model_dir, paths, spec)
    dataset = Embedded(probs, unit(emb), [cmap.ids[int(k)] for k in labels])
    extras = {}
    for folder, category in folders:
        photos = folder_photos(folder, limit)
        p, e = outputs(model_dir, photos, spec)
        extras[folder.name] = Embedded(p, unit(e), [category] * len(photos))
    ood = None
    if ood_folders:
        photos = [p for folder in ood_folders for p in folder_photos(folder, limit)]
        p, e = outputs(model_dir, photos, spec)
        ood = Embedded(p, unit(e), [REVIEW] * len(photos))
    print(f"replaying {len(paths)} photos of {test} with {len(folders)} relabelled folders, {seeds} seeds each"
          + (f"; {len(ood.truth)} out-of-scope photos" if ood else ""))
    result = {"model": str(model_dir), "data": str(test), **replay(dataset, extras, cmap, teach, seeds, ood=ood)}
    for key, value in result["summary"].items():
        print(f"  {key:<44} {value['mean']:.4f} ± {value['sd']:.4f}")
    return result
