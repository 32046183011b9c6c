"""The label-set API (docs/embedding.md) in headless Chromium, from a host page that is not snaptag's (the example
upload form): every verb of window.snaptag.labels with real photos (../shared/data/fewshot/clothing), the real
worker and model and IndexedDB; sets kept across reloads, two sets side by side, and hostile labels files."""

from __future__ import annotations

import base64
import json
import time

import pytest

from tests.conftest import DATA, ROOT
from tools.browser import fake_camera_args, launch, open_page, wait_ready, wait_settled, write_y4m

CLOTHING = DATA / "fewshot" / "clothing"
PARTS_COUNT = "snaptag.labels.open('parts').then((s) => s.getClassExampleCount())"  # the camera page's set
META = json.loads((ROOT / "model" / "cafe" / "metadata.json").read_text())
HELPERS = """
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const file = (b64, name = 'photo.jpg') => new File([bytes(b64)], name, {type: 'image/jpeg'});
    const failed = (promise) => promise.then(() => null, (err) => ({code: err.code, message: err.message}));
    const L = window.snaptag.labels;
"""


def shots(label: str, split: str = "train", n: int = 3) -> list[str]:
    return [base64.b64encode(p.read_bytes()).decode() for p in sorted((CLOTHING / split / label).glob("*.jpg"))[:n]]


def cafe_photo() -> str:
    return base64.b64encode(sorted((DATA / "cafe" / "test" / "menu").glob("*.jpg"))[0].read_bytes()).decode()


def test_every_verb_of_a_label_set_and_its_errors(form):
    page = form.page
    got = page.evaluate(f"""async ([shoes, pants, shoeQuery, pantsQuery]) => {{
        {HELPERS}
        const set = await L.open('parts');
        const ids = [await set.addExample(file(shoes[0]), 'shoes')];            // a File
        const bitmap = await createImageBitmap(file(shoes[1]));
        ids.push(await set.addExample(bitmap, 'shoes'));                          // an ImageBitmap: stays usable
        const canvas = Object.assign(document.createElement('canvas'), {{width: 300, height: 200}});
        canvas.getContext('2d').drawImage(await createImageBitmap(file(pants[0])), 0, 0, 300, 200);
        ids.push(await set.addExample(canvas, 'pants'));                          // a canvas
        ids.push(await set.addExample(file(pants[1]), 'pants'));
        ids.push(await set.addExample(file(shoes[2]), 'shoes'));
        const counts = await set.getClassExampleCount();
        const shoe = await set.predictClass(file(shoeQuery));
        const trousers = await set.predictClass(await createImageBitmap(file(pantsQuery)));
        await set.deleteExample(ids[0]);
        const afterDelete = await set.getClassExampleCount();
        const errors = {{
          unknownId: await failed(set.deleteExample('no-such-id')),
          again: await failed(set.deleteExample(ids[0])),
          badSource: await failed(set.addExample('a string', 'shoes')),
          notAPhoto: await failed(set.addExample(new File(['hello'], 'notes.txt', {{type: 'text/plain'}}), 'shoes')),
          emptyCanvas: await failed(set.addExample(document.createElement('video'), 'shoes')),
          badLabel: await failed(set.addExample(file(shoes[0]), '<b>x</b>')),
          renameToTaken: await failed(set.renameClass('pants', 'SHOES')),
          unknownLabel: await failed(set.clearClass('socks')),
          badName: await failed(L.open('')),
        }};
        const renamed = await set.renameClass('pants', 'trousers');
        const afterRename = await set.getClassExampleCount();
        const renamedPrediction = await set.predictClass(file(pantsQuery));
        const cleared = await set.clearClass('trousers');
        const afterClear = await set.getClassExampleCount();
        const emptyPrediction = await set.predictClass(file(pantsQuery));
        return {{ids, bitmapWidth: bitmap.width, counts, shoe, trousers, afterDelete, errors, renamed, afterRename,
                 renamedPrediction, cleared, afterClear, emptyPrediction, list: await L.list()}};
    }}""", [shots("shoes"), shots("pants"), shots("shoes", "test", 2)[1], shots("pants", "test", 1)[0]])
    assert len(set(got["ids"])) == 5 and all(isinstance(i, str) and i for i in got["ids"])
    assert got["bitmapWidth"] > 0  # the caller's bitmap was copied, not taken
    assert got["counts"] == {"shoes": 3, "pants": 2}
    for prediction, label in ((got["shoe"], "shoes"), (got["trousers"], "pants")):
        assert prediction["label"] == label, prediction
        assert set(prediction["confidences"]) == {"shoes", "pants"}
        assert sum(prediction["confidences"].values()) + prediction["unknown"] == pytest.approx(1.0, abs=1e-6)
        assert prediction["confidences"][label] > prediction["unknown"]
    assert got["afterDelete"] == {"shoes": 2, "pants": 2}
    errors = got["errors"]
    assert errors["unknownId"]["code"] == "bad_request" and "no example" in errors["unknownId"]["message"]
    assert errors["again"]["code"] == "bad_request"
    assert errors["badSource"]["code"] == "bad_request" and "expected a File" in errors["badSource"]["message"]
    assert errors["notAPhoto"]["code"] == "refused"
    assert errors["emptyCanvas"]["code"] == "bad_request" and "no frame yet" in errors["emptyCanvas"]["message"]
    assert errors["badLabel"]["code"] == "bad_request" and "can't be a label name" in errors["badLabel"]["message"]
    assert errors["renameToTaken"]["code"] == "bad_request" and "already" in errors["renameToTaken"]["message"]
    assert errors["unknownLabel"]["code"] == "bad_request" and "no label" in errors["unknownLabel"]["message"]
    assert errors["badName"]["code"] == "bad_request"
    assert got["renamed"] == "trousers" and got["afterRename"] == {"shoes": 2, "trousers": 2}
    assert got["renamedPrediction"]["label"] == "trousers"
    assert got["cleared"] == 2 and got["afterClear"] == {"shoes": 2, "trousers": 0}
    assert got["emptyPrediction"]["confidences"]["trousers"] == 0.0
    assert got["list"] == ["parts"]

    page.reload()  # kept in IndexedDB: the same set after a reload, and the page's own teach set untouched
    again = page.evaluate(f"""async ([shoeQuery]) => {{
        {HELPERS}
        const set = await L.open('parts');
        return {{counts: await set.getClassExampleCount(), shoe: await set.predictClass(file(shoeQuery)),
                 info: (await window.snaptag.client.info()).info.examples}};
    }}""", [shots("shoes", "test", 2)[1]])
    assert again["counts"] == {"shoes": 2, "trousers": 0} and again["info"] == 2
    assert again["shoe"]["label"] == "shoes"


