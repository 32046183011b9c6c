// snaptag's host API (docs/embedding.md). Include this module on any page served beside snaptag's files:
//
//   <script type="module" src="snaptag/worker/api.js"></script>   (its stable address; the code is here)
//   await snaptag.ready;                                   // Python up, model loaded
//   const r = await snaptag.classify(file);                // {category, categoryName, prob, reason, top, ...}
//   const jpeg = await snaptag.resize(file, {maxSide: 1600, quality: 0.85});  // defaults: app/logic/result.py's
//   const set = await snaptag.labels.open('parts');       // a label set: addExample, predictClass, ... (below)
//
// The verbs are Python's (app/api.py): this file starts the image worker and the model at once, and starts
// Python (PyScript + the local Pyodide) unless the page runs PyScript itself, in which case the page's Python
// imports `app.api`, which registers the same verbs here. Every URL is relative to this file, so snaptag can
// live under any sub-path. Events on `window`: `snaptag:python` {stage: preparing|starting|ready},
// `snaptag:progress` {loaded, total} while the model downloads, `snaptag:result` {file, result} and
// `snaptag:error` {file, error} after each classify. This file starts PyScript: a page should not load
// pyscript/core.js itself.
import { failure, SnaptagWorker } from './client.js';
import { indexedDbWorks, installStandIn } from './memory_idb.js';

const base = new URL('../../', import.meta.url); // dist/: this file is dist/app/page/api.js
const at = (path) => new URL(path, base).href;

function stage(name) {
  window.snaptag.pythonStage = name;
  window.dispatchEvent(new CustomEvent('snaptag:python', { detail: { stage: name } }));
}

// Once per browser (remembered in localStorage): Python's first start in a throwaway worker (warmup.js), so that
// the main thread never runs Pyodide's start-up unoptimised. Any failure only costs that optimisation.
const WARM_KEY = 'snaptag:python-warm';
// The worker lives until the page's Python has started: while it does, the page's Pyodide shares its compiled
// code (V8 keeps one copy per process), which a terminated worker would take with it.
async function warmUp(started) {
  const wasm = at('pyodide/pyodide.asm.wasm');
  try {
    if (localStorage.getItem(WARM_KEY) === wasm) return;
  } catch {
    return; // no storage: nothing to remember the warm-up by, so not worth repeating on every visit
  }
  stage('preparing');
  const worker = new Worker(at('worker/warmup.js'), { type: 'module' });
  const reply = await new Promise((resolve) => {
    worker.onmessage = ({ data }) => resolve(data);
    worker.onerror = (e) => resolve({ ok: false, message: e.message });
  });
  started.finally(() => worker.terminate());
  if (reply.ok) localStorage.setItem(WARM_KEY, wasm);
  else console.warn(`snaptag: Python's warm-up failed (${reply.message}); starting it on the page`);
}

// PyScript starts here, not from a <script> of the page, so that it starts after the warm-up. The page's own
// PyScript (a <script type="py">, <py-script> or <py-config>) runs snaptag's Python; otherwise snaptag adds one,
// with a config whose URLs all point at snaptag's files.
async function startPython(started) {
  if (!document.querySelector('script[type="py"], py-script, py-config')) {
    const script = document.createElement('script');
    script.type = 'py';
    script.setAttribute('config', JSON.stringify({ interpreter: at('pyodide/pyodide.mjs'), files: { [at('app.zip')]: './*' } }));
    script.textContent = 'import app.api';
    document.body.append(script);
    document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: at('pyscript/core.css') }));
  }
  const storage = indexedDbWorks();
  await warmUp(started);
  if (!(await storage)) installStandIn(); // site data blocked: PyScript's own cache in memory, so Python starts
  stage('starting');
  await import(at('pyscript/core.js'));
}

// Anything but a Blob that holds a picture, as a new ImageBitmap of what it shows now: the worker takes that one
// over (transferred), so the caller's own bitmap, canvas or video stays usable.
const DRAWABLE = [['ImageBitmap', 'an ImageBitmap'], ['HTMLCanvasElement', 'a canvas'], ['OffscreenCanvas', 'a canvas'],
  ['HTMLImageElement', 'an <img>'], ['HTMLVideoElement', 'a <video>'], ['ImageData', 'ImageData'],
  ['VideoFrame', 'a VideoFrame']];

