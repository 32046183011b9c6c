"""Journeys, in Chromium with the real model, asserting on what a person reads (innerText), not only data-*:
the café site owner sorts, reloads, and switches builds; the teacher teaches labels in the page and from their
own code (window.snaptag.labels), reloads and deletes a label; screenshots land in out/screens/. (The widgets'
journeys are tests/test_upload_widgets_e2e.py, the toolchain's tests/test_train_small_folder.py.)"""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import ROOT, photos
from tests.test_sorter_e2e import reload
from tools.browser import open_page, wait_ready, wait_settled

SCREENS = ROOT / "out" / "screens"
CAFE_IDS = ("food_and_drinks", "vibes", "other")  # class ids a person never reads ("menu" is also its name)
NAMES = {"food_and_drinks": "Food & Drinks", "menu": "Menu", "vibes": "Vibes", "review": "Needs review"}


def screen(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def card_texts(page) -> dict[str, str]:
    """Each sorter card's visible text (its name, verdict, top 3) and its category menu's shown option."""
    return page.evaluate("""Object.fromEntries([...document.querySelectorAll('#results [data-result]')].map(c => {
        const menu = c.querySelector('select');
        return [c.dataset.name, c.innerText + ' | menu: ' + (menu ? menu.selectedOptions[0].text : '')];
    }))""")


def assert_named(texts: dict[str, str]) -> None:
    for name, text in texts.items():
        for cid in CAFE_IDS:
            assert not re.search(rf"\b{cid}\b", text), f"{name} shows the raw id {cid!r}: {text!r}"
        assert re.search(r"Food & Drinks|Menu|Vibes|Needs review", text), (name, text)


def test_the_cafe_owner_reads_names_after_a_reload_and_is_told_what_download_sorted_includes(browser, server):
    s = open_page(browser, server.url)
    page = s.page
    wait_ready(page)
    shots = photos("test", 3)
    page.set_input_files("#upload", [str(p) for p, _ in shots])
    done = wait_settled(page, len(shots))
    assert page.inner_text("#download-sorted") == f"Download sorted (zip, {len(shots)} photos)"
    first = card_texts(page)
    assert_named(first)
    for card in done:  # the verdict is the category's name
        assert card["name"] in first and NAMES[card["category"]] in first[card["name"]]
    screen(page, "sorter-sorted")

    reload(page)
    page.wait_for_function(f"document.querySelectorAll('#results [data-result]').length === {len(shots)}")
    restored = card_texts(page)
    assert restored == first  # the same words as before the reload, ids nowhere
    assert page.inner_text("#download-sorted") == (
        f"Download sorted (zip, 0 of {len(shots)} photos; {len(shots)} added before a reload can't be included)")
    screen(page, "sorter-after-reload")

    # One more photo: that one can go in the zip, the others are still said.
    extra = photos("val", 1)[0][0]
    page.set_input_files("#upload", [str(extra)])
    wait_settled(page, len(shots) + 1)
    assert page.inner_text("#download-sorted") == (
        f"Download sorted (zip, 1 of {len(shots) + 1} photos; {len(shots)} added before a reload can't be "
        "included)")
    assert not s.errors
    s.context.close()


def relabelled_model(tmp: Path) -> Path:
    """The shipped model under other category names and another model id: another build's model, as a
    retrained or taught model would be."""
    model = tmp / "other-model"
    shutil.copytree(ROOT / "model" / "cafe", model)
    meta = json.loads((model / "metadata.json").read_text())
    renamed = {"food_and_drinks": "Snacks", "menu": "Price list", "vibes": "Rooms"}
    for cls in meta["classes"]:
        cls["name"] = renamed.get(cls["id"], cls["name"])
    meta["model_id"] += "-renamed"
    (model / "metadata.json").write_text(json.dumps(meta))
    return model


@contextmanager
def cached_site(browser, dist: Path) -> Iterator:
    """The café build in `dist`, served, and a page of it whose offline copy is installed (its service worker
    controls the next load): the session, for a test that then builds something else into `dist`."""
    from tools.serve import serving
    from tools.site import build_site

    build_site(ROOT, dist)
    with serving(dist) as srv:
        s = open_page(browser, srv.url)
        wait_ready(s.page)
        s.page.evaluate("window.snaptag.swReady.then(() => navigator.serviceWorker.ready).then(() => true)")
        yield s
        assert not s.errors
        s.context.close()


def test_a_page_follows_each_build_it_is_served_cafe_then_another_then_cafe_again(browser, tmp_path):
    """One browser profile with its service worker: café build → visit → another build → visit and switch →
    the café build again → visit and switch: the page shows each build's names (a build's files are known by
    content: dates went backwards and a 304 once kept the other build). A result of the build before is listed
    as such, with what that model said, and adding its photo again sorts it with this one."""
    from tools.site import build_site

    dist = tmp_path / "dist"
    other = relabelled_model(tmp_path)
    photo = photos("test", 1)[0][0]  # a Food & Drinks photo
    with cached_site(browser, dist) as s:
        page = s.page
        assert "Food & Drinks" in page.inner_text("#counts")
        page.set_input_files("#upload", [str(photo)])
        wait_settled(page, 1)
        said_before = page.inner_text("#results [data-result] .verdict")
        steps = ((other, ("Snacks", "Price list", "Rooms"), "Food & Drinks"),
                 (None, ("Food & Drinks", "Menu", "Vibes"), "Snacks"))
        for n, (model, names, before) in enumerate(steps):
            build_site(ROOT, dist, model)
            reload(page)
            page.evaluate("window.snaptag.swReady.then(() => window.snaptag.checkForUpdate())")
            page.wait_for_function("document.documentElement.dataset.update === 'ready'", timeout=60_000)
            assert "A new version of snaptag is ready" in page.inner_text("#update")
            with page.expect_navigation():
                page.click("#update-reload")
            wait_ready(page)
            shown = page.inner_text("#counts")
            assert all(name in shown for name in names), shown
            assert page.is_hidden("#update-failed")

            # The last build's result is not a card here, and not gone: listed, in that model's words.
            assert page.evaluate("document.querySelectorAll('#results [data-result]').length") == 0
            assert page.inner_text("#saved-status") == (
                "1 result made by another model version is listed below, not counted: add their photos again to "
                "sort them with this one.")
            page.click("#other-results summary")
            listed = page.inner_text("#other-results")
            assert "1 result made by another model version (not counted)" in listed, listed
            assert any(f"{photo.name}: {said}" in listed for said in (before, f"Needs review ({before}")), listed
            assert "model lite0-" in listed, listed
            screen(page, f"build-switch-{n + 1}")
            page.set_input_files("#other-results-add", [str(photo)])  # sort it again, with this model
            wait_settled(page, 1)
            text = page.inner_text("#results [data-result]")
            assert any(name in text for name in (*names, "Needs review")), text
            page.wait_for_function("document.getElementById('other-results').hidden")
            if model is None:
                assert page.inner_text("#results [data-result] .verdict") == said_before


def teach_card_texts(page) -> dict[str, str]:
    return page.evaluate("""Object.fromEntries([...document.querySelectorAll('#teach-results [data-result]')].map(c =>
        [c.dataset.name, c.innerText + ' | menu: ' + (c.querySelector('select')?.selectedOptions[0]?.text ?? '')]))""")


def test_the_teacher_teaches_two_labels_reads_each_card_then_reloads_and_deletes_one(browser, server):
    from tests.test_teach_e2e import CLOTHING, examples
    from tools.browser import add_examples, add_label

    s = open_page(browser, server.url)
    page = s.page
    page.on("dialog", lambda d: d.accept())
    wait_ready(page)
    page.click("#mode-teach")
    for label in ("good part", "defective"):
        add_label(page, label)
    add_examples(page, "good part", examples("shoes", 5), timeout=60_000)
    add_examples(page, "defective", examples("hat", 5), timeout=60_000)
    tests = [p for label in ("shoes", "hat") for p in sorted((CLOTHING / "test" / label).glob("*.jpg"))[:3]]
    page.set_input_files("#upload", [str(p) for p in tests])
    page.wait_for_function("[...document.querySelectorAll('#teach-results [data-result]')].filter(e => "
                           "e.dataset.status === 'done').length === 6", timeout=90_000)
    texts = teach_card_texts(page)
    for name, text in texts.items():  # each card: its label by name (or review, and why), and how sure
        assert re.search(r"\| menu: (good part|defective|Needs review)$", text), (name, text)
        assert re.search(r"\d+% sure|Unsure|Unlike every label", text), (name, text)
        assert "review (" not in text and "None of these" not in text, (name, text)

    # The teacher's own page code sees the same set and the same unsure rule (window.snaptag.labels).
    got = page.evaluate("""async ([b64]) => { const set = await snaptag.labels.open('My labels');
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const p = await set.predictClass(new File([bytes], 'x.jpg', {type: 'image/jpeg'}));
        return {label: p.label, unsure: p.unsure, labels: Object.keys(p.confidences)}; }""",
                        [base64.b64encode(tests[0].read_bytes()).decode()])
    assert got["labels"] == ["good part", "defective"] and isinstance(got["unsure"], bool), got
    card = texts[tests[0].name]
    assert ("menu: good part" in card) == (got["label"] == "good part" and not got["unsure"]), (got, card)
    screen(page, "teach-labelled")

    reload(page)
    page.wait_for_function("document.querySelectorAll('#teach-results [data-result]').length === 6")
    assert teach_card_texts(page) == texts  # the same words after a reload
    was_defective = [name for name, text in texts.items() if text.endswith("menu: defective")]
    page.click('[data-label="defective"] [data-delete-label]')
    page.click('[data-label="defective"] [data-delete-label]')
    page.wait_for_function("!document.querySelector('[data-label=\"defective\"]')")
    assert page.is_visible("#teach-undo")
    page.wait_for_timeout(800)  # the cards follow a burst of changes once, after it
    after = teach_card_texts(page)
    for name in was_defective:  # not quietly refiled under "good part": flagged until Undo
        assert "Its label defective was deleted" in after[name] and after[name].endswith("menu: Needs review"), after
    screen(page, "teach-after-delete")
    page.click("#teach-undo")
    page.wait_for_selector('[data-label="defective"]')
    page.wait_for_function("""(names) => names.every((n) => document.querySelector(`#teach-results
        [data-result][data-name="${n}"] select`).selectedOptions[0].text === 'defective')""", arg=was_defective)
    assert not s.errors
    s.context.close()


def test_an_offline_copy_that_cannot_be_saved_is_said_and_tried_again(browser, tmp_path):
    """A new build whose file is not the one its service worker lists (a host that served a stale copy): the
    install fails, the page says so under the header, and the next try, once the file is right, offers it."""
    from tools.site import build_site

    dist = tmp_path / "dist"
    with cached_site(browser, dist) as s:
        page = s.page
        build_site(ROOT, dist, relabelled_model(tmp_path))
        meta = dist / "model" / "metadata.json"
        right = meta.read_bytes()
        meta.write_bytes(right.replace(b'"Snacks"', b'"Stale"'))  # not the file the new sw.js lists
        (dist / "model" / "metadata.json.br").unlink(missing_ok=True)
        (dist / "model" / "metadata.json.gz").unlink(missing_ok=True)
        reload(page)
        page.evaluate("window.snaptag.swReady.then(() => window.snaptag.checkForUpdate())")
        page.wait_for_function("document.documentElement.dataset.updateFailed === 'true'", timeout=60_000)
        said = page.inner_text("#update-failed")
        assert said.startswith("The new version could not be saved in this browser; trying again in 10 s"), said
        assert page.is_hidden("#update") and "Food & Drinks" in page.inner_text("#counts")  # the old build runs on
        screen(page, "update-failed")
        meta.write_bytes(right)
        page.wait_for_function("document.documentElement.dataset.update === 'ready'", timeout=60_000)
        assert page.is_hidden("#update-failed")
