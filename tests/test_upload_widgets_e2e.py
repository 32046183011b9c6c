"""snaptag in the upload widgets sites use, with the real widgets vendored into dist/, real Chromium, the real
model and real photos, posting to `serve`'s test endpoint: the Uppy plugin (app/page/uppy.js) on examples/uppy/
(@uppy/core, @uppy/dashboard, @uppy/xhr-upload), and the documented Dropzone and FilePond snippets on
examples/dropzone/ and examples/filepond/. On the Uppy page a visitor adds photos through the Dashboard (the
first before snaptag is ready), changes one category in the Dashboard's file card, and uploads: each photo
arrives as an upright JPEG of at most 1600 px without EXIF, with its category; a damaged file says why on the
file and is still sent."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.conftest import exif_rotated_jpeg, photos
from tests.test_journeys_e2e import screen
from tools.browser import open_page

PAGE = "examples/uppy/"
META = "Object.fromEntries(uppy.getFiles().map(f => [f.meta.name, f.meta]))"
ALL_SORTED = "(n) => uppy.getFiles().length === n && uppy.getFiles().every(f => f.meta.category)"


def add_files(page, paths: list[Path]) -> None:
    """What a visitor does: the Dashboard's "browse" (after "Add more" once it holds files), then the picker."""
    if page.locator(".uppy-DashboardContent-addMore").count():
        page.click(".uppy-DashboardContent-addMore")
    with page.expect_file_chooser() as chooser:
        page.click(".uppy-Dashboard-browse")
    chooser.value.set_files([str(p) for p in paths])


def open_uppy(browser, server):
    s = open_page(browser, server.url + PAGE)
    s.page.wait_for_function("window.uppy && document.querySelector('.uppy-Dashboard-browse')")
    s.page.evaluate("""() => {
      window.seen = [];
      for (const name of ['preprocess-progress', 'preprocess-complete', 'info-visible']) {
        uppy.on(name, (file) => seen.push([name, name === 'info-visible' ? uppy.getState().info.map(i => i.message)
          : file.meta.name]));
      }
    }""")
    return s


def sent(server, name: str) -> dict:
    """The last upload of the file posted as `name` (each Uppy upload posts one photo)."""
    return next(u for u in reversed(server.uploads) if u["photos"] and u["photos"][0]["filename"] == name)


