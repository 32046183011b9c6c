"""Teach mode end to end in headless Chromium: real Pyodide, real tfjs worker, real model, IndexedDB, and real
clothing photos (../shared/data/fewshot/clothing): teach, classify, delete one, reload, export/import, the
dataset zip and the camera (Chromium's fake video device)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.logic.spec import PreprocessSpec
from app.logic.teach import TeachConfig, TeachSet
from model.dataset import data
from model.evaluation.evaluate import outputs
from model.evaluation.fewshot import label_scores, taught_rows
from tests.conftest import DATA, ROOT
from tools.browser import add_examples, add_label, fake_camera_args, launch, open_page, wait_ready, write_y4m

CLOTHING = DATA / "fewshot" / "clothing"
LABELS = ("shoes", "hat", "pants")
SHOTS = 5
MODEL = ROOT / "model" / "cafe"


def examples(label: str, n: int = SHOTS) -> list[Path]:
    return sorted((CLOTHING / "train" / label).glob("*.jpg"))[:n]


def held_out(per_label: int = 4) -> list[Path]:
    return [p for label in LABELS for p in sorted((CLOTHING / "test" / label).glob("*.jpg"))[:per_label]]


def labels_state(page) -> dict[str, int]:
    return page.evaluate("Object.fromEntries([...document.querySelectorAll('[data-label]')]"
                         ".map(e => [e.dataset.label, +e.dataset.examples]))")


def teach_labels(page, labels=LABELS, shots: int = SHOTS) -> None:
    page.click("#mode-teach")
    for label in labels:
        add_label(page, label)
        add_examples(page, label, examples(label, shots), timeout=60_000)


def teach_cards(page, n: int) -> dict[str, dict]:
    cards = "[...document.querySelectorAll('#teach-results [data-result]')]"
    page.wait_for_function(f"{cards}.length >= {n} && {cards}.every(e => ['done', 'error'].includes(e.dataset.status))",
                           timeout=90_000)
    return {r["name"]: r for r in page.evaluate(f"{cards}.map(e => ({{...e.dataset}}))")}


def worker_examples(page) -> int:
    return page.evaluate("window.snaptag.client.info().then(r => r.info.examples)")


def test_teach_classify_delete_one_and_reload(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    teach_labels(s.page)
    photos = held_out()
    s.page.set_input_files("#upload", [str(p) for p in photos])
    cards = teach_cards(s.page, len(photos))
    assert all(c["status"] == "done" and c["category"] in (*LABELS, "review") and c["top"] in LABELS
               for c in cards.values()), cards
    right = sum(cards[p.name]["top"] == p.parent.name for p in photos)
    assert right >= 0.6 * len(photos), f"{right} of {len(photos)} right"

    before = s.page.evaluate("window.snaptag.client.info().then(r => r.info.numTensors)")
    first = s.page.locator('[data-label="hat"] [data-example]').first
    gone = first.get_attribute("data-id")
    first.locator("[data-delete-example]").click()
    s.page.wait_for_function("document.querySelector('[data-label=\"hat\"]').dataset.examples === '4'")
    assert labels_state(s.page) == {"shoes": 5, "hat": 4, "pants": 5}
    assert worker_examples(s.page) == 14
    assert s.page.evaluate("window.snaptag.client.info().then(r => r.info.numTensors)") == before

    s.page.reload()
    wait_ready(s.page)
    assert labels_state(s.page) == {"shoes": 5, "hat": 4, "pants": 5}  # IndexedDB kept them, minus the one
    assert worker_examples(s.page) == 14
    assert s.page.locator(f'[data-example][data-id="{gone}"]').count() == 0
    s.page.click("#mode-teach")
    s.page.set_input_files("#upload", [str(photos[0])])
    again = teach_cards(s.page, 1)[photos[0].name]
    assert again["top"] in LABELS
    assert not s.errors
    s.context.close()


def test_the_page_gives_the_same_answers_as_build_py_fewshot(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    teach_labels(s.page)
    photos = held_out(6)
    s.page.set_input_files("#upload", [str(p) for p in photos])
    page_cards = teach_cards(s.page, len(photos))

    meta = json.loads((MODEL / "metadata.json").read_text())  # the CPython side: Pillow + tfjs in Node
    spec = PreprocessSpec.from_metadata(meta)
    ex_paths = [p for label in LABELS for p in examples(label)]
    ex_emb = outputs(MODEL, ex_paths, spec)[1]
    test_emb = outputs(MODEL, photos, spec)[1]
    teach = TeachSet(TeachConfig.from_metadata(meta))
    for label in LABELS:
        teach.add_label(label)
    for p in ex_paths:
        teach.add_example(p.name, p.parent.name)
    rows = taught_rows(*label_scores(ex_emb, [p.parent.name for p in ex_paths], test_emb))
    want = {p.name: teach.decide(r) for p, r in zip(photos, rows)}
    same_top = sum(page_cards[n]["top"] == d.top[0][0] for n, d in want.items())
    same_category = sum(page_cards[n]["category"] == d.category for n, d in want.items())
    assert same_top >= len(photos) - 1 and same_category >= len(photos) - 2, (same_top, same_category, len(photos))
    probs = [abs(float(page_cards[n]["prob"]) - d.prob) for n, d in want.items() if page_cards[n]["top"] == d.top[0][0]]
    assert np.median(probs) < 0.05
    s.context.close()


def test_export_import_round_trip_and_dataset_zip(browser, server, tmp_path):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    teach_labels(s.page, ("shoes", "hat"), 3)
    with s.page.expect_download() as dl:
        s.page.click("#teach-export")
    exported = tmp_path / "labels.json"
    Path(dl.value.path()).rename(exported)
    doc = json.loads(exported.read_text())
    assert doc["labels"] == ["shoes", "hat"] and len(doc["examples"]) == 6
    assert doc["model"] == json.loads((MODEL / "metadata.json").read_text())["model_id"]

    with s.page.expect_download() as dl:
        s.page.click("#teach-export-dataset")
    with zipfile.ZipFile(io.BytesIO(Path(dl.value.path()).read_bytes())) as zf:
        zf.extractall(tmp_path / "zip")
    tree = data.dataset(tmp_path / "zip" / "snaptag-dataset")
    assert tree["train"].classes == ["hat", "shoes"] and sum(len(t) for t in tree.values()) == 6
    sizes = {Image.open(p).size for p in (tmp_path / "zip").rglob("*.jpg")}  # the photos (384 x 512), not thumbs
    assert sizes == {Image.open(p).size for label in ("shoes", "hat") for p in examples(label, 3)}, sizes
    assert "thumbnails" not in s.page.inner_text("#teach-message")

    with s.page.expect_download() as dl:  # a model that sorts into these labels (tests/test_taught_model_e2e.py)
        s.page.click("#teach-export-model")
    with zipfile.ZipFile(io.BytesIO(Path(dl.value.path()).read_bytes())) as zf:
        meta = json.loads(zf.read("metadata.json"))
    assert dl.value.suggested_filename == "snaptag-model.zip"
    assert [c["id"] for c in meta["classes"]] == ["shoes", "hat"] and meta["taught"]["set"] == "My labels"
    s.page.wait_for_function("document.getElementById('teach-message').textContent.includes('build --model')")
    s.context.close()

    fresh = open_page(browser, server.url)  # a new context: an empty IndexedDB, as on another machine
    wait_ready(fresh.page)
    fresh.page.click("#mode-teach")
    assert labels_state(fresh.page) == {}
    add_label(fresh.page, "mine")  # made here before the import: it stays first, after a reload too
    fresh.page.set_input_files("#teach-import", str(exported))
    fresh.page.wait_for_function("document.querySelectorAll('[data-example]').length === 6", timeout=60_000)
    assert labels_state(fresh.page) == {"mine": 0, "shoes": 3, "hat": 3} and worker_examples(fresh.page) == 6
    fresh.page.reload()
    wait_ready(fresh.page)
    assert list(labels_state(fresh.page).items()) == [("mine", 0), ("shoes", 3), ("hat", 3)]
    assert worker_examples(fresh.page) == 6
    fresh.page.click("#mode-teach")
    with fresh.page.expect_download() as dl:  # imported examples: the page has only their thumbnails, and says so
        fresh.page.click("#teach-export-dataset")
    with zipfile.ZipFile(io.BytesIO(Path(dl.value.path()).read_bytes())) as zf:
        readme = zf.read("snaptag-dataset/README.txt").decode()
        assert max(Image.open(io.BytesIO(zf.read(n))).size[1] for n in zf.namelist() if n.endswith(".jpg")) <= 192
    assert "6 of these are only 192-px thumbnails" in readme
    fresh.page.wait_for_function("document.getElementById('teach-message').textContent.includes('6 of them only')")

    other_model = tmp_path / "other.json"  # the same file from another model: the photos are embedded again
    other_model.write_text(json.dumps({**doc, "model": "another-model", "labels": ["shoes", "hat", "socks"]}))
    fresh.page.set_input_files("#teach-import", str(other_model))
    fresh.page.wait_for_function("document.getElementById('teach-message').textContent.startsWith('Imported')",
                                 timeout=60_000)
    assert fresh.page.locator('[data-label="socks"]').count() == 1
    assert "already here" in fresh.page.inner_text("#teach-message")  # same ids: nothing added twice
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    fresh.page.set_input_files("#teach-import", str(bad))
    fresh.page.wait_for_function("document.getElementById('teach-message').dataset.kind === 'error'")
    assert "not a snaptag labels file" in fresh.page.inner_text("#teach-message")
    assert list(labels_state(fresh.page).items()) == [("mine", 0), ("shoes", 3), ("hat", 3), ("socks", 0)]
    fresh.context.close()


def test_labels_are_created_renamed_and_deleted_with_their_examples(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    teach_labels(s.page, ("shoes", "hat"), 2)
    s.page.fill("#teach-label-name", "Shoes")  # not add_label: this one is refused
    s.page.press("#teach-label-name", "Enter")
    s.page.wait_for_function("document.getElementById('teach-message').dataset.kind === 'error'")
    assert "already a label" in s.page.inner_text("#teach-message")
    s.page.fill('[data-label="hat"] [data-rename]', "caps")
    s.page.press('[data-label="hat"] [data-rename]', "Enter")
    s.page.wait_for_selector('[data-label="caps"]')
    s.page.click('[data-label="shoes"] [data-delete-label]')  # it asks first: nothing is deleted yet
    assert "2 examples? Click again" in s.page.inner_text('[data-label="shoes"] [data-delete-label]')
    assert labels_state(s.page) == {"shoes": 2, "caps": 2}
    s.page.click('[data-label="shoes"] [data-delete-label]')
    s.page.wait_for_function("document.querySelector('[data-label=\"shoes\"]') === null")
    assert labels_state(s.page) == {"caps": 2} and worker_examples(s.page) == 2
    s.page.click("#teach-undo")  # back, with its examples
    s.page.wait_for_function("document.querySelector('[data-label=\"shoes\"]')?.dataset.examples === '2'")
    assert worker_examples(s.page) == 4 and s.page.is_hidden("#teach-undo")
    s.page.click('[data-label="shoes"] [data-delete-label]')
    s.page.click('[data-label="shoes"] [data-delete-label]')
    s.page.wait_for_function("document.querySelector('[data-label=\"shoes\"]') === null")
    s.page.reload()
    wait_ready(s.page)
    assert labels_state(s.page) == {"caps": 2}
    s.context.close()


def test_teach_results_follow_their_labels_and_are_kept_with_the_mode(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    teach_labels(s.page, ("shoes", "pants"), 3)
    shoe, pants = (sorted((CLOTHING / "test" / label).glob("*.jpg"))[1] for label in ("shoes", "pants"))
    s.page.set_input_files("#upload", [str(shoe), str(pants)])
    cards = teach_cards(s.page, 2)
    assert (cards[shoe.name]["category"], cards[pants.name]["category"]) == ("shoes", "pants"), cards

    def category(name: str, want: str) -> None:  # the card follows, with no photo added again
        s.page.wait_for_function(f"""[...document.querySelectorAll('#teach-results [data-result]')]
            .find((e) => e.dataset.name === {json.dumps(name)})?.dataset.category === {json.dumps(want)}""",
                                 timeout=30_000)

    s.page.fill('[data-label="pants"] [data-rename]', "trousers")
    s.page.press('[data-label="pants"] [data-rename]', "Enter")
    category(pants.name, "trousers")
    for _ in range(2):  # Delete asks, then deletes
        s.page.click('[data-label="shoes"] [data-delete-label]')
    s.page.wait_for_function("document.querySelector('[data-label=\"shoes\"]') === null")
    s.page.wait_for_function(f"""[...document.querySelectorAll('#teach-results [data-result]')]
        .find((e) => e.dataset.name === {json.dumps(shoe.name)}).dataset.category !== 'shoes'""", timeout=30_000)
    s.page.click("#teach-undo")
    category(shoe.name, "shoes")

    s.page.reload()  # kept: the results, their labels' names, and the mode
    wait_ready(s.page)
    assert s.page.evaluate("document.documentElement.dataset.mode") == "teach"
    again = teach_cards(s.page, 2)
    assert (again[shoe.name]["category"], again[pants.name]["category"]) == ("shoes", "trousers")
    assert not s.errors
    s.context.close()


def test_a_set_taught_before_sets_had_names_is_taken_over_on_update(browser, server):
    from tools.scale import seed_labels

    s = open_page(browser, server.url + "model/metadata.json")  # the site's origin, before this version ran
    meta = json.loads((MODEL / "metadata.json").read_text())
    seed_labels(s.page, 2, 4, meta["outputs"]["embedding"], meta["model_id"], db="snaptag-teach")  # the old store
    s.page.goto(server.url)
    wait_ready(s.page)
    assert labels_state(s.page) == {"label 0": 2, "label 1": 2} and worker_examples(s.page) == 4
    names = s.page.evaluate("indexedDB.databases().then((d) => d.map((x) => x.name).sort())")
    assert "snaptag-teach" not in names and "snaptag-labels:My labels" in names
    s.context.close()


@pytest.fixture(scope="module")
def camera_browser(playwright, tmp_path_factory):
    """Chromium whose camera shows one clothing photo (a shoe), through the fake video device."""
    video = write_y4m(examples("shoes", 1)[0], tmp_path_factory.mktemp("camera") / "shoe.y4m")
    b = launch(playwright, fake_camera_args(video))
    yield b
    b.close()


def test_camera_predicts_live_and_a_held_button_captures_a_burst(camera_browser, server):
    s = open_page(camera_browser, server.url)
    wait_ready(s.page)
    teach_labels(s.page, ("shoes", "hat"), 3)
    s.page.click("#camera-toggle")
    s.page.wait_for_function("+document.getElementById('camera-predictions').dataset.count >= 10", timeout=60_000)
    bars = s.page.evaluate("[...document.querySelectorAll('[data-camera-label]')].map(e => [e.dataset.cameraLabel,"
                           " +e.dataset.prob])")
    assert [name for name, _ in bars] == ["shoes", "hat"]
    assert s.page.get_attribute("#camera-verdict", "data-category") == "shoes"  # the camera shows a shoe
    assert dict(bars)["shoes"] > dict(bars)["hat"]
    shown = s.page.evaluate("[...document.querySelectorAll('[data-camera-label]')].map(e => e.innerText)")
    assert [text.split()[0] for text in shown] == ["shoes", "hat"] and all(t.endswith("%") for t in shown), shown
    assert "shoes" in s.page.inner_text("#camera-verdict")

    button = s.page.locator('[data-label="hat"] [data-capture]')
    button.hover()
    s.page.mouse.down()
    s.page.wait_for_function("+document.querySelector('[data-label=\"hat\"]').dataset.examples >= 6",
                             timeout=30_000)
    s.page.mouse.up()
    s.page.wait_for_timeout(500)
    held = labels_state(s.page)["hat"]
    s.page.wait_for_timeout(800)
    assert labels_state(s.page)["hat"] == held  # the burst stops when the button is let go
    assert s.page.inner_text("#teach-message") == f"Added {held - 3} frames to hat."  # every frame counted
    s.page.click("#camera-toggle")
    assert s.page.evaluate("document.documentElement.dataset.camera") == "off"
    assert not s.errors
    s.context.close()


def test_photos_dropped_on_a_label_or_pasted_while_it_is_selected_become_its_examples(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    teach_labels(s.page, ("shoes", "hat"), 1)
    dropped, pasted = examples("shoes", 2)[1], examples("hat", 2)[1]
    s.page.evaluate("""([a, b]) => {
        const file = (bytes, name) => new File([new Uint8Array(bytes)], name, {type: 'image/jpeg'});
        const drop = new DataTransfer();
        drop.items.add(file(a, 'dropped.jpg'));
        document.querySelector('[data-label="shoes"] .examples').dispatchEvent(
            new DragEvent('drop', {dataTransfer: drop, bubbles: true, cancelable: true}));
        document.querySelector('[data-label="hat"] header').click();  // select the label, then paste
        const paste = new DataTransfer();
        paste.items.add(file(b, 'pasted.jpg'));
        document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: paste, bubbles: true}));
    }""", [list(dropped.read_bytes()), list(pasted.read_bytes())])
    s.page.wait_for_function("document.querySelectorAll('[data-example]').length === 4", timeout=30_000)
    assert labels_state(s.page) == {"shoes": 2, "hat": 2}
    assert s.page.locator("#teach-results [data-result]").count() == 0  # examples, not photos to label
    s.context.close()


def test_a_new_worker_gets_the_taught_examples_back(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    teach_labels(s.page, ("shoes", "hat"), 3)
    s.page.evaluate("window.snaptag.client.worker.terminate()")
    photo = sorted((CLOTHING / "test" / "shoes").glob("*.jpg"))[0]
    s.page.set_input_files("#upload", [str(photo)])
    card = teach_cards(s.page, 1)[photo.name]
    assert card["status"] == "done" and card["top"] in ("shoes", "hat")
    assert s.page.evaluate("window.snaptag.client.restarts") == 1 and worker_examples(s.page) == 6
    s.context.close()