async function frameOf(source) {
  const kind = DRAWABLE.find(([type]) => self[type] && source instanceof self[type])?.[1];
  if (!kind) {
    throw failure('bad_request', 'expected a File, Blob, ImageBitmap, canvas, <img>, ImageData or playing <video>, '
      + `got ${source === null ? 'null' : typeof source === 'object' ? source.constructor?.name : typeof source}`);
  }
  if (source instanceof HTMLVideoElement && source.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) {
    throw failure('bad_request', 'the video has no frame yet: start it playing first');
  }
  if (source instanceof HTMLImageElement && !(source.complete && source.naturalWidth)) {
    throw failure('bad_request', 'the <img> has not loaded a picture');
  }
  try {
    return await createImageBitmap(source);
  } catch (err) {
    throw failure('bad_request', `could not read a picture from ${kind} (${err?.message || err})`);
  }
}

// A label set's handle (docs/embedding.md): every verb is Python's (app/labels.py), like classify.
class LabelSet {
  #call;

  constructor(name, call) {
    this.name = name;
    this.#call = (verb, ...args) => call('labels', verb, name, ...args);
  }

  addExample(source, label) { return this.#call('addExample', source, label); }

  deleteExample(id) { return this.#call('deleteExample', id); }

  renameClass(oldName, newName) { return this.#call('renameClass', oldName, newName); }

  clearClass(label) { return this.#call('clearClass', label); }

  deleteClass(label) { return this.#call('deleteClass', label); }

  getClassExampleCount() { return this.#call('getClassExampleCount'); }

  predictClass(source) { return this.#call('predictClass', source); }

  export() { return this.#call('export'); }

  exportModel() { return this.#call('exportModel'); }
}

function create() {
  const snaptag = {};
  let registered;
  let failed;
  const python = new Promise((resolve, reject) => {
    registered = resolve;
    failed = reject;
  });
  python.catch(() => {}); // reported through `ready` and each verb
  snaptag.client = new SnaptagWorker(at('worker/worker.js'));
  snaptag.model = snaptag.client.load(at('model/'), ({ loaded, total }) => {
    window.dispatchEvent(new CustomEvent('snaptag:progress', { detail: { loaded, total } }));
  });
  // Python calls this once, when app/api.py is imported; its verbs answer {ok, value} or {ok: false, code,
  // message}, so that a refusal is a plain Error here, not a Python traceback.
  snaptag._register = (verbs) => {
    stage('ready');
    registered(verbs);
  };
  snaptag.python = python;
  // Python awaits JS through this (app/api.py `awaited`): it calls target[method](...args) (or reads a promise
  // property) and never rejects, so whatever the promise rejects with (an Error, a DOMException, null) reaches
  // Python as data; Python never holds the raw promise.
  snaptag.settle = (target, method, ...args) => Promise.resolve().then(() => {
    const member = target[method];
    return typeof member === 'function' ? member.apply(target, args) : member;
  }).then((value) => ({ ok: true, value }), (err) => ({
    ok: false,
    code: typeof err?.code === 'string' ? err.code : String(err?.name ?? 'internal'),
    message: String(err?.message ?? err),
  }));
  const call = async (verb, ...args) => {
    const reply = await (await python)[verb](...args);
    if (!reply.ok) throw failure(reply.code, reply.message);
    return reply.value;
  };
  snaptag.ready = Promise.all([python, snaptag.model]).then(() => call('ready'));
  snaptag.classify = (file) => call('classify', file);
  snaptag.resize = (file, { maxSide, quality } = {}) => call('resize', file, maxSide, quality);
  snaptag.frameOf = frameOf;
  // Zips (app/page/archive.js, loaded on first use): Download sorted's, and a taught model's (Export model).
  snaptag.zipOf = (entries) => import('./archive.js').then((m) => m.zipOf(entries));
  snaptag.modelZip = (metadataText, vectors) => import('./archive.js')
    .then((m) => m.modelZip(at('model/'), metadataText, vectors));
  snaptag.labels = {
    open: async (name) => new LabelSet(await call('labels', 'open', name), call),
    import: async (file, name) => new LabelSet(await call('labels', 'import', name, file), call),
    list: () => call('labels', 'list'),
    remove: (name) => call('labels', 'remove', name),
  };
  // Python that finishes without registering (app.api failed to import) rejects `ready` with a reason.
  window.addEventListener('py:all-done', () => failed(failure('python_failed', 'Python stopped before snaptag was ready')));
  snaptag.ready.catch(() => {}); // a page that never awaits it gets no unhandled rejection
  return snaptag;
}

export const snaptag = window.snaptag ?? (window.snaptag = create());
startPython(snaptag.python).catch((err) => console.error('snaptag: Python did not start', err));
