"""Many results and many labels, written straight into the page's IndexedDB as the page itself writes them, then
the page reloaded and driven: how it copes with thousands (bench) and that it still works (tests).

`seed_results` writes n sorter records (app/logic/saved.py's format, one shared thumbnail, random embeddings if
asked); `seed_labels` writes a
teach set of n labels and m examples (worker/teach_db.js's format, random unit vectors of the model's size)."""

from __future__ import annotations

# Long tasks from a point on: window.__tasks [[start, duration], ...] (the Long Tasks API reports those > 50 ms).
WATCH_TASKS = """() => { window.__tasks = [];
  new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__tasks.push([e.startTime, e.duration])))
    .observe({type: 'longtask', buffered: true}); }"""
LONGEST_TASK = "Math.max(0, ...window.__tasks.map(([, d]) => d))"


def seed_results(page, n: int, model_id: str, categories: list[str], dim: int = 0) -> None:
    """n sorter results; `dim`: each with a random embedding of that size (the sorter learns from those)."""
    page.evaluate("""async ([n, model, categories, dim]) => {
        const canvas = new OffscreenCanvas(64, 48);
        canvas.getContext('2d').fillRect(0, 0, 64, 48);
        const thumb = await canvas.convertToBlob({type: 'image/jpeg'});
        const db = await new Promise((resolve, reject) => {
            const q = indexedDB.open('snaptag-results', 1);
            q.onupgradeneeded = () => q.result.createObjectStore('photos', {keyPath: 'id'});
            q.onsuccess = () => resolve(q.result);
            q.onerror = () => reject(q.error);
        });
        const tx = db.transaction('photos', 'readwrite');
        for (let i = 0; i < n; i++) {
            const category = categories[i % categories.length];
            tx.objectStore('photos').put({id: `seed${String(i).padStart(6, '0')}`, format: 1, name: `photo ${i}.jpg`,
                size: 1000, mime: 'image/jpeg', width: 640, height: 480, time: '2026-01-01T00:00:00Z', category,
                top: [[category, 0.9]], reason: '', model, added: i, thumb,
                embedding: dim ? Float32Array.from({length: dim}, () => Math.random() - 0.5) : null});
        }
        await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
        db.close();
    }""", [n, model_id, categories, dim])


def seed_labels(page, labels: int, examples: int, dim: int, model_id: str, name: str = "My labels",
                db: str = "") -> None:
    """A label set `name` (default: the page's teach mode's) of `labels` labels and `examples` examples (ids ex0,
    ex1, ...), stored as the worker stores one (`db`: in that IndexedDB database instead of the set's own)."""
    page.evaluate("""async ([labels, examples, dim, model, name]) => {
        const canvas = new OffscreenCanvas(32, 32);
        canvas.getContext('2d').fillRect(0, 0, 32, 32);
        const photo = await canvas.convertToBlob({type: 'image/jpeg'});
        const db = await new Promise((resolve, reject) => {
            const q = indexedDB.open(name, 1);
            q.onupgradeneeded = () => {
                q.result.createObjectStore('labels', {keyPath: 'name'});
                q.result.createObjectStore('examples', {keyPath: 'id'}).createIndex('label', 'label');
            };
            q.onsuccess = () => resolve(q.result);
            q.onerror = () => reject(q.error);
        });
        const tx = db.transaction(['labels', 'examples'], 'readwrite');
        for (let i = 0; i < labels; i++) tx.objectStore('labels').put({name: `label ${i}`, order: i});
        for (let i = 0; i < examples; i++) {
            const v = Float32Array.from({length: dim}, () => Math.random() - 0.5);
            tx.objectStore('examples').put({id: `ex${i}`, label: `label ${i % labels}`, embedding: v, photo, model,
                added: i});
        }
        await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
        db.close();
    }""", [labels, examples, dim, model_id, db or f"snaptag-labels:{name}"])


def filter_and_group(page, category: str) -> dict:
    """Filter by `category`, group by category, undo both: the cards shown after each step (what the filter shows,
    app/page/card_window.js's data-shown, and those displayed, at most its window), and the longest main-thread
    task of the steps themselves (counting the cards is left out of it)."""
    page.evaluate(WATCH_TASKS)
    visible = """[+document.getElementById('results').dataset.shown,
        [...document.querySelectorAll('#results [data-result]')].filter(e => e.offsetParent !== null).length]"""
    out: dict = {"tasks_ms": []}

    def step(action) -> None:
        page.evaluate("window.__tasks = []")
        action()
        page.wait_for_function("!('layingOut' in document.getElementById('results').dataset)")  # moved in chunks
        page.wait_for_timeout(300)  # the step's rendering, and its task's entry, come after the click
        out["tasks_ms"].append(page.evaluate(LONGEST_TASK))

    # The page's own click (a user's), not Playwright's: its selector engine walks every element of the page in
    # the page's main thread, 50-110 ms of long tasks of its own at 10,000 cards.
    def click(selector: str) -> None:
        page.evaluate("(selector) => document.querySelector(selector).click()", selector)

    step(lambda: click(f'[data-filter="{category}"]'))
    out["filtered"] = page.evaluate(visible)
    step(lambda: click("#group-by-category"))
    out["grouped_sections"] = page.evaluate("document.querySelectorAll('#results [data-group]').length")
    out["grouped_filtered"] = page.evaluate(visible)
    step(lambda: click(f'[data-filter="{category}"]'))
    step(lambda: click("#group-by-category"))
    out["all"] = page.evaluate(visible)
    out["longest_task_ms"] = max(out["tasks_ms"])
    return out


def correct_one(page, category: str) -> float:
    """Move one card to `category` by its menu: the longest main-thread task until the sorter has learned it and
    every card has followed (app/page/learning.py)."""
    page.evaluate(WATCH_TASKS)
    page.evaluate("window.__tasks = []")  # not the page's start (the observer reports earlier tasks too)
    page.locator(f'#results [data-result]:not([data-category="{category}"]) select').first.select_option(category)
    page.wait_for_function("+document.getElementById('corrections-count').textContent === 1", timeout=60_000)
    page.wait_for_timeout(1500)  # the cards follow 0.2 s after the change, in chunks
    return page.evaluate(LONGEST_TASK)
