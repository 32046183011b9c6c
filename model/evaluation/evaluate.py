"""`build.py evaluate`: score the exported model the way the browser runs it (the tfjs graph in the WASM runtime,
the model's preprocessing spec, the app's class-mapping rule; photos decoded and resized by Pillow, where the
browser's canvas smooths its own way), write a JSON report and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from app.logic.mapping import ClassMap
from app.logic.spec import PreprocessSpec
from app.logic.teach import TeachConfig
from model.dataset import data
from model.evaluation import fewshot, ood_study, plots
from model.evaluation.metrics import in_scope_report, ood_report, threshold_sweep
from model.packaging.export import run_tfjs
from model.training.config import HASH_CHARS, TRAINED_ON

CHUNK = 256


def load_metadata(model_dir: Path) -> dict:
    meta_path = model_dir / "metadata.json"
    if not meta_path.is_file():
        raise data.DataError(f"no exported model in {model_dir} (metadata.json missing)")
    return json.loads(meta_path.read_text())


def head_metadata(model_dir: Path) -> dict:
    """A model scored by its trained head (evaluate, --replay); a taught model is refused with what to use."""
    meta = load_metadata(model_dir)
    if meta.get("taught") is not None:
        raise data.DataError(f"{model_dir} is a taught model (teach mode's Export model): it decides by its "
                             "examples, not a trained head; measure that decision with `python build.py fewshot`")
    return meta


def outputs(model_dir: Path, paths: list[Path], spec: PreprocessSpec) -> tuple[np.ndarray, np.ndarray]:
    """(probs, embeddings) of the exported graph in tfjs wasm, for these files."""
    probs, emb = [], []
    for i in range(0, len(paths), CHUNK):
        got = run_tfjs(model_dir, data.reference_input(paths[i : i + CHUNK], spec))["outputs"]
        probs.append(np.asarray(got["probs"], dtype=np.float64))
        emb.append(np.asarray(got["embedding"], dtype=np.float64))
    return np.concatenate(probs), np.concatenate(emb)


def trained_on(model_dir: Path, paths: list[Path]) -> int | None:
    """How many of `paths` the model was trained on (its train/ and val/, listed in TRAINED_ON by `train`),
    warned about; None for a model without the list."""
    listed = model_dir / TRAINED_ON
    if not listed.is_file():
        return None
    known = set(listed.read_text().split())
    seen = sum(data.content_hash(p)[:HASH_CHARS] in known for p in paths)
    if seen:
        print(f"warning: {seen} of {len(paths)} photos are ones this model was trained on (its train/ or val/): "
              "the numbers below overstate how it sorts photos it has not seen; evaluate on a test/ split or "
              "new photos", flush=True)
    return seen


def labelled(root: Path, classes: list[str], limit: int) -> tuple[list[Path], np.ndarray]:
    """The photos of root/<class>/ (those that can't be read left out, with a warning) and their labels."""
    split = data.skip_unreadable({"": data.class_folder(root, classes).first(limit)}, root)[""]
    if not len(split):
        raise data.DataError(f"{root}: no photo that can be read")
    return split.paths, split.labels


def ood_images(folders: list[Path], limit: int = 0) -> list[Path]:
    paths = []
    for folder in folders:
        if not folder.is_dir():
            raise data.DataError(f"--ood {folder} is not a folder")
        found = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in data.IMAGE_SUFFIXES)
        paths += found[:limit] if limit else found
    paths = data.readable(paths)
    if not paths:
        raise data.DataError(f"no images under {', '.join(map(str, folders))}")
    return paths