def test_two_sets_side_by_side_export_import_list_and_remove(form):
    page = form.page
    got = page.evaluate(f"""async ([shoes, pants, hats, shoeQuery, cafe]) => {{
        {HELPERS}
        const [a, b] = [await L.open('wardrobe'), await L.open('heads')];
        for (const s of shoes) await a.addExample(file(s), 'shoes');
        for (const s of pants) await a.addExample(file(s), 'pants');
        for (const s of hats) await b.addExample(file(s), 'hat');
        const copy = await L.import(await a.export(), 'wardrobe copy');
        const result = {{
          a: await a.getClassExampleCount(), b: await b.getClassExampleCount(),
          copy: await copy.getClassExampleCount(),
          aSays: await a.predictClass(file(shoeQuery)), copySays: await copy.predictClass(file(shoeQuery)),
          bSays: await b.predictClass(file(shoeQuery)), cafe: await a.predictClass(file(cafe)),
          list: await L.list(),
        }};
        await L.remove('wardrobe copy');
        result.afterRemove = await L.list();
        result.removedHandle = await failed(copy.getClassExampleCount());
        return result;
    }}""", [shots("shoes", n=5), shots("pants", n=5), shots("hat"), shots("shoes", "test", 2)[1], cafe_photo()])
    assert got["a"] == {"shoes": 5, "pants": 5} and got["b"] == {"hat": 3} and got["copy"] == got["a"]
    assert got["aSays"]["label"] == "shoes" and got["copySays"] == got["aSays"]
    assert set(got["bSays"]["confidences"]) == {"hat"}  # its own labels only
    assert got["cafe"]["label"] is None and got["cafe"]["unknown"] > 0.5  # a menu is none of these
    assert got["list"] == ["heads", "wardrobe", "wardrobe copy"] and got["afterRemove"] == ["heads", "wardrobe"]
    assert got["removedHandle"]["code"] == "not_loaded"


def test_a_hostile_labels_file_is_refused_whole_and_nothing_runs(form):
    page = form.page
    photo = shots("shoes", n=1)[0]
    ones = lambda n: base64.b64encode(b"\x00\x00\x80\x3f" * n).decode()  # noqa: E731  n float32 1.0s
    row = {"id": "e1", "label": "shoes", "photo": photo, "embedding": ones(META["outputs"]["embedding"])}
    good = {"format": "snaptag-teach/1", "model": META["model_id"], "labels": ["shoes"], "examples": [row]}
    short = {**good, "examples": [{**good["examples"][0], "embedding": ones(3)}]}
    html = {**good, "labels": ['<img src=x onerror="window.pwned=1">'],
            "examples": [{**good["examples"][0], "label": '<img src=x onerror="window.pwned=1">'}]}
    files = {"badJson": '{"format": "snaptag-teach/1", "labels": [', "short": json.dumps(short),
             "html": json.dumps(html), "good": json.dumps(good)}
    got = page.evaluate(f"""async (files) => {{
        {HELPERS}
        const out = {{}};
        for (const [name, text] of Object.entries(files)) {{
          if (name === 'good') continue;
          out[name] = await failed(L.import(new Blob([text], {{type: 'application/json'}}), name));
        }}
        out.notABlob = await failed(L.import('{{}}', 'text'));
        out.listAfterHostile = await L.list();
        const good = await L.import(new Blob([files.good]), 'good');
        out.good = await good.getClassExampleCount();
        out.pwned = window.pwned ?? null;
        return out;
    }}""", files)
    assert got["badJson"]["code"] == "refused" and "not JSON" in got["badJson"]["message"]
    assert got["short"]["code"] == "refused" and "3 values" in got["short"]["message"]
    assert got["html"]["code"] == "refused" and "can't be a label name" in got["html"]["message"]
    assert all("Nothing was imported" in got[k]["message"] for k in ("short", "html"))
    assert got["notABlob"]["code"] == "bad_request"
    assert got["listAfterHostile"] == [] and got["good"] == {"shoes": 1} and got["pwned"] is None


