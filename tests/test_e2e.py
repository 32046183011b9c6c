"""End to end in headless Chromium against the built site: real Pyodide, real tfjs-wasm worker, real model,
real photos from ../shared/data/cafe/test."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.conftest import ROOT, photos
from tools.browser import by_name, open_page, results, state, wait_ready, wait_settled
from tools.serve import serving, stop

META = json.loads((ROOT / "model" / "cafe" / "metadata.json").read_text())
CLASSES, THRESHOLD = META["classes"], META["threshold"]
CATEGORY_IDS = {c["id"] for c in CLASSES if c["in_scope"]} | {"review"}


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    good = photos("test", 1)[0][0].read_bytes()
    files = {
        "corrupt.jpg": good[:600] + bytes(range(256)) * 8,  # a JPEG header, then garbage
        "notes.txt": b"this is not a photo\n",
        "empty.jpg": b"",
        "holiday.heic": b"\x00\x00\x00\x18ftypheic" + bytes(64),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return {name: tmp_path / name for name in files}


def test_photos_added_while_loading_are_sorted_and_bad_files_get_errors(browser, server, bad_files):
    s = open_page(browser, server.url)
    assert state(s.page) == "loading"  # the static page is up before Python and the model
    good = photos("test", 3)
    s.page.set_input_files("#upload", [str(p) for p, _ in good] + [str(p) for p in bad_files.values()])
    wait_ready(s.page)
    wait_settled(s.page, len(good) + len(bad_files))
    cards = by_name(s.page)

    correct = 0
    for path, label in good:
        card = cards[path.name]
        assert card["status"] == "done", card
        assert card["category"] in CATEGORY_IDS
        if card["category"] != "review":  # filed: the top class, at least as sure as the threshold
            assert card["category"] == card["top"] and float(card["prob"]) >= THRESHOLD
        correct += card["top"] == label
    assert correct >= len(good) - 2, f"only {correct}/{len(good)} test photos got their class as top-1"

    errors = {name: cards[name] for name in bad_files}
    assert all(c["status"] == "error" and c["error"] for c in errors.values()), errors
    assert "corrupt" in errors["corrupt.jpg"]["error"]
    assert "Not an image" in errors["notes.txt"]["error"]
    assert "empty" in errors["empty.jpg"]["error"]
    assert "HEIC" in errors["holiday.heic"]["error"]
    for refused in ("notes.txt", "empty.jpg", "holiday.heic", "corrupt.jpg"):  # trying again can't help: no Retry
        assert s.page.locator(f'[data-result][data-name="{refused}"] [data-retry]:visible').count() == 0
    assert not s.errors
    s.context.close()


def test_no_request_leaves_the_origin(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    shots = photos("test", 1)
    s.page.set_input_files("#upload", [str(p) for p, _ in shots])
    wait_settled(s.page, len(shots))
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(server.url))
    outside = [u for u in s.requests if not (u.startswith(origin + "/") or u.startswith(("blob:" + origin, "data:")))]
    assert not outside, outside
    s.context.close()


def test_override_counts_and_export(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    shots = photos("test", 1)
    s.page.set_input_files("#upload", [str(p) for p, _ in shots])
    wait_settled(s.page, len(shots))
    name = shots[0][0].name
    card = s.page.locator(f'[data-result][data-name="{name}"]')
    card.locator("select").select_option("menu")
    assert card.get_attribute("data-category") == "menu"
    assert card.get_attribute("data-overridden") == "true"
    counts = s.page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('[data-count]')].map(e => [e.dataset.count, "
        "+e.querySelector('b').textContent]))")
    cats = [r["category"] for r in by_name(s.page).values()]
    for key in CATEGORY_IDS:
        assert counts[key] == cats.count(key), (key, counts)

    with s.page.expect_download() as dl:
        s.page.click("#export-json")
    exported = {row["file"]: row for row in json.loads(Path(dl.value.path()).read_text())["photos"]}
    assert set(exported) == {p.name for p, _ in shots}
    assert exported[name]["category"] == "menu" and exported[name]["overridden"] is True
    assert len(exported[name]["top3"]) == 3
    row = exported[name]
    assert row["id"] == hashlib.sha256(shots[0][0].read_bytes()).hexdigest()[:16]  # the photo's content hash
    assert (row["width"], row["height"]) == Image.open(shots[0][0]).size and row["size"] == shots[0][0].stat().st_size
    assert row["model_id"] == json.loads((ROOT / "model" / "cafe" / "metadata.json").read_text())["model_id"]
    assert row["threshold"] == THRESHOLD and row["time"].endswith("Z")

    with s.page.expect_download() as dl:
        s.page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text())))
    assert {r["file"] for r in rows} == set(exported)
    assert next(r for r in rows if r["file"] == name)["overridden"] == "yes"
    s.context.close()


def test_worker_info_and_tensors_are_disposed(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    before = s.page.evaluate("window.snaptag.client.info().then(r => r.info)")
    assert before["backend"] == "wasm" and before["simd"] is True and before["modelLoaded"] is True
    shots = photos("test", 2)
    s.page.set_input_files("#upload", [str(p) for p, _ in shots])
    wait_settled(s.page, len(shots))
    after = s.page.evaluate("window.snaptag.client.info().then(r => r.info)")
    assert after["numTensors"] == before["numTensors"]
    s.context.close()


def test_works_offline_after_one_visit(browser, dist):
    with serving(dist) as srv:
        s = open_page(browser, srv.url)
        wait_ready(s.page)
        precache = s.page.evaluate("""async () => {
            const reg = await window.snaptag.swReady;
            for (let i = 0; i < 300 && reg.active?.state !== 'activated'; i++)
                await new Promise(r => setTimeout(r, 100));
            const keys = (await caches.keys()).filter(k => k.startsWith('snaptag-'));
            return {keys, n: (await (await caches.open(keys[0])).keys()).length};
        }""")
        assert len(precache["keys"]) == 1 and precache["n"] > 40, precache
        stop(srv)  # the origin is gone: everything below comes from the service worker's cache
        s.page.reload()
        wait_ready(s.page)
        shots = photos("test", 1)
        s.page.set_input_files("#upload", [str(p) for p, _ in shots])
        settled = wait_settled(s.page, len(shots))
        assert all(r["status"] == "done" for r in settled), settled
        s.page.wait_for_function("(document.documentElement.dataset.saving || '0') === '0'")
        s.page.reload()  # still offline: the results come back from IndexedDB
        wait_ready(s.page)
        s.page.wait_for_function(f"document.querySelectorAll('[data-result]').length === {len(shots)}")
        assert sorted(r["category"] for r in results(s.page)) == sorted(r["category"] for r in settled)
        s.context.close()


def test_served_under_a_sub_path(browser, dist):
    with serving(dist, prefix="/static/apps/snaptag/") as srv:
        s = open_page(browser, srv.url)
        wait_ready(s.page)
        shots = photos("test", 1)
        s.page.set_input_files("#upload", [str(p) for p, _ in shots])
        settled = wait_settled(s.page, len(shots))
        assert all(r["status"] == "done" for r in settled), settled
        assert all(u.startswith((srv.url, "blob:", "data:")) for u in s.requests), s.requests
        s.page.goto(srv.url + "examples/upload-form/")  # the host API under the same sub-path
        categories = [c["id"] for c in CLASSES if c["in_scope"]]
        assert s.page.evaluate("window.snaptag.ready.then(m => m.categories.map(c => c.id))") == categories
        assert all(u.startswith((srv.url, "blob:", "data:")) for u in s.requests), s.requests
        s.context.close()


@pytest.mark.parametrize("remove,message", [("model/model.json", "Model failed to load"),
                                            ("app.zip", "Python failed to start")])
def test_a_broken_deployment_says_so(browser, dist, tmp_path, remove, message):
    import shutil

    broken = tmp_path / "dist"
    shutil.copytree(dist, broken)
    (broken / remove).unlink()
    with serving(broken) as srv:
        s = open_page(browser, srv.url)
        s.page.wait_for_function("document.documentElement.dataset.snaptag !== 'loading'", timeout=90_000)
        assert state(s.page) == "error"
        assert message in s.page.inner_text("#loading")
        s.context.close()


def test_worker_protocol_orientation_and_errors(browser, server, tmp_path):
    from PIL import Image

    im = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90°: 20 wide, 40 high
    im.save(tmp_path / "rotated.jpg", exif=exif)
    s = open_page(browser, server.url)
    wait_ready(s.page)
    got = s.page.evaluate("""async (bytes) => {
        const client = window.snaptag.client;
        const photo = new Blob([new Uint8Array(bytes)], {type: 'image/jpeg'});
        const ok = await client.classify(photo, {embedding: true});
        const plain = await client.classify(photo, {thumb: false});
        const code = (p) => p.then(() => 'resolved', (e) => e.code);
        return {
            width: ok.width, height: ok.height, probs: ok.probs, embedding: ok.embedding.length,
            thumb: ok.thumb.type, plain: [plain.embedding === undefined, plain.thumb === undefined],
            same: plain.probs.every((p, i) => Math.abs(p - ok.probs[i]) < 1e-6),
            garbage: await code(client.classify(new Blob(['nope']))),
            notAFile: await code(client.classify('photo.jpg')),
        };
    }""", list((tmp_path / "rotated.jpg").read_bytes()))
    assert (got["width"], got["height"]) == (20, 40)
    assert len(got["probs"]) == len(CLASSES) and abs(sum(got["probs"]) - 1) < 1e-4
    assert got["embedding"] == 1280 and got["thumb"] == "image/jpeg"
    assert got["plain"] == [True, True] and got["same"]  # the embedding leaves the worker only when asked for
    assert got["garbage"] == "decode" and got["notAFile"] == "bad_request"
    s.context.close()


def test_drop_and_paste_add_photos(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    (drop_photo, _), (paste_photo, _) = photos("test", 1)[:2]
    s.page.evaluate("""([a, b]) => {
        const file = (bytes, name) => new File([new Uint8Array(bytes)], name, {type: 'image/jpeg'});
        const dropped = new DataTransfer();
        dropped.items.add(file(a, 'dropped.jpg'));
        document.dispatchEvent(new DragEvent('drop', {dataTransfer: dropped, bubbles: true, cancelable: true}));
        const pasted = new DataTransfer();
        pasted.items.add(file(b, 'pasted.jpg'));
        document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: pasted, bubbles: true}));
    }""", [list(drop_photo.read_bytes()), list(paste_photo.read_bytes())])
    settled = {r["name"]: r for r in wait_settled(s.page, 2)}
    assert settled["dropped.jpg"]["status"] == "done" and settled["pasted.jpg"]["status"] == "done"
    s.context.close()


def test_a_png_bomb_is_refused_from_its_header_and_the_other_photos_go_on(browser, server, tmp_path):
    from tests.test_imagesize import gif, write_bomb

    bomb = write_bomb(tmp_path)  # ~64 KB that would decode to 23000 x 23000 pixels
    lying_gif = tmp_path / "lying.gif"  # a 1 x 1 screen, a 20000² frame past the first 64 KB (decoded: 3.6 GB)
    lying_gif.write_bytes(gif((1, 1), [(0, 0, 1, 1)] * 400 + [(0, 0, 20000, 20000)]))
    jpeg_named_heic = tmp_path / "IMG_0001.heic"
    jpeg_named_heic.write_bytes(photos("test", 1)[0][0].read_bytes())
    long_metadata = tmp_path / "long_metadata.jpg"  # 2.6 MB of APP2 segments before the frame: was "damaged"
    jpeg = photos("test", 1)[0][0].read_bytes()
    long_metadata.write_bytes(jpeg[:2] + b"".join(b"\xff\xe2\xff\xff" + bytes(65533) for _ in range(40)) + jpeg[2:])
    good = [str(p) for p, _ in photos("test", 2)]
    s = open_page(browser, server.url)
    wait_ready(s.page)
    s.page.set_input_files("#upload", [str(bomb), *good, str(jpeg_named_heic), str(lying_gif), str(long_metadata)])
    cards = {r["name"]: r for r in wait_settled(s.page, len(good) + 4)}
    assert cards["bomb.png"]["status"] == "error"
    assert "too large to open safely: 23000 × 23000 pixels" in cards["bomb.png"]["error"]
    assert "too large to open safely: 20000 × 20000 pixels" in cards["lying.gif"]["error"]
    assert cards["long_metadata.jpg"]["status"] == "done", cards["long_metadata.jpg"]
    assert all(cards[Path(p).name]["status"] == "done" for p in good)
    assert cards["IMG_0001.heic"]["status"] == "done"  # judged by its bytes: a JPEG
    info = s.page.evaluate("window.snaptag.client.info().then(r => r.info)")
    assert info["modelLoaded"] and info["numBytes"] < 50e6  # nothing big was decoded
    assert not s.errors
    s.context.close()


def test_a_terminated_worker_comes_back_and_every_photo_is_done(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    s.page.evaluate("window.__firstWorker = window.snaptag.client.worker")
    shots = photos("test", 3)[:8]
    s.page.set_input_files("#upload", [str(p) for p, _ in shots])
    s.page.wait_for_function("document.querySelectorAll('[data-result][data-status=\"done\"]').length >= 2")
    s.page.evaluate("window.snaptag.client.worker.terminate()")  # mid-batch: no error event, just silence
    settled = wait_settled(s.page, len(shots), timeout=120_000)
    assert all(r["status"] == "done" for r in settled), settled
    assert s.page.evaluate("window.snaptag.client.restarts") == 1
    assert s.page.evaluate("window.snaptag.client.worker !== window.__firstWorker")  # the handle is the new one
    info = s.page.evaluate("window.snaptag.client.info().then(r => r.info)")
    assert info["modelLoaded"]
    s.context.close()


def test_a_photo_that_stops_the_worker_twice_fails_with_a_true_message(browser, server):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    # Every worker from now on dies as soon as it is asked to classify (as a photo that crashes it would).
    s.page.evaluate("""() => {
        const client = window.snaptag.client;
        let seen = null;
        const arm = () => {
            if (client.worker !== seen) {
                seen = client.worker;
                const post = seen.postMessage.bind(seen);
                const w = seen;
                seen.postMessage = (msg, transfer) => (msg?.type === 'classify' ? w.terminate() : post(msg, transfer));
            }
            setTimeout(arm, 5);
        };
        arm();
    }""")
    s.page.set_input_files("#upload", [str(photos("test", 1)[0][0])])
    card = wait_settled(s.page, 1, timeout=120_000)[0]
    assert card["status"] == "error" and "stopped the image worker twice" in card["error"], card
    assert s.page.evaluate("window.snaptag.client.restarts") == 2
    s.context.close()
