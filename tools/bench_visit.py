"""`bench` fields `first_visit`: what a new visitor's first page load costs, counted by `serve` (what it sent,
precompressed or not) in a fresh browser context: bytes on the wire, the same files decoded, what a host that
gzips every response on the fly would send, and the time from navigation to the first photo's category (the
photo is added as soon as the page exists, before anything has loaded); and `startup_card_ms`: how long a photo
added during start-up waits for its card, added at moments from navigation until the page is ready."""

from __future__ import annotations

import gzip
import time
import urllib.parse
from functools import cache
from pathlib import Path

from tools.browser import open_page

FIRST_CATEGORY = ("(() => { const c = document.querySelector('[data-result][data-status=done][data-category]'); "
                  "return c ? performance.now() : 0; })()")


@cache
def _gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 6))


def settled(server, quiet_s: float = 1.5, limit_s: float = 60.0) -> None:
    """Until the server has sent nothing for `quiet_s` (the offline cache's install included)."""
    end, seen, since = time.monotonic() + limit_s, -1, time.monotonic()
    while time.monotonic() < end:
        if len(server.sent) != seen:
            seen, since = len(server.sent), time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
        time.sleep(0.1)


def _totals(sent: list[tuple[str, int, int]], dist: Path, prefix: str) -> dict:
    gz = 0
    for path, wire, _ in sent:
        local = dist / urllib.parse.unquote(urllib.parse.urlsplit(path).path)[len(prefix):]
        gz += _gzip_size(local) if local.is_file() else wire
    return {"responses": len(sent), "bytes_wire": sum(w for _, w, _ in sent),
            "bytes_raw": sum(r for _, _, r in sent), "bytes_if_host_gzips": gz}


# A visitor's line, for `first_visit_20mbit` (Chromium's own throttling, page and workers): loopback measures
# only the CPU, which is what a first visit costs here; a real network adds the bytes.
LINE_20MBIT = {"offline": False, "latency": 20, "downloadThroughput": 20e6 / 8, "uploadThroughput": 5e6 / 8}


def bench_first_visit(browser, server, dist: Path, photo: Path, line: dict | None = None) -> dict:
    server.sent.clear()
    s = open_page(browser, "about:blank")
    if line:
        cdp = s.context.new_cdp_session(s.page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", line)
    s.page.goto(server.url, wait_until="commit")
    s.page.wait_for_function("window.snaptag && window.snaptag.inbox", polling=20)  # boot.js listens
    s.page.set_input_files("#upload", [str(photo)])
    first_ms = s.page.wait_for_function(FIRST_CATEGORY, timeout=180_000, polling=20).json_value()
    page_only = list(server.sent)
    cached = s.page.evaluate("""() => Promise.race([new Promise((ok) => setTimeout(ok, 60000, false)),
      window.snaptag.swReady.then(() => navigator.serviceWorker.ready).then(() => true)])""")
    settled(server)
    result = {"to_first_category_ms": first_ms, "until_first_category": _totals(page_only, dist, server.prefix),
              "with_offline_cache": _totals(list(server.sent), dist, server.prefix), "offline_cache_ready": cached}
    s.context.close()
    return result


# A start's probes (tests/test_startup.py too): its long tasks, and when the first photo added got a card.
START_PROBES = """
window.__start = {tasks: [], addedAt: null, cardAt: null};
new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__start.tasks.push(
    [Math.round(e.startTime), Math.round(e.duration)]))).observe({type: 'longtask', buffered: true});
document.addEventListener('change', () => { window.__start.addedAt ??= performance.now(); }, true);
document.addEventListener('drop', () => { window.__start.addedAt ??= performance.now(); }, true);
new MutationObserver(() => {
    if (window.__start.addedAt !== null && window.__start.cardAt === null &&
        document.querySelector('[data-result]')) window.__start.cardAt = performance.now();
}).observe(document, {subtree: true, childList: true});
"""
# A photo dropped on the page at `at` ms after navigation, from inside the page (a timer: it runs as late as the
# main thread lets it, as a visitor's drop would be handled late; Playwright's own file setting added up to 0.9 s
# of its own during a warm start, with no long task in the page).
DROP_AT = """
((at, b64) => {
    const drop = () => {
        if (!window.snaptag?.inbox) return setTimeout(drop, 5); // the page's script is not up yet: then
        window.__start.plannedAt = Math.max(at, window.__start.bootAt ??= performance.now());
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], 'dropped.jpg', {type: 'image/jpeg'}));
        document.body.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
    };
    setTimeout(drop, Math.max(0, at - performance.now()));
})(%d, %s);
"""
ADD_AT_MS = (100, 300, 600, 1000, 1500, 2000, 3000)  # after navigation (a start here takes 2-5 s)


def bench_startup_cards(browser, url: str, photo: Path) -> dict:
    """Per moment of ADD_AT_MS, cold (a fresh profile: the first visit's warm-up worker) and warm (a reload):
    ms from the moment a photo is dropped (as planned: the main thread may only get to it later) to its card,
    for the moments when the page is still loading then."""
    import base64
    import json

    out: dict = {"cold": {}, "warm": {}}
    b64 = json.dumps(base64.b64encode(photo.read_bytes()).decode())
    for kind, times in out.items():
        for at in ADD_AT_MS:
            s = open_page(browser, "about:blank")
            s.page.add_init_script(START_PROBES)
            if kind == "warm":
                s.page.goto(url)
                s.page.wait_for_function("document.documentElement.dataset.snaptag !== 'loading'", timeout=180_000)
                s.page.evaluate("window.snaptag.swReady")
                s.page.goto("about:blank")
            s.page.add_init_script(DROP_AT % (at, b64))
            s.page.goto(url, wait_until="commit")
            s.page.wait_for_function("window.__start.cardAt !== null", timeout=60_000, polling=50)
            got = s.page.evaluate("[window.__start.cardAt - window.__start.plannedAt, "
                                  "document.documentElement.dataset.snaptag]")
            if got[1] == "loading" or at <= 100:
                times[str(at)] = got[0]
            s.context.close()
    every = [v for kind in out.values() for v in kind.values()]
    out["max"] = max(every, default=None)
    return out
