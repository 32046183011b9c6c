"""The sorter keeps its work, in headless Chromium with the real model: results, overrides and thumbnails come
back after a reload; the same photo twice is recognised; remove, retry, clear all, filter by a count and group
by category."""

from __future__ import annotations

import re
import shutil

from tests.conftest import photos
from tools.browser import by_name, open_page, results, wait_ready, wait_settled

KEPT = ("name", "status", "category", "top", "prob", "overridden")


def reload(page) -> None:
    """Reload once every result is written (a write under way when the page closes is lost)."""
    page.wait_for_function("(document.documentElement.dataset.saving || '0') === '0'")
    page.reload()
    wait_ready(page)


def visible_names(page) -> set[str]:
    return set(page.evaluate("[...document.querySelectorAll('[data-result]')].filter(e => !e.hidden && "
                             "e.offsetParent !== null).map(e => e.dataset.name)"))


def test_results_overrides_and_thumbnails_survive_a_reload(browser, server, tmp_path):
    s = open_page(browser, server.url)
    page = s.page
    wait_ready(page)
    shots = photos("test", 1)
    page.set_input_files("#upload", [str(p) for p, _ in shots])
    assert all(c["status"] == "done" for c in wait_settled(page, len(shots))), results(page)
    changed = shots[1][0].name
    page.locator(f'[data-result][data-name="{changed}"] select').select_option("review")
    before = {r["name"]: {k: r.get(k) for k in KEPT} for r in results(page)}
    assert before[changed]["overridden"] == "true"
    assert "overridden" in page.get_attribute(f'[data-result][data-name="{changed}"]', "class")

    reload(page)
    page.wait_for_function(f"document.querySelectorAll('[data-result]').length === {len(shots)}")
    after = {r["name"]: {k: r.get(k) for k in KEPT} for r in results(page)}
    assert after == before
    assert page.evaluate("[...document.querySelectorAll('[data-result] .thumb img')].every(i => i.complete && "
                         "i.naturalWidth > 0)")
    assert page.evaluate("document.querySelectorAll('[data-result] .thumb img').length") == len(shots)
    assert "from your last visit" in page.inner_text("#saved-status")
    assert page.evaluate("+document.querySelector('[data-count=\"review\"] b').textContent") == \
        sum(r["category"] == "review" for r in after.values())

    # The same photo under another name is recognised by its bytes: a card that points at the first, not a
    # second count.
    again = tmp_path / "copy-of-a-photo.jpg"
    shutil.copy(shots[1][0], again)
    counts = page.evaluate("[...document.querySelectorAll('[data-count] b')].map(b => b.textContent)")
    page.set_input_files("#upload", [str(again)])
    wait_settled(page, len(shots) + 1)
    card = by_name(page)["copy-of-a-photo.jpg"]
    assert card["status"] == "done" and card["duplicateOf"]
    assert card["category"] == "review"  # it takes the override of the first
    assert page.evaluate("[...document.querySelectorAll('[data-count] b')].map(b => b.textContent)") == counts
    assert not s.errors
    s.context.close()


def test_remove_retry_filter_group_and_clear_all(browser, server):
    s = open_page(browser, server.url)
    page = s.page
    page.on("dialog", lambda d: d.accept())
    wait_ready(page)
    shots = photos("test", 1)
    # The first classification fails once (as a worker hiccup would): its card offers Retry.
    page.evaluate("""() => {
        const client = window.snaptag.client;
        const real = client.classify.bind(client);
        let failed = false;
        client.classify = (...args) => {
            if (failed) return real(...args);
            failed = true;
            return Promise.reject(Object.assign(new Error('a hiccup'), {code: 'internal'}));
        };
    }""")
    page.set_input_files("#upload", [str(p) for p, _ in shots])
    cards = wait_settled(page, len(shots))
    failed = [c for c in cards if c["status"] == "error"]
    assert len(failed) == 1 and "a hiccup" in failed[0]["error"]
    page.click(f'[data-result][data-name="{failed[0]["name"]}"] [data-retry]')
    assert all(c["status"] == "done" for c in wait_settled(page, len(shots)))
    assert page.locator("[data-retry]:visible").count() == 0

    removed = shots[0][0].name
    page.click(f'[data-result][data-name="{removed}"] [data-remove]')
    left = {p.name: label for p, label in shots if p.name != removed}
    assert set(by_name(page)) == set(left)

    category = by_name(page)[shots[1][0].name]["category"]
    page.click(f'[data-filter="{category}"]')
    assert visible_names(page) == {n for n, c in by_name(page).items() if c["category"] == category}
    page.click(f'[data-filter="{category}"]')
    assert visible_names(page) == set(left)

    page.check("#group-by-category")
    page.wait_for_function("!('layingOut' in document.getElementById('results').dataset)")
    grouped = page.evaluate("Object.fromEntries([...document.querySelectorAll('[data-group]')].map(g => "
                            "[g.dataset.group, [...g.querySelectorAll('[data-result]')].map(e => e.dataset.name)]))")
    for name, card in by_name(page).items():
        assert name in grouped[card["category"]]
    assert visible_names(page) == set(left)

    reload(page)
    page.wait_for_function(f"document.querySelectorAll('[data-result]').length === {len(left)}")
    assert set(by_name(page)) == set(left)  # the removed one stays removed
    page.click("#clear-all")
    assert results(page) == []
    reload(page)  # `ready` comes after the kept results are restored: none are
    assert results(page) == [] and page.inner_text("#saved-status") == ""
    assert not s.errors
    s.context.close()