def test_uppy_sorts_lets_the_visitor_change_a_category_and_posts_small_upright_jpegs(browser, server, tmp_path):
    s = open_uppy(browser, server)
    page = s.page
    first, *more = [p for p, _ in photos("test", 1)]
    add_files(page, [first])  # before snaptag is ready: it waits
    early = page.evaluate("""async () => ({
      ready: await Promise.race([snaptag.ready.then(() => true), new Promise((ok) => setTimeout(ok, 0, false))]),
      category: uppy.getFiles()[0].meta.category ?? null })""")
    assert early == {"ready": False, "category": None}
    page.wait_for_function(ALL_SORTED, arg=1, timeout=90_000)

    camera = tmp_path / "camera.jpg"
    camera.write_bytes(exif_rotated_jpeg())  # 12 MP, stored sideways with EXIF orientation 6 and GPS
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    add_files(page, [*more, camera, broken])
    page.wait_for_function(ALL_SORTED, arg=5, timeout=90_000)
    meta = page.evaluate(META)
    for path in [first, *more]:
        got = meta[path.name]
        assert got["categoryName"] and got["snaptagReason"] in ("", "unsure", "out_of_scope"), got
        assert 0 < got["snaptagProb"] <= 1
    assert sum(meta[p.name]["category"] == label for p, label in photos("test", 1)) >= 2, meta
    assert meta["broken.jpg"]["category"] == "review" and meta["broken.jpg"]["snaptagReason"] == "error"
    assert meta["broken.jpg"]["snaptagError"].startswith("not sorted: ")
    assert any(kind == "info-visible" and any("broken.jpg" in m for m in messages)
               for kind, messages in page.evaluate("seen")), page.evaluate("seen")

    # Every tile shows its photo's category, by name, in a menu the visitor can change there.
    tiles = page.evaluate("""Object.fromEntries(uppy.getFiles().map(f => { const box = document.querySelector(
        `#uppy_${CSS.escape(f.id)} .snaptag-uppy-tile`); return [f.meta.name, box && box.innerText]; }))""")
    for name, text in tiles.items():
        assert text is not None and meta[name]["categoryName"] in text, (name, text)
    second = more[0].name
    moved = "vibes" if meta[second]["category"] == "menu" else "menu"
    page.select_option(f'.uppy-Dashboard-Item:has([title="{second}"]) .snaptag-uppy-tile select', moved)
    page.wait_for_function(f"uppy.getFiles().find(f => f.meta.name === '{second}').meta.snaptagBy === 'visitor'")
    assert "Changed by you" in page.inner_text(f'.uppy-Dashboard-Item:has([title="{second}"]) .snaptag-uppy-tile')
    screen(page, "uppy-tiles")
    assert page.evaluate(META)[second]["snaptagModelCategory"] == meta[second]["category"]

    # The damaged file's card says why; the visitor moves the first photo to Menu in its card.
    page.click('.uppy-Dashboard-Item:has([title="broken.jpg"]) .uppy-Dashboard-Item-action--edit')
    assert page.inner_text(".snaptag-uppy-error").startswith("not sorted: ")
    page.click(".uppy-Dashboard-FileCard-actions button[type=button]")
    changed = "vibes" if meta[first.name]["category"] == "menu" else "menu"
    page.click(f'.uppy-Dashboard-Item:has([title="{first.name}"]) .uppy-Dashboard-Item-action--edit')
    page.select_option("#uppy-Dashboard-FileCard-input-category", changed)
    page.click(".uppy-Dashboard-FileCard-actions button[type=submit]")
    page.wait_for_function(f"uppy.getFiles().find(f => f.meta.name === '{first.name}').meta.category === '{changed}'")
    assert page.evaluate(META)[first.name]["categoryName"] == {"menu": "Menu", "vibes": "Vibes"}[changed]

    result = page.evaluate("uppy.upload().then(r => ({ok: r.successful.length, failed: r.failed.length}))")
    assert result == {"ok": 5, "failed": 0}
    up = sent(server, "camera.jpg")["photos"][0]
    assert (up["format"], up["width"], up["height"], up["exif"]) == ("jpeg", 1200, 1600, False)  # upright, ≤ 1600
    assert up["category"] == meta["camera.jpg"]["category"]
    assert sent(server, first.name)["photos"][0]["category"] == changed
    assert sent(server, first.name)["fields"]["categoryName"] == [{"menu": "Menu", "vibes": "Vibes"}[changed]]
    for path in more[1:]:
        assert sent(server, path.name)["photos"][0]["category"] == meta[path.name]["category"]
        assert sent(server, path.name)["fields"]["snaptagBy"] == ["model"]
    fields = sent(server, second)["fields"]  # who decided, and the model's own answer apart
    assert sent(server, second)["photos"][0]["category"] == moved and fields["snaptagBy"] == ["visitor"]
    assert fields["snaptagModelCategory"] == [meta[second]["category"]]
    assert fields["snaptagProb"] == [str(meta[second]["snaptagProb"])]
    assert sent(server, first.name)["fields"]["snaptagBy"] == ["visitor"]
    damaged = sent(server, "broken.jpg")  # sent as it was: the plugin never blocks an upload
    assert damaged["photos"][0]["bytes"] == broken.stat().st_size and damaged["fields"]["snaptagReason"] == ["error"]
    assert page.evaluate(META)["broken.jpg"]["snaptagError"].startswith("sent as it is, not shrunk: ")
    seen = page.evaluate("seen")
    for name in [first.name, *[p.name for p in more], "camera.jpg"]:
        assert ["preprocess-progress", name] in seen
        assert ["preprocess-complete", name.rsplit(".", 1)[0] + ".jpg"] in seen
    assert not s.errors
    s.context.close()


