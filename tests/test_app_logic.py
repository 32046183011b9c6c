"""The app's pure modules under plain CPython: spec, class mapping, intake checks, queue, export."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import pytest

from app.logic import intake, report
from app.logic.mapping import REVIEW, ClassInfo, ClassMap, MappingError, display_name
from app.logic.queue import DONE, ERROR, QUEUED, WORKING, PhotoInfo, PhotoQueue, QueueError
from app.logic.spec import PreprocessSpec, SpecError

ROOT = Path(__file__).resolve().parent.parent
META = {
    "input": {"size": 112, "resize": "squash"},
    "classes": [{"id": "food_and_drinks", "name": "Food & Drinks"}, {"id": "menu"}, {"id": "vibes"},
                {"id": "other", "in_scope": False}],
    "threshold": 0.7,
}


@pytest.fixture
def cmap() -> ClassMap:
    return ClassMap.from_metadata(META)


def test_spec_from_metadata_round_trips():
    spec = PreprocessSpec.from_metadata(META)
    assert spec.size == 112 and spec.resize == "squash"
    assert PreprocessSpec.from_metadata({"input": spec.to_dict()}) == spec


@pytest.mark.parametrize("bad", [{}, {"input": {}}, {"input": {"size": 8}},
                                 {"input": {"size": 112, "resize": "letterbox"}}])
def test_spec_rejects_bad_metadata(bad):
    with pytest.raises(SpecError):
        PreprocessSpec.from_metadata(bad)


def test_display_names():
    assert display_name("food_and_drinks") == "Food & Drinks"
    assert display_name("good-part") == "Good Part"


def test_mapping_files_confident_photos(cmap):
    d = cmap.decide([0.05, 0.9, 0.03, 0.02])
    assert d.category == "menu" and d.reason == "" and d.prob == pytest.approx(0.9)
    assert [cid for cid, _ in d.top] == ["menu", "food_and_drinks", "vibes"]


def test_mapping_sends_unsure_and_out_of_scope_to_review(cmap):
    assert cmap.decide([0.5, 0.3, 0.1, 0.1]).reason == "unsure"
    d = cmap.decide([0.05, 0.05, 0.1, 0.8])
    assert d.category == REVIEW and d.reason == "out_of_scope"
    assert cmap.decide([0.7, 0.1, 0.1, 0.1]).category == "food_and_drinks"  # threshold is inclusive


def test_mapping_threshold_and_errors(cmap):
    assert ClassMap.from_metadata(META, threshold=0.4).decide([0.5, 0.3, 0.1, 0.1]).category == "food_and_drinks"
    with pytest.raises(MappingError):
        cmap.decide([0.5, 0.5])
    with pytest.raises(MappingError):
        ClassMap.from_metadata({"classes": []})
    with pytest.raises(MappingError):
        ClassMap((ClassInfo("other", "Other", False),))
    assert cmap.name(REVIEW) == "Needs review"


@pytest.mark.parametrize("name,size,mime,fragment", [
    ("a.jpg", 0, "image/jpeg", "empty"),
    ("a.txt", 10, "text/plain", "Not an image"),
    ("a", 10, "", "Not an image"),
    ("big.jpg", 200 * 1024 * 1024, "image/jpeg", "too large"),
])
def test_intake_rejects_with_a_clear_message(name, size, mime, fragment):
    assert fragment in intake.check(name, size, mime)


def test_intake_accepts_images_and_explains_decode_failures():
    assert intake.check("a.jpg", 10, "image/jpeg") is None
    assert intake.check("a.HEIF", 10, "") is None  # judged by its bytes next (tests/test_imagesize.py)
    assert intake.check("a.webp", 10, "") is None
    assert "corrupt" in intake.worker_failure("decode", "x", "a.jpg", "image/jpeg")
    assert "HEIC" in intake.worker_failure("decode", "x", "a.heic", "")
    assert "stopped the image worker twice" in intake.worker_failure("worker_died", "x")


def test_queue_waits_for_the_model_then_processes_in_order(cmap):
    q = PhotoQueue(max_in_flight=2)
    a, b, c = (q.add(n, 10, "image/jpeg") for n in ("a.jpg", "b.jpg", "c.jpg"))
    assert q.take() == []  # the model is not ready
    q.model_ready([c.id for c in cmap.categories])
    assert [i.name for i in q.take()] == ["a.jpg", "b.jpg"] and q.take() == []
    q.finish(a.id, cmap.decide([0.9, 0.05, 0.03, 0.02]))
    assert a.status == DONE and a.category == "food_and_drinks"
    assert [i.name for i in q.take()] == ["c.jpg"]
    bad = q.add("x.txt", 5, "text/plain")  # what a file is, the classify path says (app/api.py); then:
    q.fail(bad.id, intake.check(bad.name, bad.size, bad.mime))
    q.fail(b.id, "boom")
    assert (b.status, b.error, c.status) == (ERROR, "boom", WORKING)
    assert q.pending() == 1
    counts = q.counts()
    assert counts["food_and_drinks"] == 1 and counts[ERROR] == 2 and counts["pending"] == 1


def test_queue_override(cmap):
    q = PhotoQueue([c.id for c in cmap.categories])
    item = q.add("a.jpg", 10, "image/jpeg")
    with pytest.raises(QueueError):
        q.set_override(item.id, "menu")  # no result yet
    q.take()
    q.finish(item.id, cmap.decide([0.4, 0.3, 0.2, 0.1]))
    assert item.category == REVIEW
    q.set_override(item.id, "vibes")
    assert item.category == "vibes" and item.override == "vibes" and q.counts()["vibes"] == 1
    q.set_override(item.id, REVIEW)  # back to the model's own choice
    assert item.override is None
    with pytest.raises(QueueError):
        q.set_override(item.id, "other")  # not a category
    with pytest.raises(QueueError):
        q.set_override(99, "menu")


def test_queue_items_start_queued(cmap):
    assert PhotoQueue([c.id for c in cmap.categories]).add("a.png", 10, "image/png").status == QUEUED


def test_export_json_and_csv(cmap):
    q = PhotoQueue([c.id for c in cmap.categories])
    a = q.add("café, 1.jpg", 10, "image/jpeg")
    notes = q.add("notes.txt", 3, "text/plain")
    q.fail(notes.id, intake.check(notes.name, notes.size, notes.mime))
    q.take()
    q.finish(a.id, cmap.decide([0.1, 0.8, 0.05, 0.05]))
    q.set_override(a.id, "vibes")
    items = list(q.items.values())
    data = json.loads(report.to_json(items, cmap))["photos"]
    assert data[0]["file"] == "café, 1.jpg" and data[0]["category"] == "vibes" and data[0]["overridden"]
    assert data[0]["model_category"] == "menu" and len(data[0]["top3"]) == 3
    assert data[1]["status"] == "error" and "Not an image" in data[1]["error"]
    rows = list(csv.DictReader(io.StringIO(report.to_csv(items, cmap))))
    assert rows[0]["file"] == "café, 1.jpg" and rows[0]["top1"] == "menu" and rows[0]["overridden"] == "yes"
    assert rows[1]["category"] == "" and rows[1]["error"]
    assert tuple(rows[0]) == report.CSV_FIELDS


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","x").jpg', "+1.jpg", "-2.jpg", "@SUM(A1).jpg",
                                  "\tTAB.jpg", "\rCR.jpg"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cmap, name):
    q = PhotoQueue([c.id for c in cmap.categories])
    item = q.add(name, 10, "image/jpeg")
    q.take()
    q.finish(item.id, cmap.decide([0.1, 0.8, 0.05, 0.05]), photo=PhotoInfo("ab" * 32, 640, 480, "2026-11-23T10:00Z"))
    row = next(csv.DictReader(io.StringIO(report.to_csv(list(q.items.values()), cmap, "m1"))))
    assert row["file"] == "'" + name  # shown as text, never run
    assert (row["id"], row["width"], row["height"], row["model_id"], row["threshold"]) == ("ab" * 8, "640", "480",
                                                                                             "m1", "0.7")
    assert json.loads(report.to_json(list(q.items.values()), cmap))["photos"][0]["file"] == name  # JSON keeps it


def test_pyscript_config_is_local_and_brings_every_app_module():
    import io
    import zipfile

    from tools.site import PYTHON_ZIP, python_zip

    config = tomllib.loads((ROOT / "pyscript.toml").read_text())
    assert config["interpreter"] == "./pyodide/pyodide.mjs"
    assert config["files"] == {f"./{PYTHON_ZIP}": "./*"}
    archive = zipfile.ZipFile(io.BytesIO(python_zip(ROOT)))
    assert set(archive.namelist()) == {p.relative_to(ROOT).as_posix() for p in (ROOT / "app").rglob("*.py")}
    assert python_zip(ROOT) == python_zip(ROOT)  # same sources, same bytes: no spurious update


def test_python_and_the_worker_agree_on_the_facts_they_share():
    """Facts written on both sides of the page/worker line: the model format (app/logic/spec.py, worker.js) and
    the resize modes the worker implements."""
    from app.logic.spec import MODEL_FORMAT, RESIZE_MODES

    worker = (ROOT / "worker" / "worker.js").read_text()
    assert f"const FORMAT = '{MODEL_FORMAT}';" in worker
    assert "const RESIZE_MODES = [" + ", ".join(f"'{m}'" for m in RESIZE_MODES) + "];" in worker
    assert json.loads((ROOT / "model" / "cafe" / "metadata.json").read_text())["format"] == MODEL_FORMAT


def test_the_rules_in_app_logic_import_no_js():
    """app/logic/ as a whole is pure: no js, pyodide or pyscript, and nothing of app/ outside it (the DOM layer
    is app/main.py, app/api.py and app/page/)."""
    import ast

    paths = sorted((ROOT / "app" / "logic").rglob("*.py"))
    assert len(paths) >= 10
    for path in paths:
        tree = ast.parse(path.read_text())
        imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in imported if m.split(".")[0] in ("js", "pyodide", "pyscript")], path
        assert all(m == "app.logic" or m.startswith("app.logic.") for m in imported if m.startswith("app")), path


def test_results_have_the_documented_javascript_shape():
    from app.logic.mapping import ClassMap
    from app.logic.queue import PhotoInfo
    from app.logic.result import ModelInfo, Result

    meta = {"classes": [{"id": "food_and_drinks"}, {"id": "menu"}, {"id": "other", "in_scope": False}],
            "threshold": 0.7, "input": {"size": 144, "resize": "crop"}, "model_id": "m1"}
    info = ModelInfo.from_metadata(meta)
    decision = ClassMap.from_metadata(meta).decide([0.2, 0.3, 0.5])
    result = Result(decision, PhotoInfo("ab" * 32, 640, 480, "2026-01-01T00:00:00Z"))
    assert result.public(info.rule, info.model_id) == {
        "category": "review", "categoryName": "Needs review", "prob": 0.5, "reason": "out_of_scope",
        "top": [{"id": "other", "name": "Other", "prob": 0.5}, {"id": "menu", "name": "Menu", "prob": 0.3},
                {"id": "food_and_drinks", "name": "Food & Drinks", "prob": 0.2}],
        "id": "ab" * 8, "width": 640, "height": 480, "modelId": "m1"}
    assert info.public()["categories"] == [{"id": "food_and_drinks", "name": "Food & Drinks"},
                                           {"id": "menu", "name": "Menu"}]


def test_a_taught_rule_names_its_labels_and_decides_on_the_label_scores():
    from app.logic.queue import PhotoInfo
    from app.logic.result import Result
    from app.logic.rules import Scores, TaughtRule
    from app.logic.teach import TeachConfig, TeachSet

    taught = TeachSet(TeachConfig(known_a=10.0, known_b=-4.0))
    rule = TaughtRule(taught, "parts")
    assert rule.examples == {"set": "parts", "labels": True}
    assert rule.decide(Scores(probs=(0.9, 0.1))).reason == "no_examples"
    taught.add_label("good part")
    taught.add_example("e1", "good part")
    frame = PhotoInfo("", 640, 480, "2026-01-01T00:00:00Z")  # a camera frame has no content hash
    got = Result(rule.decide(Scores(labels=(("good part", 0.0, 0.9),))), frame).public(rule, "m1")
    assert (got["category"], got["categoryName"], got["id"], got["reason"]) == ("good part", "good part", None, None)
    far = Result(rule.decide(Scores(labels=(("good part", 0.0, 0.1),))), frame).public(rule, "m1")
    assert (far["category"], far["categoryName"], far["reason"]) == ("review", "Needs review", "unknown")


@pytest.mark.parametrize("side,quality,ok", [(1600, 0.85, True), (1600.0, 1, True), (0, 0.8, False),
                                             (99999, 0.8, False), (12.5, 0.8, False), ("1600", 0.8, False),
                                             (True, 0.8, False), (1600, 0, False), (1600, 1.5, False)])
def test_resize_options_are_checked(side, quality, ok):
    from app.logic.result import ApiError, check_resize

    if ok:
        assert check_resize(side, quality) == (int(side), float(quality))
    else:
        with pytest.raises(ApiError) as err:
            check_resize(side, quality)
        assert err.value.code == "bad_request"


def test_the_example_endpoint_reads_a_multipart_form():
    from PIL import Image

    from tools.serve import describe_upload

    buf = io.BytesIO()
    Image.new("RGB", (48, 32)).save(buf, "JPEG")
    jpeg = buf.getvalue()
    body = (b"--XX\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nCaf\xc3\xa9\r\n"
            b"--XX\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n"
            b"Content-Type: image/jpeg\r\n\r\n" + jpeg + b"\r\n"
            b"--XX\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nmenu\r\n--XX--\r\n")
    got = describe_upload("multipart/form-data; boundary=XX", body)
    assert got["name"] == "Café"
    assert got["photos"] == [{"filename": "a.jpg", "type": "image/jpeg", "bytes": len(jpeg), "format": "jpeg",
                              "width": 48, "height": 32, "exif": False, "category": "menu"}]
    assert got["fields"] == {"name": ["Café"], "category": ["menu"]}


THREE = ClassMap((ClassInfo("food_and_drinks", "Food & Drinks"), ClassInfo("menu", "Menu"),
                   ClassInfo("other", "Other", in_scope=False)))


def finished(q: PhotoQueue, name: str, digest: str, probs: list[float]):
    item = q.add(name, 10, "image/jpeg")
    q.take()
    return q.finish(item.id, THREE.decide(probs), PhotoInfo(digest, 4, 3, "2026-11-24T00:00:00Z"))


def test_the_same_photo_twice_is_counted_and_exported_once_and_remove_promotes_the_copy():
    q = PhotoQueue()
    q.model_ready(["food_and_drinks", "menu"])
    first = finished(q, "a.jpg", "d1", [0.9, 0.05, 0.05])
    q.set_override(first.id, "menu")
    copy = finished(q, "copy.jpg", "d1", [0.9, 0.05, 0.05])
    assert copy.duplicate_of == first.id and copy.category == "menu"  # it takes the first's override
    assert q.counts()["menu"] == 1 and q.counts()["food_and_drinks"] == 0
    assert [r["file"] for r in report.rows(list(q.items.values()), THREE)] == ["a.jpg"]
    assert q.remove(first.id) is copy and copy.duplicate_of is None
    assert q.counts()["menu"] == 1


def test_retry_requeues_only_a_failed_photo():
    q = PhotoQueue()
    q.model_ready(["food_and_drinks", "menu"])
    item = q.add("a.jpg", 10, "image/jpeg")
    q.take()
    q.fail(item.id, "a hiccup")
    assert q.retry(item.id).status == QUEUED and item.error == ""
    with pytest.raises(QueueError):
        q.retry(item.id)


def test_a_kept_result_comes_back_the_same_and_another_models_does_not():
    from app.logic import saved

    q = PhotoQueue()
    q.model_ready(["food_and_drinks", "menu"])
    item = finished(q, "a.jpg", "d1", [0.2, 0.75, 0.05])
    q.set_override(item.id, "review")
    record = json.loads(json.dumps(saved.to_record(item, "model-1", 5.0)))  # as IndexedDB gives it back
    fresh = PhotoQueue()
    fresh.model_ready(["food_and_drinks", "menu"])
    back = saved.restore(fresh, record, "model-1")
    assert (back.status, back.name, back.category, back.override, back.decision, back.photo) == \
        (DONE, "a.jpg", "review", "review", item.decision, item.photo)
    assert saved.restore(fresh, record, "model-2") is None
    assert saved.restore(fresh, {**record, "override": "vibes"}, "model-1") is None  # not this model's category
    assert saved.restore(fresh, {"format": 1, "model": "model-1"}, "model-1") is None


def test_another_models_result_is_told_apart_and_says_what_that_model_said_in_its_names():
    from app.logic import saved

    q = PhotoQueue()
    q.model_ready(["food_and_drinks", "menu"])
    item = finished(q, "a.jpg", "d1", [0.85, 0.1, 0.05])
    names = {"food_and_drinks": "Food & Drinks", "menu": "Menu", "other": "Other"}
    record = json.loads(json.dumps(saved.to_record(item, "lite0-aaaa", 5.0, names.get)))
    assert saved.by_other_model(record, "lite0-bbbb") and not saved.by_other_model(record, "lite0-aaaa")
    assert not saved.by_other_model({"format": 1, "model": "x"}, "y")  # not a readable result
    assert saved.said_by_other(record) == "Food & Drinks 85% (model lite0-aaaa)"
    q.set_override(item.id, "menu")
    moved = json.loads(json.dumps(saved.to_record(item, "lite0-aaaa", 5.0, names.get)))
    assert saved.said_by_other(moved) == "Food & Drinks 85%, moved by you to Menu (model lite0-aaaa)"
    old = {k: v for k, v in record.items() if k != "names"}  # kept before records named their categories
    assert saved.said_by_other(old | {"category": "review"}) == "Needs review (Food & Drinks 85%) (model lite0-aaaa)"


def test_download_sorted_names_folders_and_files_safely_and_uniquely():
    from app.logic import archive

    assert archive.safe('Food & Drinks', "category") == "Food & Drinks"
    assert archive.safe("a/b\\c:d*e?f\"g<h>i|j\x00k", "photo") == "a_b_c_d_e_f_g_h_i_j_k"
    assert archive.safe("..", "photo") == "photo" and archive.safe("CON.jpg", "photo") == "photo_CON.jpg"
    long = archive.safe("x" * 300 + ".jpeg", "photo")
    assert len(long) == archive.MAX_NAME and long.endswith(".jpeg")
    taken: set[str] = set()
    assert [archive.unique(n, taken) for n in ("a.jpg", "A.JPG", "a.jpg", "b", "b")] == \
        ["a.jpg", "A (2).JPG", "a (3).jpg", "b", "b (2)"]

    q = PhotoQueue()
    q.model_ready(["food_and_drinks", "menu"])
    finished(q, "x.jpg", "d1", [0.9, 0.05, 0.05])
    menu = finished(q, "x.jpg", "d2", [0.05, 0.9, 0.05])
    twin = finished(q, "x.jpg", "d3", [0.9, 0.05, 0.05])
    copy = finished(q, "copy.jpg", "d1", [0.9, 0.05, 0.05])  # the same photo again: in the zip once
    broken = q.add("notes.jpg", 3, "image/jpeg")
    q.take()
    q.fail(broken.id, "Not an image")
    waiting = q.add("later.jpg", 3, "image/jpeg")
    gone = finished(q, "old.jpg", "d4", [0.05, 0.9, 0.05])
    plan = archive.plan(list(q.items.values()), lambda i: i != gone.id, THREE.name)
    assert [e.path for e in plan.entries] == ["Food & Drinks/x.jpg", "Menu/x.jpg", "Food & Drinks/x (2).jpg",
                                              "Not sorted/notes.jpg"]
    assert copy.id not in {e.item_id for e in plan.entries}
    assert plan.left_out == {waiting.id: "still being sorted",
                             gone.id: "the page no longer has this photo (added before a reload)"}
    fields = archive.index_fields(plan)
    assert fields(menu) == {"path": "Menu/x.jpg", "not_included": None}
    rows = list(csv.DictReader(io.StringIO(report.to_csv(list(q.items.values()), THREE, "m", None, fields,
                                                         archive.INDEX_FIELDS))))
    assert [r["path"] for r in rows] == ["Food & Drinks/x.jpg", "Menu/x.jpg", "Food & Drinks/x (2).jpg",
                                         "Not sorted/notes.jpg", "", ""]
    assert archive.summary(plan) == ("Downloaded 4 photos in 3 folders; 2 not included (still being sorted; the "
                                     "page no longer has this photo (added before a reload)): index.csv lists them.")
    assert twin.id in {e.item_id for e in plan.entries}


def test_download_sorted_splits_the_photos_into_zips_of_at_most_the_limit_in_order():
    from app.logic import archive

    entries = [archive.Entry(i, f"Menu/{i}.jpg") for i in range(6)]
    sizes = {0: 400, 1: 500, 2: 200, 3: 1500, 4: 100, 5: 900}
    zips = archive.parts(entries, sizes.__getitem__, limit=1000)
    assert [[e.item_id for e in z] for z in zips] == [[0, 1], [2], [3], [4, 5]]  # 3 is over the limit: alone
    assert archive.parts([], sizes.__getitem__) == [[]]  # no photo: one zip (the index)
    assert archive.zip_names(1) == ["snaptag-sorted.zip"]
    assert archive.zip_names(3) == ["snaptag-sorted-1-of-3.zip", "snaptag-sorted-2-of-3.zip",
                                    "snaptag-sorted-3-of-3.zip"]
    plan = archive.Plan(entries, {})
    assert archive.summary(plan, 4) == "Downloaded 6 photos in 1 folder, as 4 zips (extract them into one folder)."


def test_a_taught_models_metadata_and_its_decision():
    from app.logic import taught_model
    from app.logic.result import ModelInfo
    from app.logic.rules import Scores
    from app.logic.teach import TeachError

    shipped = json.loads((ROOT / "model" / "cafe" / "metadata.json").read_text())
    meta = taught_model.metadata(shipped, "parts", [("good part", 3), ("empty", 0), ("defect", 2)], "T")
    assert [c["id"] for c in meta["classes"]] == ["good part", "defect"]  # a label without examples is left out
    assert meta["model_id"] != shipped["model_id"] == meta["embedding_id"] and "metrics" not in meta
    assert taught_model.expected_bytes(meta) == 5 * shipped["outputs"]["embedding"] * 4
    info = ModelInfo.from_metadata(meta)
    assert (info.title, info.embedding_id, info.cmap.threshold) == ("Model: parts", shipped["model_id"], 0.5)
    decided = info.rule.decide(Scores(labels=(("good part", 0.4, 0.8), ("defect", 0.1, 0.7))))
    assert decided.category == "good part" and decided.prob > 0.8
    unlike = info.rule.decide(Scores(labels=(("good part", 0.4, 0.0), ("defect", 0.1, 0.0))))
    assert (unlike.category, unlike.reason) == (REVIEW, "unknown")
    plain = ModelInfo.from_metadata(shipped)  # a trained head: its probabilities decide, as before
    assert plain.taught is None and plain.title == "Café categories" and plain.embedding_id == shipped["model_id"]
    with pytest.raises(TeachError, match="Teach at least one label"):
        taught_model.metadata(shipped, "parts", [("empty", 0)], "T")
    with pytest.raises(TeachError):
        taught_model.metadata(shipped, "parts", [("a/b", 1)], "T")  # a label that can't be a folder name
    with pytest.raises(MappingError, match="float32 in examples.bin"):  # what the build ships and the worker reads
        ModelInfo.from_metadata({**meta, "taught": {**meta["taught"], "file": "../elsewhere.bin"}})
    with pytest.raises(MappingError, match="classes must be its labels"):
        ModelInfo.from_metadata({**meta, "classes": meta["classes"][:1]})