def test_download_sorted_gives_the_originals_in_a_folder_per_category_and_lists_what_it_lacks(browser, server,
                                                                                             tmp_path):
    import csv
    import io
    import zipfile

    s = open_page(browser, server.url)
    page = s.page
    wait_ready(page)
    shots = photos("test", 1)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    twin_a, twin_b = tmp_path / "a" / "same name.jpg", tmp_path / "b" / "same name.jpg"  # two photos, one name
    more = [p for p, _ in photos("test", 2) if p not in {q for q, _ in shots}]
    shutil.copy(more[0], twin_a)
    shutil.copy(more[1], twin_b)
    broken = tmp_path / "notes.jpg"
    broken.write_bytes(b"not a photo at all")
    files = [p for p, _ in shots] + [twin_a, twin_b, broken]
    page.set_input_files("#upload", [str(p) for p in files])
    settled = wait_settled(page, len(files))
    for n in (0, 1):  # both twins to Menu: one folder, two files of the same name
        page.locator('[data-result][data-name="same name.jpg"] select').nth(n).select_option("menu")
    names = page.evaluate("Object.fromEntries(['food_and_drinks', 'menu', 'vibes', 'review'].map(c => [c, "
                          "document.querySelector(`[data-count=\"${c}\"] button`).firstChild.textContent.trim()]))")
    with page.expect_download() as waiting:
        page.click("#download-sorted")
    assert waiting.value.suggested_filename == "snaptag-sorted.zip"
    with zipfile.ZipFile(waiting.value.path()) as zf:
        members = set(zf.namelist())
        assert members == {"index.csv", "index.json", "snaptag-corrections.json",  # the two moves to Menu
                           "Menu/same name.jpg", "Menu/same name (2).jpg",
                           "Not sorted/notes.jpg", *(f"{names[by_name(page)[p.name]['category']]}/{p.name}"
                                                    for p, _ in shots)}, members
        for path, _ in shots:
            assert zf.read(f"{names[by_name(page)[path.name]['category']]}/{path.name}") == path.read_bytes()
        assert {zf.read("Menu/same name.jpg"), zf.read("Menu/same name (2).jpg")} == {twin_a.read_bytes(),
                                                                                      twin_b.read_bytes()}
        index = list(csv.DictReader(io.StringIO(zf.read("index.csv").decode())))
    assert sorted(r["path"] for r in index) == sorted(members - {"index.csv", "index.json",
                                                                 "snaptag-corrections.json"})
    assert len(settled) == len(index) and all(not r["not_included"] for r in index)
    folders = len({m.split("/")[0] for m in members if "/" in m})
    assert page.inner_text("#export-status") == f"Downloaded {len(files)} photos in {folders} folders."

    reload(page)  # the results come back, the photos themselves do not: the zip says so
    page.wait_for_function(f"document.querySelectorAll('[data-result]').length === {len(files) - 1}")
    with page.expect_download() as waiting:
        page.click("#download-sorted")
    with zipfile.ZipFile(waiting.value.path()) as zf:
        assert set(zf.namelist()) == {"index.csv", "index.json", "snaptag-corrections.json"}
        index = list(csv.DictReader(io.StringIO(zf.read("index.csv").decode())))
    assert len(index) == len(files) - 1 and all(r["path"] == "" and "no longer has" in r["not_included"]
                                                for r in index)
    status = page.inner_text("#export-status")
    assert status.startswith(f"Downloaded 0 photos in 0 folders; {len(files) - 1} not included (the page no "
                             "longer has this photo"), status
    assert not s.errors
    s.context.close()


def test_download_sorted_beyond_the_limit_gives_several_zips_that_make_one_tree(browser, server, tmp_path):
    import zipfile

    s = open_page(browser, server.url)
    page = s.page
    wait_ready(page)
    shots = [p for p, _ in photos("test", 2)]
    page.set_input_files("#upload", [str(p) for p in shots])
    wait_settled(page, len(shots))
    limit = sorted(p.stat().st_size for p in shots)[-2] * 2  # a few photos per zip, never all of them
    page.evaluate(f"document.getElementById('download-sorted').dataset.partBytes = '{limit}'")
    zips = []

    def arrived(download) -> None:  # playwright takes a Python function here, not a bound builtin
        zips.append(download)

    page.on("download", arrived)
    page.click("#download-sorted")
    page.wait_for_function("document.getElementById('export-status').textContent.startsWith('Downloaded')")
    said = re.search(r"as (\d+) zips", page.inner_text("#export-status"))
    assert said, page.inner_text("#export-status")
    count = int(said.group(1))
    assert count >= 2
    for _ in range(100):  # each zip's download event reaches us after the page has started it
        if len(zips) == count:
            break
        page.wait_for_timeout(100)
    names = [d.suggested_filename for d in zips]
    assert names == [f"snaptag-sorted-{i}-of-{count}.zip" for i in range(1, count + 1)]
    tree: dict[str, bytes] = {}
    for n, d in enumerate(zips):
        with zipfile.ZipFile(d.path()) as zf:
            members = zf.namelist()
            assert ({"index.csv", "index.json"} <= set(members)) == (n == 0)  # the index goes in the first
            photos_in = [m for m in members if "/" in m]
            assert sum(zf.getinfo(m).file_size for m in photos_in) <= limit or len(photos_in) == 1
            assert not set(members) & set(tree)
            tree.update({m: zf.read(m) for m in members})
    assert sorted(v for k, v in tree.items() if "/" in k) == sorted(p.read_bytes() for p in shots)
    assert page.inner_text("#export-status") == (f"Downloaded {len(shots)} photos in "
                                                 f"{len({k.split('/')[0] for k in tree if '/' in k})} folders, as "
                                                 f"{count} zips (extract them into one folder).")
    assert not s.errors
    s.context.close()