@pytest.fixture(scope="module")
def camera_browser(playwright, tmp_path_factory):
    """Chromium whose camera shows one clothing photo, through the fake video device."""
    photo = sorted((CLOTHING / "train" / "shoes").glob("*.jpg"))[0]
    b = launch(playwright, fake_camera_args(write_y4m(photo, tmp_path_factory.mktemp("camera") / "part.y4m")))
    yield b
    b.close()


def hold(page, label: str, frames: int) -> None:
    """Hold the example page's button for `label` until the set has `frames` examples of it."""
    page.locator(f'[data-label="{label}"]').hover()
    page.mouse.down()
    deadline = time.monotonic() + 60
    while page.evaluate(PARTS_COUNT).get(label, 0) < frames and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    page.mouse.up()
    settled, now = None, page.evaluate(PARTS_COUNT)  # a frame taken just before the release may still be stored
    while now != settled and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        settled, now = now, page.evaluate(PARTS_COUNT)


def bars(page) -> dict[str, float]:
    return page.evaluate("Object.fromEntries([...document.querySelectorAll('[data-bar]')]"
                         ".map((e) => [e.dataset.bar, +e.dataset.prob]))")


def test_the_teach_camera_example_learns_live_and_keeps_its_set(camera_browser, server):
    s = open_page(camera_browser, server.url + "examples/teach-camera/")
    page = s.page
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Hold')", timeout=90_000)
    hold(page, "good part", 3)
    page.wait_for_function("document.querySelector('#status').textContent === 'good part'", timeout=30_000)
    got = bars(page)
    assert set(got) == {"good part", "defective", "unknown"} and sum(got.values()) == pytest.approx(1.0, abs=1e-3)
    assert got["good part"] > 0.5 and got["defective"] == 0.0
    hold(page, "defective", 2)
    page.wait_for_function("+document.querySelector('[data-bar=\"defective\"]').dataset.prob > 0", timeout=30_000)
    counts = page.evaluate(PARTS_COUNT)
    page.reload()  # the set is kept: bars again at once, with no example added
    page.wait_for_function("document.querySelectorAll('[data-bar]').length === 3", timeout=90_000)
    assert page.evaluate(PARTS_COUNT) == counts
    assert not s.errors
    s.context.close()


def test_the_sorter_sorts_with_a_taught_set_and_its_cards_follow_it(browser, server):
    s = open_page(browser, server.url)
    page = s.page
    wait_ready(page)
    page.evaluate(f"""async ([shoes, pants]) => {{
        {HELPERS}
        const set = await L.open('parts');
        for (const b64 of shoes) await set.addExample(file(b64), 'shoes');
        for (const b64 of pants) await set.addExample(file(b64), 'pants');
    }}""", [shots("shoes"), shots("pants")])
    page.focus("#sort-with")  # the choices are read again: the new set is there
    page.wait_for_selector('#sort-with option[value="parts"]', state="attached")
    page.select_option("#sort-with", "parts")
    page.wait_for_selector('[data-count="shoes"]', state="attached")
    shoe, pants = (sorted((CLOTHING / "test" / label).glob("*.jpg"))[1] for label in ("shoes", "pants"))
    page.set_input_files("#upload", [str(shoe), str(pants)])
    cards = {r["name"]: r for r in wait_settled(page, 2)}
    assert (cards[shoe.name]["category"], cards[pants.name]["category"]) == ("shoes", "pants"), cards
    assert page.inner_text('[data-count="shoes"] b') == "1"

    page.evaluate("snaptag.labels.open('parts').then((s) => s.renameClass('pants', 'trousers'))")
    page.wait_for_function(f"""[...document.querySelectorAll('#results [data-result]')]
        .find((e) => e.dataset.name === {json.dumps(pants.name)})?.dataset.category === 'trousers'""")
    page.wait_for_selector('[data-count="trousers"]', state="attached")

    page.reload()  # the choice and its results are kept
    wait_ready(page)
    assert page.input_value("#sort-with") == "parts"
    again = {r["name"]: r for r in wait_settled(page, 2)}
    assert (again[shoe.name]["category"], again[pants.name]["category"]) == ("shoes", "trousers")
    page.select_option("#sort-with", "")  # back to the café categories: their own (empty) results
    page.wait_for_selector('[data-count="menu"]', state="attached")
    assert page.evaluate("document.querySelectorAll('#results [data-result]').length") == 0
    assert not s.errors
    s.context.close()
