// The sorter page's start (runs before Python): the host API (api.js: the worker starts loading the model in
// parallel with Pyodide's start), the offline cache, and every photo the user adds kept until Python takes over
// (window.snaptag.inbox).
import { snaptag } from './api.js';
import * as cards from './card_dom.js';
import * as layout from './layout.js';
import { ResultsStore } from './results_store.js';
import * as teachDom from './teach_dom.js';

const root = document.documentElement;
Object.assign(snaptag, { inbox: [], onfiles: null, swReady: null, openResultsStore: (name) => ResultsStore.open(name), layout,
  cards, teachDom });

// `via`: 'input' (#upload), 'drop' or 'paste'; `target`: the element a drop landed on. Teach mode files a
// drop on a label, or a paste while a label is selected, as that label's examples.
function addFiles(files, via, target = null) {
  const list = Array.from(files || []);
  if (!list.length) return;
  if (snaptag.onfiles) snaptag.onfiles(list, via, target);
  else list.forEach(hold);
}

// A photo added before Python is up waits in the inbox, with a card at once (the automation contract's
// [data-result], status queued); Python replaces these cards with its own when it takes the inbox.
function hold(file) {
  snaptag.inbox.push(file);
  const card = document.createElement('article');
  card.className = 'card';
  card.setAttribute('data-result', '');
  Object.assign(card.dataset, { inbox: String(snaptag.inbox.length), name: file.name, status: 'queued' });
  const part = (cls, text = '') => Object.assign(document.createElement('div'), { className: cls, textContent: text });
  card.append(part('thumb'), part('name', file.name), part('verdict', 'Waiting for Python to start…'));
  document.getElementById('results').prepend(card);
}

const STAGES = { preparing: ['Python: preparing (first visit only)…', 1], starting: ['Python: starting…', 2],
  ready: ['Python: ready', 3] };
window.addEventListener('snaptag:python', ({ detail }) => {
  const [text, step] = STAGES[detail.stage] ?? [`Python: ${detail.stage}`, 0];
  document.getElementById('py-status').textContent = text;
  document.getElementById('py-progress').value = step;
});

function showProgress(loaded, total) {
  const bar = document.getElementById('model-progress');
  const label = document.getElementById('model-status');
  if (total > 0) {
    bar.max = total;
    bar.value = Math.min(loaded, total);
  }
  label.textContent = `Model: ${(loaded / 1e6).toFixed(2)} of ${(total / 1e6).toFixed(2)} MB`;
}

const upload = document.getElementById('upload');
upload.addEventListener('change', () => {
  addFiles(upload.files, 'input');
  upload.value = '';
});
const zone = document.getElementById('dropzone');
for (const type of ['dragenter', 'dragover']) {
  document.addEventListener(type, (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
}
document.addEventListener('dragleave', () => zone.classList.remove('over'));
document.addEventListener('drop', (e) => {
  e.preventDefault();
  zone.classList.remove('over');
  addFiles(e.dataTransfer?.files, 'drop', e.target);
});
document.addEventListener('paste', (e) => addFiles(e.clipboardData?.files, 'paste'));

window.addEventListener('snaptag:progress', ({ detail }) => showProgress(detail.loaded, detail.total));
snaptag.model.then(
  () => (document.getElementById('model-status').textContent = 'Model: loaded'),
  (err) => {
    root.dataset.snaptag = 'error';
    document.getElementById('model-status').textContent = `Model failed to load: ${err.message}`;
  },
);

// Python failing to start shows up as an uncaught error (a missing file, say) or as PyScript finishing its
// scripts (py:all-done) while the page is still `loading`: main.py sets `ready` or `error` before that.
function pythonFailed(detail) {
  if (root.dataset.snaptag !== 'loading') return;
  root.dataset.snaptag = 'error';
  document.getElementById('py-status').textContent = `Python failed to start (${detail}): reload to try again.`;
}
window.addEventListener('py:all-done', () => pythonFailed('the app stopped early'));
window.addEventListener('error', (e) => pythonFailed(e.message || 'script error'));
window.addEventListener('unhandledrejection', (e) => pythonFailed(String(e.reason?.message || e.reason)));

// The offline cache (dist/sw.js). A new build installs beside the running one and waits; the page offers to
// switch (#update, data-update="ready" on <html>), and all the site's tabs switch together: no page ever runs
// files of two builds.
let switching = false;
function offerUpdate(waiting) {
  root.dataset.update = 'ready';
  document.getElementById('update').hidden = false;
  document.getElementById('update-reload').onclick = () => {
    switching = true;
    waiting.postMessage('activate');
  };
}

// The offline copy's install failed (`text`), or worked again (null): #update says so.
function installFailed(text) {
  const note = document.getElementById('update-failed');
  note.textContent = text || '';
  note.hidden = !text;
  root.dataset.updateFailed = text ? 'true' : '';
}

if ('serviceWorker' in navigator && window.isSecureContext) {
  // A new build took over (this tab's button, or another tab's): every tab reloads with it, so no tab runs the
  // old page over the new files. Results still being written are let finish first (up to 5 s).
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener('controllerchange', async () => {
    if (!switching && !hadController) return; // the first visit's cache taking over: nothing changed
    for (let i = 0; i < 50 && (root.dataset.saving || '0') !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
    location.reload();
  });
  // Registered once the page is ready: by then everything the app loads is in the HTTP cache, so the offline
  // cache's install revalidates it (304s) instead of downloading a first visit's 10 MB again beside the page.
  snaptag.swReady = snaptag.ready.catch(() => {})
    .then(() => navigator.serviceWorker.register('./sw.js'))
    .then((reg) => {
      if (reg.waiting && navigator.serviceWorker.controller) offerUpdate(reg.waiting);
      // An install that fails (a file that is not the build's, a server that went away mid-way) is said and
      // tried again, sooner at first: a silent failure once left a page on another build's files for good.
      let retries = 0;
      const watch = (next) => next.addEventListener('statechange', () => {
        if (next.state === 'installed') {
          next.wasInstalled = true;
          retries = 0;
          installFailed(null);
          if (navigator.serviceWorker.controller) offerUpdate(next);
        } else if (next.state === 'redundant' && !next.wasInstalled) { // (a replaced one was installed first)
          const wait = Math.min(30 * 60, 10 * 2 ** retries++);
          installFailed(`The ${navigator.serviceWorker.controller ? 'new version' : 'offline copy'} could not be `
            + `saved in this browser; trying again in ${wait < 60 ? `${wait} s` : `${Math.round(wait / 60)} min`}.`);
          setTimeout(() => reg.update().catch(() => {}), wait * 1000);
        }
      });
      if (reg.installing) watch(reg.installing);
      reg.addEventListener('updatefound', () => watch(reg.installing));
      const check = () => reg.update().catch(() => {}); // offline: nothing to learn
      setInterval(check, 30 * 60 * 1000);
      document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && check());
      snaptag.checkForUpdate = check;
      return reg;
    })
    .catch((err) => console.warn('offline cache unavailable:', err));
}
