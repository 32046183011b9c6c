"""`build.py bench`: measure the built site in headless Chromium (numbers go to a JSON file and docs/)."""

from __future__ import annotations

import base64
import json
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from app.logic.errors import UserError
from tools.bench_labels import bench_label_sets
from tools.bench_teach import CLOTHING, bench_teach
from tools.bench_visit import LINE_20MBIT, bench_first_visit, bench_startup_cards
from tools.browser import fake_camera_args, launch, open_page, wait_ready, write_y4m
from tools.scale import correct_one, filter_and_group, seed_labels, seed_results
from tools.serve import serving
from tools.site import build_site

CAFE_TEST = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "cafe" / "test"

# Page-side probes: when each card settles, when an upload starts, and the longest gap in a 1 ms timer loop
# (a busy main thread delays the timer: the gap is the longest task, also below the 50 ms Long Tasks cut-off).
PROBES = """() => {
  const b = (window.__bench = {doneAt: {}, uploadAt: 0, maxGap: 0, lastTick: 0, longTasks: 0, watching: false});
  document.getElementById('upload').addEventListener('change', () => { b.uploadAt = performance.now(); }, true);
  new MutationObserver((records) => {
    for (const r of records) {
      const e = r.target;
      if (e.dataset && ['done', 'error'].includes(e.dataset.status) && !(e.dataset.id in b.doneAt))
        b.doneAt[e.dataset.id] = performance.now();
    }
  }).observe(document.getElementById('results'), {subtree: true, attributes: true, attributeFilter: ['data-status']});
  new PerformanceObserver((l) => { if (b.watching) b.longTasks += l.getEntries().length; }).observe({type: 'longtask'});
  const tick = () => {
    const now = performance.now();
    if (b.watching && b.lastTick) b.maxGap = Math.max(b.maxGap, now - b.lastTick);
    b.lastTick = now;
    setTimeout(tick, 1);
  };
  tick();
}"""


# From navigation to `ready`: the longest main-thread task (Long Tasks API, so 0 when none passed 50 ms).
START_TASKS = """window.__startTasks = [];
new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__startTasks.push([e.startTime, e.duration])))
    .observe({type: 'longtask', buffered: true});"""
LONGEST_START_TASK = "Math.max(0, ...window.__startTasks.map(([, d]) => d))"
LONGEST_BEFORE_READY = ("Math.max(0, ...window.__startTasks.filter(([t]) => t < window.snaptag.readyAt)"
                        ".map(([, d]) => d))")


def bench_scale(browser, url: str, meta: dict) -> dict:
    """2,000 and 10,000 saved results: reload until shown, then filter and group (longest main-thread task of each
    step); with 2,000, one card corrected (the longest task until all 2,000 have followed the correction);
    1,000 labels with 5,000 examples: teach mode's restore after a reload. Each in a fresh browser context."""
    categories = [c["id"] for c in meta["classes"] if c.get("in_scope", True)]
    dim = int(meta["outputs"]["embedding"])
    out = {}
    for kind, n in (("results", 2000), ("results", 10000), ("labels", 1000)):
        s = open_page(browser, url)
        wait_ready(s.page)
        if kind == "results":
            seed_results(s.page, n, meta["model_id"], categories, dim if n == 2000 else 0)
        else:
            seed_labels(s.page, n, 5 * n, dim, meta["model_id"])
        s.page.add_init_script(START_TASKS)
        started = time.perf_counter()
        s.page.reload()
        wait_ready(s.page, timeout=600_000)
        if kind == "results":
            s.page.wait_for_function(f"document.querySelectorAll('#results [data-result]').length === {n}",
                                     timeout=600_000, polling=500)
            out[f"results_{n}_reload_s"] = round(time.perf_counter() - started, 1)
            s.page.wait_for_timeout(500)
            out[f"results_{n}_reload_longest_task_ms"] = s.page.evaluate(LONGEST_START_TASK)
            out[f"results_{n}_filter_group_tasks_ms"] = filter_and_group(s.page, categories[0])["tasks_ms"]
            if n == 2000:
                out["results_2000_correct_one_longest_task_ms"] = correct_one(s.page, categories[-1])
        else:
            out["labels_1000_examples_5000_restore_ms"] = s.page.evaluate("window.snaptag.teachRestoreMs")
            out["labels_1000_examples_5000_longest_task_ms"] = s.page.evaluate(LONGEST_START_TASK)
        s.context.close()
    return out


class BenchError(UserError, RuntimeError):
    pass


