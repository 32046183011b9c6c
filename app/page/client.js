// Main-thread side of the worker protocol: one promise per request, settled by exactly one reply.
//
// A worker that dies comes back. It counts as dead when it crashes (an error event), when it stays silent for
// SILENCE_MS while requests wait (a watchdog pings it every second; a terminated worker never answers), or when
// a request passes its time limit. Then a new worker starts (`this.worker` is always the current one), loads
// the model again, opens every label set that was open (the worker reads its vectors from IndexedDB), and every request
// that was in flight is sent once more; one that was already on its second try is rejected with code
// 'worker_died'. Camera frames are not sent again (they were transferred): they are rejected with 'worker_died' too.
const LIMITS_MS = { load: 180000, classify: 60000, resize: 60000, info: 10000, teach_open: 180000, teach_add: 60000,
  teach_label: 10000, teach_remove: 10000, teach_dump: 60000, teach_close: 10000, teach_drop: 10000, teach_list: 10000,
  teach_nearest: 10000, teach_scores: 10000 };
const SILENCE_MS = 8000;
const MAX_RESTARTS = 5; // in a row without a request succeeding in between: then the page is told to reload

export function failure(code, message) {
  return Object.assign(new Error(message), { code });
}

export class SnaptagWorker {
  constructor(url) {
    this.url = url;
    this.pending = new Map(); // request id -> entry
    this.waiting = []; // entries sent while a restart is under way
    this.nextId = 1;
    this.openSets = new Set(); // the label sets open in the worker, to open them again in a new one
    this.modelUrl = null;
    this.restarts = 0; // how many times a worker was replaced
    this.failedRestarts = 0;
    this.restarting = null;
    this.#start();
  }

  load(modelUrl, onProgress) {
    this.modelUrl = modelUrl;
    return this.#request('load', { modelUrl }, [], onProgress);
  }

  // options: {thumb: false} skips the thumbnail, {embedding: true} returns the embedding, {teach: {set, k}} adds
  // the k nearest examples of an open label set. An ImageBitmap (a camera frame) is transferred, not copied.
  classify(file, options = {}) {
    return this.#request('classify', { file, ...options }, file instanceof ImageBitmap ? [file] : []);
  }

  // A JPEG Blob of `file`: upright, no metadata, longest side <= maxSide (worker.js `resize`).
  resize(file, maxSide, quality) {
    return this.#request('resize', { file, maxSide, quality });
  }

  // Label set requests (worker.js: teach_open, teach_label, teach_add, teach_remove, teach_dump, teach_nearest,
  // teach_scores, teach_close, teach_drop, teach_list).
  teach(type, payload = {}, onProgress = null) {
    if (type === 'teach_open') this.openSets.add(payload.set);
    if (type === 'teach_close' || type === 'teach_drop') this.openSets.delete(payload.set);
    const file = payload.file;
    return this.#request(type, payload, file instanceof ImageBitmap ? [file] : [], onProgress);
  }

  info() {
    return this.#request('info', {});
  }

  #start() {
    this.worker = new Worker(this.url, { type: 'module' });
    this.worker.onmessage = ({ data }) => this.#receive(data);
    this.worker.onerror = (event) => {
      event.preventDefault?.();
      this.#restart(`it crashed (${event.message || 'could not start'})`);
    };
    this.lastHeard = performance.now();
  }

  #request(type, payload, transfer = [], onProgress = null, internal = false) {
    return new Promise((resolve, reject) => {
      this.#send({ type, payload, transfer, onProgress, resolve, reject, internal, attempts: 0, alone: 0 });
    });
  }

  #send(entry) {
    if (this.restarting && !entry.internal) {
      this.waiting.push(entry);
      return;
    }
    const id = this.nextId++;
    entry.attempts += 1;
    entry.timer = setTimeout(() => this.#restart(`a ${entry.type} request took over ${LIMITS_MS[entry.type] / 1000} s`),
      LIMITS_MS[entry.type]);
    if (!this.pending.size) this.lastHeard = performance.now();
    this.pending.set(id, entry);
    this.worker.postMessage({ ...entry.payload, id, type: entry.type }, entry.transfer);
    this.#watch();
  }

  #watch() {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => {
      if (!this.pending.size) {
        clearInterval(this.watchdog);
        this.watchdog = null;
      } else if (performance.now() - this.lastHeard > SILENCE_MS) {
        this.#restart(`it stopped answering for ${SILENCE_MS / 1000} s`);
      } else {
        this.worker.postMessage({ type: 'ping' });
      }
    }, 1000);
  }

  #receive(msg) {
    this.lastHeard = performance.now();
    const entry = this.pending.get(msg?.id);
    if (!entry) return;
    if (msg.type === 'progress') {
      entry.onProgress?.(msg);
      return;
    }
    clearTimeout(entry.timer);
    this.pending.delete(msg.id);
    this.failedRestarts = 0;
    if (msg.type === 'error') entry.reject(failure(msg.code, msg.message));
    else entry.resolve(msg);
  }

  async #restart(reason) {
    if (this.restarting) return;
    const orphans = [...this.pending.values()].filter((e) => !e.internal);
    for (const e of this.pending.values()) clearTimeout(e.timer);
    this.pending.clear();
    this.worker.terminate();
    this.restarts += 1;
    this.failedRestarts += 1;
    console.warn(`snaptag: the image worker was replaced: ${reason}`);
    if (this.failedRestarts > MAX_RESTARTS) {
      const err = failure('internal', `the image worker keeps failing (${reason}); reload the page`);
      for (const e of [...orphans, ...this.waiting.splice(0)]) e.reject(err);
      return;
    }
    this.#start();
    this.restarting = (async () => {
      if (this.modelUrl) await this.#request('load', { modelUrl: this.modelUrl }, [], null, true);
      for (const set of this.openSets) await this.#request('teach_open', { set }, [], null, true);
    })();
    let reloadError = null;
    try {
      await this.restarting;
    } catch (err) {
      reloadError = err;
    }
    this.restarting = null;
    // A request is blamed (worker_died) only after the worker died twice while it was the only one in flight:
    // requests that were in flight together go again one at a time, so the next death names its photo.
    if (orphans.length === 1) orphans[0].alone += 1;
    const again = [];
    for (const e of [...orphans, ...this.waiting.splice(0)]) {
      if (reloadError) e.reject(failure('load_failed', `the image worker could not restart: ${reloadError.message}`));
      else if (e.alone >= 2 || e.transfer.length) {
        e.reject(failure('worker_died', `the image worker stopped while working on this (${reason})`));
      } else if (orphans.includes(e)) again.push(e);
      else this.#send(e);
    }
    this.#oneAtATime(again);
  }

  // Send `entries` in turn, each once the one before has settled.
  #oneAtATime(entries) {
    const e = entries.shift();
    if (!e) return;
    if (entries.length) {
      const [resolve, reject] = [e.resolve, e.reject];
      const next = () => this.#oneAtATime(entries);
      Object.assign(e, { resolve: (v) => (resolve(v), next()), reject: (err) => (reject(err), next()) });
    }
    this.#send(e);
  }
}