def test_uninstall_undoes_install(browser, server, tmp_path):
    s = open_uppy(browser, server)
    page = s.page
    page.evaluate("snaptag.ready")
    page.evaluate("""() => {
      const dashboard = uppy.getPlugin('Dashboard');
      window.Snaptag = uppy.getPlugin('Snaptag').constructor;
      window.fields = () => dashboard.getPluginState().metaFields;
      window.names = (file) => { const f = fields(); return (typeof f === 'function' ? f(file) : f).map(m => m.id); };
      uppy.removePlugin(uppy.getPlugin('Snaptag'));
      dashboard.setPluginState({ metaFields: [{ id: 'caption', name: 'Caption' }] });  // the host's own field
      uppy.use(Snaptag);
    }""")
    photo = photos("test", 1)[0][0]
    add_files(page, [photo])
    page.wait_for_function(ALL_SORTED, arg=1, timeout=90_000)
    assert page.evaluate("names(uppy.getFiles()[0])") == ["caption", "category"]

    page.evaluate("uppy.removePlugin(uppy.getPlugin('Snaptag'))")
    assert page.evaluate("fields()") == [{"id": "caption", "name": "Caption"}]
    copy = tmp_path / "not-sorted.jpg"
    copy.write_bytes(photo.read_bytes())
    add_files(page, [copy])
    page.wait_for_timeout(1_000)  # time enough to classify a photo, had anything still listened
    assert "category" not in page.evaluate(META)["not-sorted.jpg"]
    assert page.evaluate("uppy.upload().then(r => r.successful.length)") == 2
    assert sent(server, "not-sorted.jpg")["photos"][0]["bytes"] == copy.stat().st_size  # no preprocessor left
    assert not s.errors
    s.context.close()


def check_posted(server, shots: list[Path], camera: Path, categories: dict[str, str]) -> None:
    """Each photo posted once, as a JPEG of at most 1600 px without EXIF, with the category snaptag gave it; the
    12 MP camera photo upright (1200 x 1600)."""
    for path in [*shots, camera]:
        up = sent(server, path.stem + ".jpg")["photos"][0]
        assert up["format"] == "jpeg" and max(up["width"], up["height"]) <= 1600 and not up["exif"], up
        assert up["category"] == categories[path.name], (path.name, up, categories)
    up = sent(server, "camera.jpg")["photos"][0]
    assert (up["width"], up["height"]) == (1200, 1600)


def classified(page, paths: list[Path]) -> dict[str, str]:
    """What snaptag.classify says of each file, asked in the page (the same photos, read again)."""
    out = {}
    for path in paths:
        out[path.name] = page.evaluate("""async ([name, b64]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            return (await snaptag.classify(new File([bytes], name, {type: 'image/jpeg'}))).category; }""",
                                       [path.name, base64.b64encode(path.read_bytes()).decode()])
    return out


def open_widget(browser, server, url: str, ready: str, tmp_path: Path):
    """The example page at `url` once `ready` holds, three café photos and a 12 MP EXIF-rotated camera photo."""
    s = open_page(browser, server.url + url)
    s.page.wait_for_function(ready)
    camera = tmp_path / "camera.jpg"
    camera.write_bytes(exif_rotated_jpeg())
    return s, [p for p, _ in photos("test", 1)], camera


def shown_menus(page) -> list[str]:
    """Each photo's category as the visitor reads it: the chosen option of its menu, if visible."""
    return page.evaluate("[...document.querySelectorAll('select.snaptag-category')].filter(e => e.offsetParent "
                         "!== null && getComputedStyle(e).opacity !== '0').map(e => e.selectedOptions[0].text)")