def photos(n: int) -> list[Path]:
    if not CAFE_TEST.is_dir():
        raise BenchError(f"bench photos not found in {CAFE_TEST}")
    files = sorted(CAFE_TEST.rglob("*.jpg"))
    return (files * (n // len(files) + 1))[:n]


def big_photo(folder: Path) -> Path:
    """A 4000x3000 (12 MP) JPEG, like a phone camera's."""
    src = Image.open(photos(1)[0]).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    path = folder / "photo_12mp.jpg"
    src.save(path, quality=92)
    return path


def upload_and_time(page, files: list[Path]) -> float:
    """Add files at once; return the ms from the upload until every card has settled."""
    page.evaluate("() => { window.__bench.doneAt = {}; }")
    before = page.evaluate("document.querySelectorAll('[data-result]').length")
    page.set_input_files("#upload", [str(f) for f in files])
    page.wait_for_function(f"Object.keys(window.__bench.doneAt).length >= {len(files)}", timeout=300_000)
    start, done = page.evaluate("[window.__bench.uploadAt, Object.values(window.__bench.doneAt)]")
    after = page.evaluate("document.querySelectorAll('[data-result]').length")
    if after - before != len(files):
        raise BenchError("not every photo got a card")
    return max(done) - start


def infer_times(page, path: Path, runs: int) -> list[float]:
    b64 = base64.b64encode(path.read_bytes()).decode()
    return page.evaluate("""async ([b64, runs]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const blob = new Blob([bytes], {type: 'image/jpeg'});
        const out = [];
        for (let i = 0; i < runs; i++) out.push((await window.snaptag.client.classify(blob)).inferMs);
        return out;
    }""", [b64, runs])


def resize_times(page, path: Path, runs: int) -> list[float]:
    """ms for window.snaptag.resize(photo, {maxSide: 1600}), each run."""
    b64 = base64.b64encode(path.read_bytes()).decode()
    return page.evaluate("""async ([b64, runs]) => {
        const blob = new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], {type: 'image/jpeg'});
        const out = [];
        for (let i = 0; i < runs; i++) {
            const t0 = performance.now();
            await window.snaptag.resize(blob, {maxSide: 1600});
            out.push(performance.now() - t0);
        }
        return out;
    }""", [b64, runs])


def bench(root: Path, out: Path, model: Path | None = None) -> dict:
    """`model`: bench another exported model (built into a temporary site; dist/ is left alone)."""
    with tempfile.TemporaryDirectory() as tmp:
        dist = Path(tmp) / "dist" if model else root / "dist"
        build_site(root, dist, model)
        return _bench(dist, out, Path(tmp))


def _bench(dist: Path, out: Path, tmp: Path) -> dict:
    from playwright.sync_api import sync_playwright

    meta = json.loads((dist / "model" / "metadata.json").read_text())
    result: dict = {"arch": meta.get("arch"), "model_bytes": meta["model_bytes"],
                    "weights_bytes": meta["weights_bytes"]}
    camera = write_y4m(sorted(CLOTHING.rglob("*.jpg"))[0], tmp / "camera.y4m")
    with serving(dist) as server, sync_playwright() as pw:
        browser = launch(pw, (*fake_camera_args(camera), "--js-flags=--expose-gc"))
        result["first_visit"] = bench_first_visit(browser, server, dist, photos(1)[0])
        result["first_visit_20mbit"] = bench_first_visit(browser, server, dist, photos(1)[0], LINE_20MBIT)
        result["startup_card_ms"] = bench_startup_cards(browser, server.url, photos(1)[0])
        s = open_page(browser, "about:blank")
        s.page.add_init_script(START_TASKS)
        s.page.goto(server.url)
        wait_ready(s.page)
        result["cold_start_ms"] = s.page.evaluate("window.snaptag.readyAt")
        result["cold_start_longest_task_ms"] = s.page.evaluate(LONGEST_BEFORE_READY)
        s.page.evaluate("navigator.serviceWorker.ready")
        time.sleep(1.0)  # let the service worker finish precaching before the warm start
        warm, warm_tasks = [], []
        for _ in range(3):
            s.page.reload()
            wait_ready(s.page)
            warm.append(s.page.evaluate("window.snaptag.readyAt"))
            warm_tasks.append(s.page.evaluate(LONGEST_BEFORE_READY))
        result["warm_start_ms"] = statistics.median(warm)
        result["warm_start_longest_task_ms"] = max(warm_tasks)
        s.page.evaluate(PROBES)
        result["first_result_ms"] = upload_and_time(s.page, photos(1))
        info = s.page.evaluate("window.snaptag.client.info().then(r => r.info)")
        result |= {"backend": info["backend"], "simd": info["simd"], "threads": info["threads"]}
        infer = infer_times(s.page, photos(1)[0], 105)[5:]
        result["infer_ms_median"] = statistics.median(infer)
        big = big_photo(tmp)
        result["photo_12mp_ms_median"] = statistics.median(upload_and_time(s.page, [big]) for _ in range(5))
        result["resize_12mp_to_1600_ms_median"] = statistics.median(resize_times(s.page, big, 5))
        s.page.evaluate("() => { const b = window.__bench; b.maxGap = 0; b.longTasks = 0; b.watching = true; }")
        upload_and_time(s.page, photos(20))
        gap, long_tasks = s.page.evaluate("() => { window.__bench.watching = false; "
                                          "return [window.__bench.maxGap, window.__bench.longTasks]; }")
        result["longest_main_thread_task_ms"] = gap
        result["long_tasks_over_50ms"] = long_tasks
        total_ms = upload_and_time(s.page, photos(50))
        result["batch50_photos_per_s"] = 50 / (total_ms / 1000)
        result["teach"] = bench_teach(s.page, PROBES)
        result["scale"] = bench_scale(browser, server.url, meta)
        result["label_sets"] = bench_label_sets(browser, server.url, meta, PROBES)
        s.context.close()
        browser.close()
    result = json.loads(json.dumps(result), parse_float=lambda v: round(float(v), 2))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return result
