// Main-thread side of the worker protocol: one promise per request, settled by exactly one reply.
// A request that gets no reply within its time limit, or a worker that crashes, rejects instead of hanging.
const LIMITS_MS = { load: 180000, classify: 60000, info: 10000, teach_set: 30000, teach_add: 10000,
  teach_remove: 10000 };

export class SnaptagWorker {
  constructor(url) {
    this.worker = new Worker(url, { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.worker.onmessage = ({ data }) => this.#receive(data);
    this.worker.onerror = (event) => {
      event.preventDefault?.();
      this.#failAll(`the inference worker crashed: ${event.message || 'could not start'}`);
    };
  }

  load(modelUrl, onProgress) {
    return this.#request('load', { modelUrl }, [], onProgress);
  }

  // options: {thumb: false} skips the thumbnail, {teach: true} adds the cosine to every taught example.
  // An ImageBitmap (a camera frame) is transferred, not copied.
  classify(file, spec, options = {}) {
    return this.#request('classify', { file, spec, ...options }, file instanceof ImageBitmap ? [file] : []);
  }

  teachSet(items) {
    return this.#request('teach_set', { items });
  }

  teachAdd(exampleId, embedding) {
    return this.#request('teach_add', { exampleId, embedding });
  }

  teachRemove(ids) {
    return this.#request('teach_remove', { ids });
  }

  info() {
    return this.#request('info', {});
  }

  #request(type, payload, transfer = [], onProgress = null) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(Object.assign(new Error(`${type} got no answer within ${LIMITS_MS[type] / 1000} s`),
          { code: 'timeout' }));
      }, LIMITS_MS[type]);
      this.pending.set(id, { resolve, reject, timer, onProgress });
      this.worker.postMessage({ ...payload, id, type }, transfer); // the envelope's id and type win
    });
  }

  #receive(msg) {
    const entry = this.pending.get(msg?.id);
    if (!entry) return;
    if (msg.type === 'progress') {
      entry.onProgress?.(msg);
      return;
    }
    clearTimeout(entry.timer);
    this.pending.delete(msg.id);
    if (msg.type === 'error') entry.reject(Object.assign(new Error(msg.message), { code: msg.code }));
    else entry.resolve(msg);
  }

  #failAll(message) {
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(Object.assign(new Error(message), { code: 'internal' }));
      this.pending.delete(id);
    }
  }
}