def evaluate(model_dir: Path, data_dir: Path, ood: list[Path], out: Path, limit: int = 0,
             ood_study: bool = False, fewshot_dir: Path | None = None) -> dict:
    meta = head_metadata(model_dir)
    spec, cmap = PreprocessSpec.from_metadata(meta), ClassMap.from_metadata(meta)
    root = data_dir / "test" if (data_dir / "test").is_dir() else data_dir
    paths, labels = labelled(root, cmap.ids, limit)
    print(f"evaluating {model_dir} on {len(paths)} photos from {root}")
    seen = trained_on(model_dir, paths)
    probs, emb = outputs(model_dir, paths, spec)
    report = {"model": str(model_dir), "data": str(root), **in_scope_report(probs, labels, cmap)}
    if seen is not None:
        report["trained_on"] = seen
    ood_out = None
    if ood:
        ood_paths = ood_images(ood, limit)
        print(f"out-of-scope check on {len(ood_paths)} photos")
        ood_out = outputs(model_dir, ood_paths, spec)
        report["ood"] = ood_report(ood_out[0], cmap)
        report["ood_review_rate"] = report["ood"]["ood_review_rate"]
        if ood_study:
            report["ood_study"] = run_study(model_dir, data_dir, spec, cmap, (probs, emb, labels), ood_out, limit)
    if fewshot_dir is not None:
        report["fewshot"] = run_fewshot(model_dir, fewshot_dir, spec, limit, meta, strangers=emb)
    report["threshold_sweep"] = threshold_sweep(probs, labels, cmap, None if ood_out is None else ood_out[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    plots.confusion(report["confusion"], out.parent / "confusion.png")
    plots.reliability_diagram(report["reliability"], report["ece"], out.parent / "reliability.png")
    print(f"top-1 {report['top1']:.4f}  review {report['review_rate']:.3f}  ECE {report['ece']:.3f}"
          + (f"  out-of-scope to review {report['ood_review_rate']:.3f}" if ood else "") + f"  -> {out}")
    return report


def run_study(model_dir: Path, data_dir: Path, spec: PreprocessSpec, cmap: ClassMap, test: tuple, ood: tuple,
              limit: int) -> dict:
    if not all((data_dir / s).is_dir() for s in ("train", "val")):
        raise data.DataError("--ood-study needs a dataset root with train/ and val/ (for centroids and thresholds)")
    splits = {}
    for name in ("train", "val"):
        paths, labels = labelled(data_dir / name, cmap.ids, limit)
        splits[name] = (*outputs(model_dir, paths, spec), labels)
    in_scope = np.array([c.in_scope for c in cmap.classes])
    result = ood_study.study(splits["train"], splits["val"], test, ood, in_scope)
    for name, r in result["rules"].items():
        print(f"  {name:<13} in-scope review {r['in_scope_review_rate']:.3f}  out-of-scope review "
              f"{r['ood_review_rate']:.3f}  AUROC {r['auroc']:.3f}")
    return result


def run_fewshot(model_dir: Path, root: Path, spec: PreprocessSpec, limit: int, meta: dict,
                shots: tuple[int, ...] = fewshot.SHOTS, repeats: int = 20, strangers: np.ndarray | None = None) -> dict:
    """Teach mode's task on root/{train,test}/<class>/ (classes the model never saw), embedded by the exported
    graph in tfjs wasm (photos resized by Pillow); scored by nearest centroid and by app/logic/teach.py.
    `strangers`: embeddings of photos of none of those classes (how many teach mode calls unknown)."""
    if not all((root / s).is_dir() for s in ("train", "test")):
        raise data.DataError(f"{root} needs train/<class>/ and test/<class>/ folders")
    classes = data.class_folder(root / "train").classes
    embedded = {}
    for name in ("train", "test"):
        paths, labels = labelled(root / name, classes, limit)
        embedded[name] = (outputs(model_dir, paths, spec)[1], labels)
    result = fewshot.fewshot_report(embedded["train"], embedded["test"], TeachConfig.from_metadata(meta), shots,
                                    repeats, strangers)
    print(f"few-shot on {result['classes']} unseen classes ({result['n']} photos, chance {result['chance']:.3f}, "
          f"mean of {repeats} draws):")
    for k in result["accuracy"]:
        print(f"  {k:>2}-shot  teach mode {result['teach_accuracy'][k]:.3f} (unknown {result['teach_unknown'][k]:.3f}, "
              f"unsure {result['teach_unsure'][k]:.3f})"
              f"  nearest centroid {result['accuracy'][k]:.3f}"
              + (f"  {result['strangers']} strangers called unknown {result['strangers_unknown'][k]:.3f}"
                 if strangers is not None else ""))
    return result


def fewshot_command(model_dir: Path, root: Path, shots: tuple[int, ...], repeats: int, out: Path | None,
                    strangers: list[Path] | None = None) -> dict:
    """`build.py fewshot`: teach mode's accuracy on a train/ test/ dataset of new classes (and how many photos
    under `strangers`, of none of them, it calls unknown)."""
    meta = load_metadata(model_dir)
    spec = PreprocessSpec.from_metadata(meta)
    others = outputs(model_dir, ood_images(strangers), spec)[1] if strangers else None
    result = run_fewshot(model_dir, root, spec, 0, meta, shots, repeats, others)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"model": str(model_dir), "data": str(root), **result}, indent=1) + "\n")
    return result
