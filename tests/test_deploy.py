"""Deployment in headless Chromium: the page under a strict Content-Security-Policy, with and without
cross-origin isolation (what `serve` sends and docs/deploy.md gives for static hosts)."""

from __future__ import annotations

import pytest

from tests.conftest import photos
from tools.browser import add_examples, add_label, wait_ready, wait_settled
from tools.serve import CSP, serving

VIOLATIONS = ("window.__violations = [];"
              "document.addEventListener('securitypolicyviolation', (e) => window.__violations.push("
              "`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile || ''}:${e.lineNumber}`));")
CACHED = """async () => {  // the paths in this build's offline cache
    const keys = (await caches.keys()).filter(k => k.startsWith('snaptag-'));
    return (await (await caches.open(keys[0])).keys()).map(r => new URL(r.url).pathname);
}"""
ISOLATED = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}


@pytest.mark.parametrize("isolated", [False, True], ids=["plain", "cross-origin-isolated"])
def test_the_page_works_under_a_strict_csp(browser, dist, isolated: bool):
    headers = {"Content-Security-Policy": CSP, **(ISOLATED if isolated else {})}
    with serving(dist, headers=headers) as srv:
        context = browser.new_context()
        context.add_init_script(VIOLATIONS)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(srv.url)
        wait_ready(page)
        shots = photos("test", 1)
        page.set_input_files("#upload", [str(p) for p, _ in shots])
        assert all(r["status"] == "done" for r in wait_settled(page, len(shots)))
        page.click("#mode-teach")
        add_label(page, "menus")
        add_examples(page, "menus", [photos("test", 1)[1][0]], timeout=60_000)
        page.wait_for_selector("[data-example] img")
        info = page.evaluate("window.snaptag.client.info().then(r => r.info)")
        assert info["crossOriginIsolated"] is isolated and info["threads"] == 1
        assert page.evaluate("getComputedStyle(document.querySelector('.dropzone')).borderStyle") == "dashed"
        assert page.evaluate("window.__violations") == [] and not errors
        context.close()


WASM = "vendor/tfjs/tfjs-backend-wasm-simd.wasm"
WASM_MARK = b"\x00\x09\x07snaptagB"  # a WebAssembly custom section named "snaptag" holding "B": still valid


def markers(page) -> tuple[str | None, str | None, str | None]:
    """The build markers that index.html, app/main.py and a .wasm carry: all equal when the page is one build."""
    wait_ready(page)
    page.wait_for_timeout(300)  # main.py's last line runs just after `ready`
    return tuple(page.evaluate(f"""async () => [document.documentElement.dataset.marker ?? null,
        document.documentElement.dataset.pyMarker ?? null,
        new Uint8Array(await (await fetch('{WASM}')).arrayBuffer()).at(-1) === 66 ? 'B' : null]"""))


def test_an_update_behind_a_caching_cdn_never_mixes_two_builds(browser, dist, tmp_path):
    import shutil

    from tools.site import digests, write_service_worker

    site = tmp_path / "site"
    shutil.copytree(dist, site)
    headers = {"Cache-Control": "public, max-age=3600", "Content-Security-Policy": CSP}
    with serving(site, headers=headers) as srv:
        context = browser.new_context()
        page = context.new_page()
        page.goto(srv.url)
        assert markers(page) == (None, None, None)
        page.evaluate("""async () => {
            const reg = await window.snaptag.swReady;
            for (let i = 0; i < 300 && reg.active?.state !== 'activated'; i++)
                await new Promise(r => setTimeout(r, 100));
        }""")
        page.reload()
        assert markers(page) == (None, None, None)

        index = site / "index.html"  # build B: index.html, app/main.py and a .wasm change
        index.write_text(index.read_text().replace('data-snaptag="loading"', 'data-snaptag="loading" data-marker="B"'))
        main = site / "app" / "main.py"
        main.write_text(main.read_text() + '\ndocument.documentElement.dataset.pyMarker = "B"\n')
        wasm = site / WASM  # a .wasm comes through the HTTP cache when unchanged (sw.js): a changed one must not
        wasm.write_bytes(wasm.read_bytes() + WASM_MARK)
        rels = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file() and p.name != "sw.js"]
        write_service_worker(site, digests(site, rels))

        page.evaluate("window.snaptag.checkForUpdate()")
        page.wait_for_function("document.documentElement.dataset.update === 'ready'", timeout=60_000)
        assert page.is_visible("#update-reload")
        for _ in range(2):  # the open page keeps its build until the user switches
            page.reload()
            assert markers(page) == (None, None, None)
        page.wait_for_function("document.documentElement.dataset.update === 'ready'", timeout=60_000)
        other = context.new_page()  # a second tab of the old build: it switches with the first, never mixes
        other.goto(srv.url)
        assert markers(other) == (None, None, None)
        with page.expect_navigation(), other.expect_navigation():
            page.click("#update-reload")
        assert markers(page) == ("B", "B", "B")  # the new build, every file of it (max-age notwithstanding)
        assert markers(other) == ("B", "B", "B")
        page.reload()
        assert markers(page) == ("B", "B", "B")
        context.close()


def test_a_first_visit_downloads_each_file_once_compressed_and_only_what_the_app_loads(browser, dist):
    from tools.bench_visit import settled
    from tools.browser import open_page

    with serving(dist) as srv:
        s = open_page(browser, srv.url)
        wait_ready(s.page)
        s.page.evaluate("""async () => {
            const reg = await window.snaptag.swReady;
            for (let i = 0; i < 300 && reg.active?.state !== 'activated'; i++)
                await new Promise(r => setTimeout(r, 100));
        }""")
        settled(srv)  # the offline cache's install included
        paths = [path for path, _, _ in srv.sent]
        assert len(paths) == len(set(paths)), sorted(p for p in paths if paths.count(p) > 1)  # nothing twice
        assert not [p for p in paths if p.startswith(("/examples/", "/vendor/uppy/"))
                    or p.endswith(("/tfjs-backend-wasm.wasm", "/uppy.js"))], paths  # what the app never loads
        sizes = {path: (wire, raw) for path, wire, raw in srv.sent}
        for big in ("/pyodide/pyodide.asm.wasm", "/model/group1-shard1of1.bin", "/pyodide/pyodide.asm.mjs"):
            assert sizes[big][0] < 0.8 * sizes[big][1], big  # sent precompressed
        wire, raw = sum(w for w, _ in sizes.values()), sum(r for _, r in sizes.values())
        assert wire < 0.5 * raw, (wire, raw)
        cached = s.page.evaluate(CACHED)
        assert "/pyodide/pyodide.asm.wasm" in cached and "/examples/uppy/index.html" not in cached
        s.page.goto(srv.url + "examples/uppy/")  # a lazy file is cached when first used, if it is this build's
        s.page.wait_for_function("window.uppy")
        for _ in range(100):
            if "/vendor/uppy/uppy.min.js" in s.page.evaluate(CACHED):
                break
            s.page.wait_for_timeout(100)
        else:
            raise AssertionError("the Uppy bundle was not cached when the example page used it")
        s.context.close()
