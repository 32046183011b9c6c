"""Hostile and broken input in headless Chromium (real Pyodide, worker, model and IndexedDB): a labels file built
to crash the parser, damaged examples, NaN vectors, too many labels. Each must end in a clear message, with the
rest imported and the page still working; nothing hangs."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from app.logic import teach_io
from tests.conftest import DATA, ROOT, photos
from tools.browser import add_examples, add_label, blocked_storage_context, by_name, open_page, wait_ready, wait_settled
from tools.scale import filter_and_group, seed_results

MODEL_ID = json.loads((ROOT / "model" / "cafe" / "metadata.json").read_text())["model_id"]
DIM = json.loads((ROOT / "model" / "cafe" / "metadata.json").read_text())["outputs"]["embedding"]
SHOE = sorted((DATA / "fewshot" / "clothing" / "train" / "shoes").glob("*.jpg"))[0]


def labels_file(tmp_path: Path, name: str, doc: dict | str) -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps({"format": teach_io.FORMAT, **doc}))
    return str(path)


def import_and_read(page, path: str) -> str:
    """Import `path`; the message once the import has ended (an error, or an 'Imported' summary)."""
    page.evaluate("Object.assign(document.getElementById('teach-message'), {textContent: ''}).dataset.kind = ''")
    page.set_input_files("#teach-import", path)
    page.wait_for_function("(m => m.dataset.kind === 'error' || m.textContent.startsWith('Imported'))"
                           "(document.getElementById('teach-message'))", timeout=120_000)
    return page.inner_text("#teach-message")


def labels(page) -> dict[str, int]:
    return page.evaluate("Object.fromEntries([...document.querySelectorAll('[data-label]')]"
                         ".map(e => [e.dataset.label, +e.dataset.examples]))")


def worker_examples(page) -> int:
    return page.evaluate("window.snaptag.client.info().then(r => r.info.examples)")


def test_hostile_labels_files_get_a_clear_message_and_the_page_goes_on(browser, server, tmp_path):
    s = open_page(browser, server.url)
    wait_ready(s.page)
    s.page.click("#mode-teach")
    deep = '{"format":"snaptag-teach/1","labels":' + "[" * 5000 + "]" * 5000 + "}"  # crashed Pyodide
    assert "nests deeper" in import_and_read(s.page, labels_file(tmp_path, "deep.json", deep))
    assert "must be lists" in import_and_read(s.page, labels_file(tmp_path, "five.json", {"labels": 5}))
    assert "must be lists" in import_and_read(s.page, labels_file(tmp_path, "xyz.json", {"labels": "xyz"}))
    many = {"labels": [f"label {i}" for i in range(10_000)]}
    assert "at most 1000" in import_and_read(s.page, labels_file(tmp_path, "many.json", many))
    assert labels(s.page) == {}

    photo = base64.b64encode(SHOE.read_bytes()).decode()
    nan = teach_io.pack_embedding([float("nan")] * DIM)
    good = teach_io.pack_embedding([0.01 * (i % 7) + 0.001 for i in range(DIM)])
    same_model = {"model": MODEL_ID, "labels": ["shoes", "\u202egnp.exe", "<img src=x onerror=alert(1)>"],
                  "examples": [{"id": "nan", "label": "shoes", "photo": photo, "embedding": nan},
                               {"id": 'q"]', "label": "shoes", "photo": photo, "embedding": good},
                               {"id": "ok1", "label": "shoes", "photo": photo, "embedding": good}]}
    said = import_and_read(s.page, labels_file(tmp_path, "same.json", same_model))
    assert "Imported 1 examples" in said and "Left out 4" in said, said
    assert "NaN" in said and "text-direction" in said and "its id" in said and "can't be a label name" in said
    assert labels(s.page) == {"shoes": 1} and worker_examples(s.page) == 1

    broken = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 200).decode()  # a JPEG start, then nothing
    other_model = {"model": "another-model", "labels": ["shoes", "hats"],
                   "examples": [{"id": "bad", "label": "hats", "photo": broken},
                                {"id": "ok2", "label": "shoes", "photo": photo}]}
    said = import_and_read(s.page, labels_file(tmp_path, "other.json", other_model))
    assert "Imported 1 examples" in said and "example bad" in said, said  # was: stuck on "Importing 1 of 2…"
    assert labels(s.page) == {"shoes": 2, "hats": 0} and worker_examples(s.page) == 2

    add_label(s.page, "still works")  # nothing above broke Python or the worker
    s.page.reload()
    wait_ready(s.page)
    assert labels(s.page) == {"shoes": 2, "hats": 0, "still works": 0}
    assert not s.errors, s.errors
    s.context.close()


def test_a_thousand_labels_import_and_come_back_after_a_reload(browser, server, tmp_path):
    """The limit itself works: 1,000 labels (today's main took 2.5 s of frozen page per load, 10,000 never
    ended); `bench` measures how long the restore takes."""
    s = open_page(browser, server.url)
    wait_ready(s.page)
    s.page.click("#mode-teach")
    names = [f"part {i:04d}" for i in range(1000)]
    said = import_and_read(s.page, labels_file(tmp_path, "k.json", {"labels": names, "examples": []}))
    assert said.startswith("Imported 0 examples"), said
    s.page.reload()
    wait_ready(s.page)
    assert list(labels(s.page)) == names
    s.page.click("#mode-teach")
    s.page.fill("#teach-label-name", "one more")
    s.page.press("#teach-label-name", "Enter")
    s.page.wait_for_function("document.getElementById('teach-message').dataset.kind === 'error'")
    assert "at most 1000 labels" in s.page.inner_text("#teach-message")
    s.context.close()


def test_with_site_data_blocked_the_page_starts_sorts_and_says_nothing_is_kept(playwright, server, tmp_path):
    """Was: Python failed to start (PyScript's loader opens IndexedDB for its package cache)."""
    context = blocked_storage_context(playwright, tmp_path / "profile")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    assert page.evaluate("new Promise(r => { const q = indexedDB.open('snaptag-x'); q.onerror = () => r('refused'); "
                         "q.onsuccess = () => r('opened'); })") == "refused"  # the setting took
    wait_ready(page)
    assert "can't be kept" in page.inner_text("#saved-status")
    page.set_input_files("#upload", [str(p) for p, _ in photos("test", 1)])
    cards = wait_settled(page, 3)
    assert all(c["status"] == "done" for c in cards), cards
    page.click("#mode-teach")
    assert "labels can't be kept" in page.inner_text("#teach-message")
    add_label(page, "shoes")
    add_examples(page, "shoes", [SHOE])  # in memory, for this visit
    assert labels(page) == {"shoes": 1}
    assert not errors, errors
    context.close()


def test_when_storage_is_full_sorting_goes_on_and_says_what_was_not_kept(browser, server):
    """Was: the QuotaExceededError never reached Python, 19 writes hung (data-saving stuck), nothing was said,
    and later teach-mode writes hung too."""
    s = open_page(browser, server.url)
    wait_ready(s.page)
    usage = s.page.evaluate("navigator.storage.estimate().then(e => e.usage)")
    cdp = s.context.new_cdp_session(s.page)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": server.url.rstrip("/"), "quotaSize": usage + 60_000})
    batch = [str(p) for p, _ in photos("test", 6)]
    s.page.set_input_files("#upload", batch)
    cards = wait_settled(s.page, len(batch))
    assert all(c["status"] == "done" for c in cards)  # sorting goes on
    s.page.wait_for_function("document.documentElement.dataset.saving === '0'", timeout=30_000)  # all settled
    status = s.page.inner_text("#saved-status")
    assert "storage is full" in status and "not kept" in status, status
    s.page.click("#mode-teach")
    s.page.fill("#teach-label-name", "parts")
    s.page.press("#teach-label-name", "Enter")
    s.page.wait_for_function("document.querySelector('[data-label=\"parts\"]') !== null || "
                             "document.getElementById('teach-message').dataset.kind === 'error'", timeout=30_000)
    if s.page.locator('[data-label="parts"]').count():  # a label is small: it may still fit; a photo may not
        s.page.set_input_files('[data-label="parts"] input[data-teach-files]', batch[:3])
        s.page.wait_for_function("document.querySelector('[data-label=\"parts\"]').dataset.examples === '3' || "
                                 "document.getElementById('teach-message').dataset.kind === 'error'", timeout=60_000)
    assert not s.errors, s.errors
    s.context.close()


def test_the_upload_form_survives_two_worker_deaths_and_says_what_it_did_not_send(browser, server, tmp_path):
    """Was: 8 of 10 photos blamed ("stopped the image worker twice… may be damaged"), 2 sent, "Sent 2 photos"."""
    s = open_page(browser, server.url + "examples/upload-form/")
    page = s.page
    page.wait_for_function("window.snaptag && window.snaptag.client", timeout=30_000)
    page.evaluate("window.snaptag.ready")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    shots = [str(p) for p, _ in photos("test", 4)[:10]]
    page.set_input_files("#photos", [*shots, str(notes)])
    client = "window.snaptag.client"
    for n in (1, 2):  # the worker dies, and dies again right after it came back
        page.wait_for_function(f"{client}.restarts === {n - 1} && !{client}.restarting && {client}.pending.size > 0",
                               timeout=60_000)
        page.evaluate(f"{client}.worker.terminate()")
        page.wait_for_function(f"{client}.restarts === {n}", timeout=60_000)
    page.wait_for_function("[...document.querySelectorAll('[data-photo]')].every(e => e.dataset.status !== 'sorting')",
                           timeout=120_000)
    states = page.evaluate("Object.fromEntries([...document.querySelectorAll('[data-photo]')]"
                           ".map(e => [e.dataset.name, e.dataset.status]))")
    assert states.pop("notes.txt") == "error" and set(states.values()) == {"done"}, states
    page.fill("#cafe-name", "Café")
    page.click("#submit")
    page.wait_for_function("document.getElementById('cafe-form').dataset.sent", timeout=30_000)
    said = page.inner_text("#form-status")
    assert f"Sent {len(shots)} photos" in said and "Not sent: notes.txt (Not an image" in said, said
    s.context.close()


def test_two_thousand_saved_results_come_back_filter_and_group(browser, server):
    """Was: 5.4-6.0 s of frozen page per filter or grouping, a 1.8 s task on reload. `bench` measures the
    longest task (now 70-110 ms to filter, 300-450 ms to group on this machine); here only a bound far above
    that, so that a noisy machine cannot fail it, and far below what it was."""
    meta = json.loads((ROOT / "model" / "cafe" / "metadata.json").read_text())
    categories = [c["id"] for c in meta["classes"] if c["in_scope"]]
    s = open_page(browser, server.url)
    wait_ready(s.page)
    seed_results(s.page, 2000, MODEL_ID, categories)
    s.page.reload()
    wait_ready(s.page)
    s.page.wait_for_function("document.querySelectorAll('#results [data-result]').length === 2000", timeout=60_000)
    got = filter_and_group(s.page, categories[0])
    per_category = len(range(0, 2000, len(categories)))
    window = s.page.evaluate("window.snaptag.layout.WINDOW")  # displayed at most (app/page/card_window.js)
    assert got["filtered"] == got["grouped_filtered"] == [per_category, min(per_category, window)], got
    assert got["all"] == [2000, window], got
    assert got["grouped_sections"] == len(categories), got
    assert got["longest_task_ms"] < 1500, got

    # Only a window of the 2,000 is displayed: scrolling brings the others, in order, with no gap on screen.
    on_screen = """[...document.querySelectorAll('#results [data-result]')].filter((e) => { const r =
        e.getBoundingClientRect(); return e.offsetParent && r.bottom > 0 && r.top < innerHeight; })
        .map((e) => +e.dataset.name.match(/\\d+/)[0])"""
    for fraction in (0.5, 1.0, 0.0):
        s.page.evaluate(f"scrollTo(0, (document.documentElement.scrollHeight - innerHeight) * {fraction})")
        s.page.wait_for_timeout(300)
        seen = s.page.evaluate(on_screen)  # photo numbers, newest first
        assert len(seen) >= 5 and seen == list(range(seen[0], seen[0] - len(seen), -1)), (fraction, seen)
        expected = {0.0: 1999, 1.0: 0}.get(fraction)
        assert expected is None or expected in seen, (fraction, seen)
        if fraction == 0.5:
            assert 500 < seen[0] < 1500, seen
    # The keyboard's next card is displayed and focused even beyond the window; Select shown takes every one.
    last, after = s.page.evaluate("""(() => { const cards = [...document.querySelectorAll('#results [data-result]')];
        const i = cards.indexOf([...document.querySelectorAll('#results [data-on]')].at(-1));
        return [cards[i].dataset.id, cards[i + 1].dataset.id]; })()""")
    assert s.page.evaluate(f"document.querySelector('#results [data-id=\"{after}\"]').offsetParent") is None
    s.page.focus(f'#results [data-id="{last}"]')
    s.page.keyboard.press("r")
    assert s.page.evaluate("(() => { const e = document.activeElement.closest('[data-result]'); "
                           "return e && [e.dataset.id, e.offsetParent !== null]; })()") == [after, True]
    s.page.click(f'[data-filter="{categories[1]}"]')
    s.page.click("#select-shown")
    assert s.page.inner_text("#selected-count") == f"{len(range(1, 2000, len(categories)))} selected"
    assert not s.errors
    s.context.close()


def test_two_tabs_see_each_others_changes_and_a_stale_one_cannot_hide_or_resurrect(browser, server):
    """Was: B kept showing a label A deleted, B's next write brought back a result A had cleared, and "Dogs" in A
    beside "dogs" in B left the second hidden after a reload and out of Export."""
    context = browser.new_context()
    a, b = context.new_page(), context.new_page()
    for page in (a, b):
        page.on("dialog", lambda d: d.accept())
        page.goto(server.url)
        wait_ready(page)
    a.set_input_files("#upload", [str(p) for p, _ in photos("test", 1)])
    wait_settled(a, 3)
    b.wait_for_function("document.querySelectorAll('#results [data-result][data-status=\"done\"]').length === 3")
    first = sorted(by_name(a))[0]  # B shows A's results as they are kept, and A's corrections
    target = "menu" if by_name(a)[first]["category"] != "menu" else "vibes"  # a move, wherever the model put it
    a.select_option(f'[data-name="{first}"] select', target)
    b.wait_for_function(f"document.querySelector('[data-name=\"{first}\"]').dataset.category === '{target}'")
    assert by_name(b)[first]["overridden"] == "true"
    a.wait_for_function("document.documentElement.dataset.saving === '0'")
    a.click("#clear-all")
    b.wait_for_function("document.querySelectorAll('#results [data-result]').length === 0")
    assert "removed in another tab" in b.inner_text("#saved-status")
    b.reload()
    wait_ready(b)
    assert len(by_name(b)) == 0  # nothing came back

    for page in (a, b):
        page.click("#mode-teach")
    add_label(a, "Dogs")
    b.wait_for_selector('[data-label="Dogs"]')  # B read the set again
    stale = b.evaluate("window.snaptag.client.teach('teach_label', {set: 'My labels', op: 'add', name: 'dogs'})"
                       ".then(() => 'stored', (e) => e.code + ': ' + e.message)")  # as a tab that had not heard
    assert stale.startswith("conflict: there is already a label called \"Dogs\""), stale
    a.click('[data-label="Dogs"] [data-delete-label]')
    a.click('[data-label="Dogs"] [data-delete-label]')  # the second click deletes
    b.wait_for_function("document.querySelector('[data-label=\"Dogs\"]') === null")
    orphan = b.evaluate("(dim) => window.snaptag.client.teach('teach_add', {set: 'My labels', exampleId: 'x1', "
                        "label: 'Dogs', embedding: new Float32Array(dim).fill(0.1), "
                        "photo: new Blob([new Uint8Array([255, 216])])})"
                        ".then(() => 'stored', (e) => e.code)", DIM)
    assert orphan == "conflict"  # an example of a label deleted elsewhere is refused, not hidden
    during = b.evaluate("""() => {  // what another tab's change does: the set is read again; meanwhile, requests
        const ask = (type, detail) => window.snaptag.client.teach(type, {set: 'My labels', ...detail})
            .then((r) => r.labels ?? r.scores?.length ?? r.count, (e) => e.code);
        return Promise.all([ask('teach_open'), ask('teach_scores', {embeddings: []}),
                            ask('teach_label', {op: 'add', name: 'Cats'}), ask('teach_open')]);
    }""")
    assert during == [[], 0, 0, ["Cats"]]  # was 'not_loaded' while it was read (the write waits its turn)
    context.close()
