"""`build.py bench`, label sets (the host API, app/labels.py) at scale: 5,000 examples over 20 labels against 50,
on the example host page. Opening after a reload, predictClass, deleting one example, memory over add/delete
churn; and teach mode's camera (Chromium's fake video device) over the big set, with the main thread watched."""

from __future__ import annotations

import base64

from tools.bench_teach import CLOTHING
from tools.browser import open_page, wait_ready
from tools.scale import LONGEST_TASK, WATCH_TASKS, seed_labels

HOST = "examples/upload-form/"
MEASURE = """async ([b64, churn]) => {
  const file = new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'q.jpg', {type: 'image/jpeg'});
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const timed = async (f) => { const t0 = performance.now(); await f(); return performance.now() - t0; };
  const out = {};
  let big;
  out.open_5000_ms = await timed(async () => { big = await snaptag.labels.open('scale'); });
  const small = await snaptag.labels.open('small');
  const predict = async (set) => {
    const ts = [];
    for (let i = 0; i < 15; i++) ts.push(await timed(() => set.predictClass(file)));
    return median(ts.slice(3));
  };
  out.predict_5000_ms_median = await predict(big);
  out.predict_50_ms_median = await predict(small);
  const deletes = [];
  for (let i = 0; i < 20; i++) deletes.push(await timed(() => big.deleteExample(`ex${i}`)));
  out.delete_one_ms_median = median([...deletes]);
  out.delete_one_ms_max = Math.max(...deletes);
  const state = async () => {
    const info = (await snaptag.client.info()).info;
    return {examples: info.examples, tensors: info.numTensors, page_heap_mb: performance.memory.usedJSHeapSize / 1e6};
  };
  out.churn_before = await state();
  for (let i = 0; i < churn; i++) await big.deleteExample(await big.addExample(file, 'label 0'));
  out.churn_after = await state();
  out.churn = churn;
  return out;
}"""


def bench_label_sets(browser, url: str, meta: dict, probes: str) -> dict:
    """Each part in a fresh browser context (`browser` has the fake camera); `probes`: tools/bench.py's."""
    dim, model_id = int(meta["outputs"]["embedding"]), meta["model_id"]
    query = base64.b64encode(sorted((CLOTHING / "shoes").glob("*.jpg"))[0].read_bytes()).decode()
    s = open_page(browser, url + HOST)
    s.page.evaluate("snaptag.ready")
    seed_labels(s.page, 20, 5000, dim, model_id, "scale")
    seed_labels(s.page, 20, 50, dim, model_id, "small")
    s.page.reload()
    s.page.evaluate("snaptag.ready")
    out = s.page.evaluate(MEASURE, [query, 200])
    s.context.close()
    for examples in (50, 5000):  # teach mode's camera over 20 labels: 50 examples, then 5,000
        out |= camera(browser, url, meta, probes, examples)
    return out


def camera(browser, url: str, meta: dict, probes: str, examples: int) -> dict:
    s = open_page(browser, url)
    wait_ready(s.page)
    seed_labels(s.page, 20, examples, int(meta["outputs"]["embedding"]), meta["model_id"])
    s.page.reload()
    wait_ready(s.page, timeout=300_000)
    out = {f"teach_mode_restore_{examples}_ms": s.page.evaluate("window.snaptag.teachRestoreMs")}
    s.page.click("#mode-teach")
    s.page.evaluate(probes)
    s.page.evaluate(WATCH_TASKS)
    s.page.click("#camera-toggle")
    s.page.wait_for_function("+document.getElementById('camera-predictions').dataset.count >= 5", timeout=60_000)
    s.page.evaluate("() => { window.__tasks = []; const b = window.__bench; b.maxGap = 0; b.watching = true; }")
    start = s.page.evaluate("[+document.getElementById('camera-predictions').dataset.count, performance.now()]")
    s.page.wait_for_timeout(5000)
    end = s.page.evaluate("[+document.getElementById('camera-predictions').dataset.count, performance.now()]")
    out[f"camera_{examples}_predictions_per_s"] = (end[0] - start[0]) / ((end[1] - start[1]) / 1000)
    out[f"camera_{examples}_longest_main_thread_task_ms"] = s.page.evaluate("window.__bench.maxGap")
    out[f"camera_{examples}_longest_long_task_ms"] = s.page.evaluate(LONGEST_TASK)
    s.context.close()
    return out
