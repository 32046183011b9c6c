"""The app's pure modules under plain CPython: spec, class mapping, intake checks, queue, export."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import pytest

from app import intake, report
from app.mapping import REVIEW, ClassInfo, ClassMap, MappingError, display_name
from app.queue import DONE, ERROR, QUEUED, WORKING, PhotoInfo, PhotoQueue, QueueError
from app.spec import PreprocessSpec, SpecError

ROOT = Path(__file__).resolve().parent.parent
META = {
    "input": {"size": 112, "resize": "squash", "mean": [127.5] * 3, "std": [127.5] * 3},
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
                                 {"input": {"size": 112, "resize": "letterbox"}},
                                 {"input": {"size": 112, "std": [0, 1, 1]}}])
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
    bad = q.add("x.txt", 5, "text/plain")
    assert bad.status == ERROR and q.take() == []
    q.model_ready([c.id for c in cmap.categories])
    assert [i.name for i in q.take()] == ["a.jpg", "b.jpg"] and q.take() == []
    q.finish(a.id, cmap.decide([0.9, 0.05, 0.03, 0.02]), [0.1, 0.2])
    assert a.status == DONE and a.category == "food_and_drinks" and a.embedding == [0.1, 0.2]
    assert [i.name for i in q.take()] == ["c.jpg"]
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
    q.add("notes.txt", 3, "text/plain")
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


def test_pyscript_config_is_local_and_maps_every_app_module():
    config = tomllib.loads((ROOT / "pyscript.toml").read_text())
    assert config["interpreter"] == "./pyodide/pyodide.mjs"
    modules = {f"./{p.relative_to(ROOT).as_posix()}" for p in (ROOT / "app").rglob("*.py") if p.name != "main.py"}
    assert set(config["files"]) == modules


def test_app_modules_do_not_import_js():  # the DOM layer is main.py and app/page/
    for path in (ROOT / "app").glob("*.py"):
        if path.name != "main.py":
            imports = [ln.split()[1] for ln in path.read_text().splitlines() if ln.startswith(("import ", "from "))]
            assert not [m for m in imports if m.split(".")[0] in ("js", "pyodide")], path
