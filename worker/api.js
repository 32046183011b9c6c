// snaptag's host API (docs/embedding.md). Include this module on any page served beside snaptag's files:
//
//   <script type="module" src="snaptag/worker/api.js"></script>
//   await snaptag.ready;                                   // Python up, model loaded
//   const r = await snaptag.classify(file);                // {category, categoryName, prob, reason, top, ...}
//   const jpeg = await snaptag.resize(file, {maxSide: 1600, quality: 0.85});
//
// The verbs are Python's (app/api.py): this file starts the image worker and the model at once, and starts
// Python (PyScript + the local Pyodide) unless the page runs PyScript itself, in which case the page's Python
// imports `app.api`, which registers the same verbs here. Every URL is relative to this file, so snaptag can
// live under any sub-path. Events on `window`: `snaptag:progress` {loaded, total} while the model downloads,
// `snaptag:result` {file, result} and `snaptag:error` {file, error} after each classify.
import { SnaptagWorker } from './client.js';

const base = new URL('../', import.meta.url);
const at = (path) => new URL(path, base).href;

function failure(code, message) {
  return Object.assign(new Error(message), { code });
}

// The page's own PyScript (a <script type="py">, <py-script> or <py-config>) runs snaptag's Python; otherwise
// snaptag starts Python on its own, with a config whose URLs all point at snaptag's files.
function startPython() {
  if (document.querySelector('script[type="py"], py-script, py-config')) return;
  const script = document.createElement('script');
  script.type = 'py';
  script.setAttribute('config', JSON.stringify({ interpreter: at('pyodide/pyodide.mjs'), files: { [at('app.zip')]: './*' } }));
  script.textContent = 'import app.api';
  document.body.append(script);
  const css = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: at('pyscript/core.css') });
  document.head.append(css);
  import(at('pyscript/core.js'));
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
  snaptag.client = new SnaptagWorker(new URL('./worker.js', import.meta.url));
  snaptag.model = snaptag.client.load(at('model/'), ({ loaded, total }) => {
    window.dispatchEvent(new CustomEvent('snaptag:progress', { detail: { loaded, total } }));
  });
  // Python calls this once, when app/api.py is imported; its verbs answer {ok, value} or {ok: false, code,
  // message}, so that a refusal is a plain Error here, not a Python traceback.
  snaptag._register = (verbs) => registered(verbs);
  snaptag.python = python;
  const call = async (verb, ...args) => {
    const reply = await (await python)[verb](...args);
    if (!reply.ok) throw failure(reply.code, reply.message);
    return reply.value;
  };
  snaptag.ready = Promise.all([python, snaptag.model]).then(() => call('ready'));
  snaptag.classify = (file) => call('classify', file);
  snaptag.resize = (file, { maxSide = 1600, quality = 0.85 } = {}) => call('resize', file, maxSide, quality);
  // Python that finishes without registering (app.api failed to import) rejects `ready` with a reason.
  window.addEventListener('py:all-done', () => failed(failure('python_failed', 'Python stopped before snaptag was ready')));
  snaptag.ready.catch(() => {}); // a page that never awaits it gets no unhandled rejection
  return snaptag;
}

export const snaptag = window.snaptag ?? (window.snaptag = create());
startPython();