def change_one(page, server, shots: list[Path], categories: dict[str, str]) -> tuple[str, str]:
    """The visitor changes the first photo's category in its menu: (its name, the category chosen)."""
    name = shots[0].name
    chosen = "vibes" if categories[name] == "menu" else "menu"
    page.select_option(f'select.snaptag-category[aria-label="Category for {name}"]', chosen)
    return name, chosen


def check_who_decided(server, shots: list[Path], camera: Path, categories: dict[str, str], changed: str) -> None:
    for path in [*shots, camera]:
        fields = sent(server, path.stem + ".jpg")["fields"]
        assert fields["snaptagModelCategory"] == [categories[path.name]], (path.name, fields)
        assert fields["snaptagBy"] == ["visitor" if path.name == changed else "model"], (path.name, fields)


def test_dropzone_holds_the_queue_until_the_visitor_sends_and_posts_their_choice(browser, server, tmp_path):
    s, shots, camera = open_widget(browser, server, "examples/dropzone/",
                                   "window.dropzone && document.querySelector('.dz-hidden-input')", tmp_path)
    page = s.page
    page.set_input_files(".dz-hidden-input", [str(p) for p in [*shots, camera]])  # before snaptag is ready
    page.wait_for_function("dropzone.files.length === 4 && !document.getElementById('send').disabled",
                           timeout=120_000)
    before = len(server.uploads)
    page.wait_for_timeout(500)
    assert len(server.uploads) == before and page.inner_text("#send") == "Send 4 photos"  # nothing went yet
    categories = classified(page, [*shots, camera])
    shown = shown_menus(page)
    assert len(shown) == 4 and all(shown), shown  # visible without hovering
    name, chosen = change_one(page, server, shots, categories)
    assert "changed by you" in page.inner_text(f'.dz-preview:has(select[aria-label="Category for {name}"])')
    screen(page, "dropzone-queue")
    page.click("#send")
    page.wait_for_function("dropzone.files.length === 4 && dropzone.files.every(f => f.status === 'success')",
                           timeout=120_000)
    check_posted(server, shots, camera, categories | {name: chosen})
    check_who_decided(server, shots, camera, categories, name)
    assert not s.errors
    s.context.close()


def test_filepond_shows_and_lets_the_visitor_change_each_category_then_posts_their_choice(browser, server,
                                                                                           tmp_path):
    s, shots, camera = open_widget(browser, server, "examples/filepond/",
                                   "window.pond && document.querySelector('.filepond--browser')", tmp_path)
    page = s.page
    page.set_input_files(".filepond--browser", [str(p) for p in [*shots, camera]])
    page.wait_for_function("pond.getFiles().length === 4 && pond.getFiles().every(f => f.getMetadata('category'))",
                           timeout=120_000)
    meta = page.evaluate("Object.fromEntries(pond.getFiles().map(f => [f.filename, f.getMetadata('category')]))")
    assert meta == classified(page, [*shots, camera])
    page.wait_for_function("[...document.querySelectorAll('select.snaptag-category')].filter(e => !e.disabled)"
                           ".length === 4")
    shown = shown_menus(page)
    assert len(shown) == 4 and all(s != "Sorting…" for s in shown), shown
    assert page.evaluate("[...document.querySelectorAll('.filepond--item img.snaptag-thumb')].filter(i => "
                         "i.complete && i.naturalWidth > 0).length") == 4
    name, chosen = change_one(page, server, shots, meta)
    screen(page, "filepond-items")
    page.evaluate("pond.processFiles()")
    page.wait_for_function("pond.getFiles().every(f => f.status === 5)", timeout=60_000)  # PROCESSING_COMPLETE
    check_posted(server, shots, camera, meta | {name: chosen})
    check_who_decided(server, shots, camera, meta, name)
    assert not s.errors
    s.context.close()
