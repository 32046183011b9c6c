"""Teach mode's pure modules under CPython: labels and examples, the k-NN decision (checked against
scikit-learn), the unknown rule, the export file and the dataset zip."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from app.logic import teach_io
from app.logic.mapping import REVIEW
from app.logic.teach import TeachConfig, TeachError, TeachSet, check_label
from model.dataset import data
from tests.conftest import CAFE, ROOT


def clusters(rng: np.random.Generator, labels: int, per_label: int, dim: int = 1280, spread: float = 1.0):
    centres = rng.normal(size=(labels, dim))
    y = np.repeat(np.arange(labels), per_label)
    return centres[y] + rng.normal(0, spread * np.sqrt(1.0 / dim) * 40, (len(y), dim)), y


def taught(x: np.ndarray, y: np.ndarray, cfg: TeachConfig) -> tuple[TeachSet, list[str]]:
    t = TeachSet(cfg)
    for k in sorted(set(y.tolist())):
        t.add_label(f"label{k}")
    ids = [f"ex{i}" for i in range(len(y))]
    for ex_id, k in zip(ids, y):
        t.add_example(ex_id, f"label{k}")
    return t, ids


@pytest.mark.parametrize("k,per_label", [(1, 3), (5, 5), (20, 5), (20, 10)])
def test_decisions_agree_with_scikit_learn_knn(k: int, per_label: int):
    rng = np.random.default_rng(k + per_label)
    x, y = clusters(rng, 6, per_label)
    queries, _ = clusters(rng, 6, 20)
    cfg = TeachConfig(k=k, known_a=10.0, known_b=-4.0)
    t, ids = taught(x, y, cfg)
    ours = [t.decide(zip(ids, row)).top[0][0] for row in (queries / np.linalg.norm(queries, axis=1, keepdims=True))
            @ (x / np.linalg.norm(x, axis=1, keepdims=True)).T]
    knn = KNeighborsClassifier(n_neighbors=min(k, len(y)), metric="cosine",
                               weights=lambda d: np.exp(-d / cfg.tau), algorithm="brute")
    knn.fit(x, np.array([f"label{v}" for v in y]))
    assert ours == knn.predict(queries).tolist()


def test_unknown_photos_go_to_review_and_the_winner_leads_top():
    t = TeachSet(TeachConfig(known_a=10.064, known_b=-4.1623))
    t.add_label("mugs")
    t.add_label("plates")
    for i in range(3):
        t.add_example(f"m{i}", "mugs")
        t.add_example(f"p{i}", "plates")
    near = t.decide([("m0", 0.9), ("m1", 0.8), ("m2", 0.85), ("p0", 0.3), ("p1", 0.2), ("p2", 0.25)])
    assert near.category == "mugs" and near.reason == ""
    assert [lab for lab, _ in near.top] == ["mugs", "plates"] and near.prob > 0.99 > near.top[1][1]
    far = t.decide([("m0", 0.2), ("m1", 0.1), ("m2", 0.15), ("p0", 0.1), ("p1", 0.05), ("p2", 0.0)])
    assert far.category == REVIEW and far.reason == "unknown" and far.top[0][0] == "mugs"
    assert t.decide([("gone", 0.9)]).reason == "no_examples"  # ids it does not know are skipped


def test_labels_and_examples_are_edited_one_at_a_time():
    t = TeachSet()
    t.add_label("good part")
    t.add_label("defective part")
    for i in range(1000):
        t.add_example(f"g{i}", "good part")
    t.add_example("d0", "defective part")
    assert t.remove_example("g500") == "good part" and t.count("good part") == 999
    assert t.rename_label("good part", "ok part") == "ok part" and t.count("ok part") == 999
    assert t.labels == ["ok part", "defective part"]
    assert t.delete_label("defective part") == ["d0"] and t.labels == ["ok part"]
    with pytest.raises(TeachError, match="no example"):
        t.remove_example("g500")
    with pytest.raises(TeachError, match="no label"):
        t.add_example("x", "defective part")


@pytest.mark.parametrize("name,message", [("", "needs a name"), ("  ", "needs a name"), ("a" * 41, "at most 40"),
                                          ("review", "can't be"), ("a/b", "can't be"), (".hidden", "can't be"),
                                          ("Mugs", "already a label")])
def test_bad_label_names_are_refused_with_a_reason(name: str, message: str):
    with pytest.raises(TeachError, match=message):
        check_label(name, ["mugs"])
    assert check_label("  our   mugs ") == "our mugs"


def test_the_workers_example_bank_gives_numpys_cosines_through_adds_and_removes():
    """worker/examples.js itself (the shipped code, in Node): cosines, O(1) remove that moves the last row into
    the gap, growth past its first 64 rows and a wrong-sized vector refused."""
    rng = np.random.default_rng(3)
    q, vecs = rng.normal(size=32), rng.normal(size=(100, 32))
    script = f"""
        const {{ ExampleBank }} = await import({json.dumps((ROOT / "worker" / "examples.js").as_uri())});
        const vecs = {json.dumps(vecs.tolist())};
        const bank = new ExampleBank(32);
        vecs.forEach((v, i) => bank.add(`e${{i}}`, v));
        ['e0', 'e50', 'e99', 'nope'].forEach((id) => bank.remove(id));
        const {{ ids, sims }} = bank.cosines({json.dumps(q.tolist())});
        let refused = null;
        try {{ bank.add('bad', [1, 2, 3]); }} catch (err) {{ refused = err.message; }}
        console.log(JSON.stringify({{ ids, sims: Array.from(sims), size: bank.size, refused }}));
    """
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    want = {f"e{i}": v @ q / (np.linalg.norm(v) * np.linalg.norm(q)) for i, v in enumerate(vecs)}
    assert got["size"] == 97 and sorted(got["ids"]) == sorted(set(want) - {"e0", "e50", "e99"})
    assert np.allclose(got["sims"], [want[i] for i in got["ids"]], atol=1e-5)
    assert "32-d embedding" in got["refused"]


def test_config_comes_from_the_model_metadata():
    cfg = TeachConfig.from_metadata({"teach": {"k": 7, "tau": 0.2, "known_a": 9.5, "known_b": -4.0}})
    assert (cfg.k, cfg.tau, cfg.known_a, cfg.min_known) == (7, 0.2, 9.5, 0.5)
    assert abs(cfg.known(4.0 / 9.5) - 0.5) < 1e-9
    with pytest.raises(TeachError, match="no teach-mode calibration"):  # never an old fit used silently
        TeachConfig.from_metadata({})


def photo(i: int) -> bytes:
    return sorted((CAFE / "test" / "menu").glob("*.jpg"))[i].read_bytes()


def test_export_file_round_trip_and_model_mismatch():
    examples = [teach_io.Example("a", "mugs", photo(0), (0.5, -1.0, 2.0)), teach_io.Example("b", "plates", photo(1),
                                                                                             (1.0, 0.0, 0.25))]
    text = teach_io.dump("model-1", ["mugs", "plates"], examples)
    same = teach_io.load(text, "model-1", 3)
    assert same.labels == ("mugs", "plates") and same.examples == tuple(examples) and not same.needs_embedding
    other = teach_io.load(text, "model-2", 3)
    assert [e.photo for e in other.examples] == [photo(0), photo(1)] and len(other.needs_embedding) == 2


@pytest.mark.parametrize("text,message", [
    ("not json", "not JSON"), ('{"format": "other"}', "expected format"),
    ('{"format": "snaptag-teach/1", "labels": ["a"], "examples": [{"id": "1", "label": "b", "photo": ""}]}',
     "not among the file's labels"),
    ('{"format": "snaptag-teach/1", "labels": ["a"], "examples": [{"id": "1", "label": "a", "photo": "%%"}]}',
     "damaged"),
    ('{"format": "snaptag-teach/1", "labels": ["a"], "examples": [{"id": "1", "label": "a", "photo": "AAAA"}]}',
     "no JPEG photo"),
    ('{"format": "snaptag-teach/1", "labels": ["a", "A"], "examples": []}', "already a label"),
])
def test_a_bad_export_file_is_refused_with_a_reason(text: str, message: str):
    with pytest.raises(TeachError, match=message):
        teach_io.load(text, "m", 3)


def test_dataset_zip_is_a_tree_that_train_reads(tmp_path: Path):
    examples = [("mugs", photo(i)) for i in range(6)] + [("plates", photo(i)) for i in range(6, 10)]
    with zipfile.ZipFile(io.BytesIO(teach_io.dataset_zip(examples))) as zf:
        zf.extractall(tmp_path)
    splits = data.dataset(tmp_path / "snaptag-dataset")
    assert splits["train"].classes == ["mugs", "plates"]
    assert [sum(s.counts()[k] for s in splits.values()) for k in (0, 1)] == [6, 4]
    assert all(s.counts()[k] >= 1 for s in splits.values() for k in (0, 1))
    flat = tmp_path / "flat"
    for label, jpeg in examples:  # the same photos as a flat folder split the same way
        (flat / label).mkdir(parents=True, exist_ok=True)
        (flat / label / f"{len(list((flat / label).iterdir()))}.jpg").write_bytes(jpeg)
    again = data.dataset(flat)
    assert [s.counts() for s in again.values()] == [s.counts() for s in splits.values()]
