"""`build.py bench`, teach mode: saving and restoring 200 examples, deleting one, 1,000 adds and deletes, and
the camera (Chromium's fake video device) with the main thread watched (tools/bench.py's PROBES)."""

from __future__ import annotations

import statistics
from pathlib import Path

from tools.browser import add_examples, add_label, wait_ready

CLOTHING = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "fewshot" / "clothing" / "train"
HEAP = "performance.memory.usedJSHeapSize"


def photos(n: int) -> list[str]:
    files = sorted(CLOTHING.rglob("*.jpg"))
    return [str(p) for p in (files * (n // len(files) + 1))[:n]]


def delete_times(page, name: str, n: int) -> list[float]:
    """Delete n examples of `name` one after another; ms from the click until the page shows it gone."""
    return page.evaluate("""async ([name, n]) => {
        const label = document.querySelector(`[data-label="${name}"]`);
        const out = [];
        for (let i = 0; i < n; i++) {
            const count = +label.dataset.examples;
            const t0 = performance.now();
            label.querySelector('[data-delete-example]').click();
            while (+label.dataset.examples === count) await new Promise((r) => setTimeout(r, 0));
            out.push(performance.now() - t0);
        }
        return out;
    }""", [name, n])


def worker_state(page) -> dict:
    page.evaluate("window.gc && window.gc()")
    info = page.evaluate("window.snaptag.client.info().then(r => r.info)")
    return {"tensors": info["numTensors"], "examples": info["examples"], "heap_mb": page.evaluate(HEAP) / 1e6}


def bench_teach(page, probes: str) -> dict:
    """`probes`: the page-side probes of tools/bench.py, installed again after the reloads here."""
    out: dict = {}
    page.evaluate("indexedDB.deleteDatabase('snaptag-labels:My labels')")
    page.reload()
    wait_ready(page)
    page.click("#mode-teach")
    add_label(page, "a")
    add_label(page, "b")
    add_examples(page, "a", photos(100))
    add_examples(page, "b", photos(200)[100:])
    times = []
    for _ in range(3):
        page.reload()
        wait_ready(page)
        times.append(page.evaluate("window.snaptag.teachRestoreMs"))
    out["restore_200_examples_ms_median"] = statistics.median(times)
    page.click("#mode-teach")
    deletes = delete_times(page, "b", 20)
    out["delete_one_example_ms_median"], out["delete_one_example_ms_max"] = statistics.median(deletes), max(deletes)

    before = worker_state(page)
    for _ in range(10):  # 1,000 adds and 1,000 deletes
        add_examples(page, "a", photos(100))
        delete_times(page, "a", 100)
    after = worker_state(page)
    out["churn_1000"] = {"before": before, "after": after}

    page.evaluate(probes)
    page.evaluate("() => { const b = window.__bench; b.maxGap = 0; b.longTasks = 0; b.watching = true; }")
    page.click("#camera-toggle")
    page.wait_for_function("+document.getElementById('camera-predictions').dataset.count >= 5", timeout=60_000)
    start = page.evaluate("[+document.getElementById('camera-predictions').dataset.count, performance.now()]")
    page.wait_for_timeout(5000)
    end = page.evaluate("[+document.getElementById('camera-predictions').dataset.count, performance.now()]")
    gap, long_tasks = page.evaluate("() => { window.__bench.watching = false; "
                                    "return [window.__bench.maxGap, window.__bench.longTasks]; }")
    page.click("#camera-toggle")
    out["camera_predictions_per_s"] = (end[0] - start[0]) / ((end[1] - start[1]) / 1000)
    out["camera_longest_main_thread_task_ms"], out["camera_long_tasks_over_50ms"] = gap, long_tasks
    return out
