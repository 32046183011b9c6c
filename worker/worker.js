// snaptag's image worker: tfjs-core + WASM backend, off the main thread. It owns what it loads: the model, its
// preprocessing (from metadata.json) and teach mode's examples (vectors and their IndexedDB copy). Requests carry
// only what varies. Protocol (docs/design.md): every request {id, type, ...} gets exactly one reply
// {id, type: <reply>|'error'}; `load` and `teach_open` may send {id, type: 'progress'} messages first.
//   load     {modelUrl}                       -> progress {loaded, total}* -> loaded {metadata, info}
//   classify {file, thumb?, embedding?, teach?} -> result {probs, width, height, sha256, decodeMs, inferMs,
//              thumb? (a 192 px JPEG Blob), embedding? (Float32Array), simIds?, sims?, simKins?, scores?}
//              file: File/Blob (read once: hashed, then decoded) or ImageBitmap; sha256 is null for a bitmap;
//              teach: {set, k} adds the k examples of that open set nearest the photo (simIds[i] <-> sims[i],
//              best first; simKins[i]: that example's cosine to the second nearest other one of its label, or
//              null); teach: {set, labels: true} adds scores {labels, centred, centroid} (per label: the
//              centred-centroid cosine and the plain centroid cosine, worker/examples.js labelScores); a taught
//              model (metadata `taught`, worker/taught_model.js) adds its own labels' scores when not asked that
//   resize   {file, maxSide, quality}         -> resized {blob, width, height}  (JPEG: upright, no metadata;
//              maxSide and quality as app/logic/result.py's check_resize leaves them)
//   Label sets: every teach_* request but teach_list names its `set`; several may be open at once. A set's
//   opening and writes take turns (an add waits for a read-again another tab's change started; reads do not wait).
//   teach_open {set}                          -> progress {done, total}* -> teach {labels, examples: [{id, label,
//              photo}], updated, failed: [{id, label, message}], persistent, message, count}  (read again if open)
//   teach_label {set, op: 'add'|'rename'|'delete', name, to?, ids?} -> teach {count}
//   teach_add {set, exampleId, label, file | (embedding, photo)} -> teach {count, thumb}
//   teach_remove {set, ids}                   -> teach {count}
//   teach_dump {set}                          -> teach {labels, examples: [{id, label, photo, embedding}]}
//   teach_nearest {set, embeddings: [Float32Array], k} -> teach {nearest: [{ids, sims, kins}]}  (kept results, decided
//                                             again)
//   teach_scores {set, embeddings: [Float32Array]} -> teach {scores: [{labels, centred, centroid}]}  (the same, a label set)
//   teach_close {set}                         -> teach {count}  (its memory freed; it stays stored)
//   teach_drop {set}                          -> teach {count}  (closed and deleted from storage)
//   teach_list {}                             -> teach {sets: [name]}  (the stored sets)
//   info     {}                               -> info {info}
//   ping {} (no id) -> pong {} : the client's watchdog
//   error reply: {id, type: 'error', code: 'decode'|'not_loaded'|'bad_request'|'load_failed'|'storage'|'conflict'|
//                 'internal',
//                 message}
import '../vendor/tfjs/tf-core.min.js';
import '../vendor/tfjs/tf-backend-wasm.min.js';
import '../vendor/tfjs/tf-converter.min.js';
import { outputNodes, predictNamed } from './model_io.js';
import { decode, jpeg, pixels, readOnce, RequestError } from './image.js';
import { TaughtSet } from './taught.js';
import { taughtBank } from './taught_model.js';
import { MemoryDb, TeachDb } from './teach_db.js';

const tf = self.tf;
const THUMB = 192; // app/logic/teach_io.py THUMB_SIDE says it to the user
const RESIZE_MODES = ['squash', 'crop'];
let model = null; // {graph, nodes, metadata, input: {size, resize}, taught (a taught model's ExampleBank, or null)}
const sets = new Map(); // label set name -> TaughtSet, while open
const turns = new Map(); // label set name -> the promise of its last opening or write: the next one waits for it

async function fetchCounting(url, onBytes) {
  const res = await fetch(url);
  if (!res.ok) throw new RequestError('load_failed', `could not fetch ${url}: HTTP ${res.status}`);
  const reader = res.body.getReader();
  const chunks = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onBytes(value.byteLength);
  }
  return new Response(new Blob(chunks), { status: 200, headers: res.headers });
}

async function backendInfo() {
  return {
    backend: tf.getBackend(),
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: tf.wasm.getThreadsCount(),
    crossOriginIsolated: self.crossOriginIsolated === true,
    numTensors: tf.memory().numTensors,
    numBytes: tf.memory().numBytes,
    modelLoaded: model !== null,
    examples: [...sets.values()].reduce((n, set) => n + set.bank.size, 0),
  };
}

const FORMAT = 'snaptag-model/3'; // app/logic/spec.py MODEL_FORMAT (tests/test_app_logic.py checks they agree)

function inputOf(meta) {
  if (meta?.format !== FORMAT) {
    throw new RequestError('load_failed', `model format ${JSON.stringify(meta?.format)} is not ${FORMAT}: export it `
      + 'again with this version (python build.py train)');
  }
  const { size, resize } = meta?.input ?? {};
  if (!Number.isInteger(size) || size < 16 || !RESIZE_MODES.includes(resize)) {
    throw new RequestError('load_failed', `the model's input ${JSON.stringify(meta?.input)} is not supported`);
  }
  return { size, resize };
}

async function load({ modelUrl }, progress) {
  if (typeof modelUrl !== 'string') throw new RequestError('bad_request', 'load needs a modelUrl');
  const base = new URL(modelUrl, self.location.href);
  tf.wasm.setWasmPaths(new URL('../vendor/tfjs/', import.meta.url).href);
  // One thread: tfjs' threaded build needs blob: helper workers, which a strict CSP (worker-src 'self') refuses
  // on a cross-origin-isolated page (the load then hangs), and it was no faster on 2 cores (docs/design.md).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new RequestError('load_failed', 'the WASM backend could not start');
  await tf.ready();
  const metaRes = await fetch(new URL('metadata.json', base));
  if (!metaRes.ok) throw new RequestError('load_failed', `model metadata missing (HTTP ${metaRes.status})`);
  const metadata = await metaRes.json();
  const input = inputOf(metadata);
  const total = metadata.model_bytes || 0;
  let loaded = 0;
  const graph = await tf.loadGraphModel(new URL('model.json', base).href, {
    fetchFunc: (url) => fetchCounting(url, (n) => progress({ loaded: (loaded += n), total })),
  });
  const nodes = outputNodes(graph);
  const taught = await taughtBank(metadata, base);
  tf.tidy(() => predictNamed(graph, nodes, tf.zeros([1, input.size, input.size, 3])).probs.dataSync()); // warm-up
  model?.graph.dispose();
  model = { graph, nodes, metadata, input, taught };
  return { metadata, info: await backendInfo() };
}

function loadedModel() {
  if (!model) throw new RequestError('not_loaded', 'the model is not loaded yet');
  return model;
}

// The model's outputs for one decoded photo: {probs, embedding} as typed arrays.
async function infer(bitmap) {
  const { graph, nodes, input } = loadedModel();
  const x = tf.tensor4d(pixels(bitmap, input), [1, input.size, input.size, 3]);
  const out = predictNamed(graph, nodes, x);
  try {
    const [probs, embedding] = await Promise.all([out.probs.data(), out.embedding.data()]);
    return { probs, embedding };
  } finally {
    tf.dispose([x, out.probs, out.embedding]);
  }
}

// A File/Blob is read once (hashed, then decoded from the same bytes); an ImageBitmap is used as it is.
async function look(file, wantThumb) {
  if (!(file instanceof Blob || file instanceof ImageBitmap)) {
    throw new RequestError('bad_request', 'expected a File, Blob or ImageBitmap');
  }
  loadedModel();
  const t0 = performance.now();
  const { sha256, source } = file instanceof Blob ? await readOnce(file) : { sha256: null, source: file };
  const bitmap = await decode(source);
  try {
    const thumb = wantThumb ? (await jpeg(bitmap, THUMB, 0.8)).blob : undefined;
    const t1 = performance.now();
    const out = await infer(bitmap);
    return { ...out, sha256, thumb, width: bitmap.width, height: bitmap.height, decodeMs: t1 - t0,
      inferMs: performance.now() - t1 };
  } finally {
    bitmap.close();
  }
}

async function classify({ file, thumb = true, embedding = false, teach = false }) {
  const seen = await look(file, thumb);
  const reply = { ...seen, probs: Array.from(seen.probs), embedding: embedding ? seen.embedding : undefined };
  if (teach?.labels) reply.scores = taughtSet(teach.set).labelScores(seen.embedding);
  else if (model.taught) reply.scores = model.taught.labelScores(seen.embedding); // a taught model's own decision
  if (teach && !teach.labels) {
    ({ ids: reply.simIds, sims: reply.sims, kins: reply.simKins } = taughtSet(teach.set).nearest(seen.embedding, teach.k));
  }
  return reply;
}

async function resize({ file, maxSide, quality }) {
  if (!(file instanceof Blob)) throw new RequestError('bad_request', 'resize needs a File or Blob');
  const bitmap = await decode(file);
  try {
    return await jpeg(bitmap, maxSide, quality);
  } finally {
    bitmap.close();
  }
}

function taughtSet(name) {
  if (typeof name !== 'string' || !name) throw new RequestError('bad_request', 'a label set request needs the set\'s name');
  if (!sets.has(name)) throw new RequestError('not_loaded', `the label set ${JSON.stringify(name)} is not open`);
  return sets.get(name);
}

// `work()` once the set's earlier opening or write has ended (however it ended).
function inTurn(name, work) {
  const mine = (turns.get(name) ?? Promise.resolve()).then(work, work);
  const done = () => turns.get(name) === mine && turns.delete(name);
  turns.set(name, mine);
  mine.then(done, done);
  return mine;
}

// `change(set)` in its turn, on the set as read last (another tab's change may have had it read again). A write
// to IndexedDB that fails (storage full, say) is a 'storage' error, not a hang.
function write(name, change) {
  return inTurn(name, async () => {
    const set = taughtSet(name);
    try {
      await change(set);
    } catch (err) {
      if (err instanceof RequestError) throw err;
      if (err?.name === 'Conflict') throw new RequestError('conflict', err.message);
      throw new RequestError('storage', `could not be kept in this browser: ${err?.message || err}`);
    }
    return { count: set.bank.size };
  });
}

function close(name) {
  sets.get(name)?.close();
  sets.delete(name);
}

async function teachOpen({ set: name }, progress) {
  if (typeof name !== 'string' || !name) throw new RequestError('bad_request', 'teach_open needs the set\'s name');
  const { metadata } = loadedModel();
  return inTurn(name, () => openSet(name, metadata, progress));
}

async function openSet(name, metadata, progress) {
  const set = new TaughtSet(metadata.outputs.embedding, String(metadata.embedding_id || metadata.model_id || ''));
  const opened = await set.open(name, (photo) => look(photo, false), progress);
  close(name); // the set read before stays open until now: a request meanwhile is answered, not 'not_loaded'
  sets.set(name, set);
  return { ...opened, count: set.bank.size };
}

function teachLabel({ set: name, op, name: label, to, ids = [] }) {
  if (typeof label !== 'string' || !label) throw new RequestError('bad_request', 'a label needs a name');
  if (op === 'add') return write(name, (set) => set.addLabel(label));
  if (op === 'rename') return write(name, (set) => set.renameLabel(label, String(to)));
  if (op === 'delete') return write(name, (set) => set.deleteLabel(label, ids));
  throw new RequestError('bad_request', `unknown label change ${JSON.stringify(op)}`);
}

async function teachAdd({ set: name, exampleId, label, file, embedding, photo }) {
  const set = taughtSet(name);
  if (typeof exampleId !== 'string' || !exampleId || typeof label !== 'string') {
    throw new RequestError('bad_request', 'an example needs a string id and a label');
  }
  if (embedding !== undefined && (embedding?.length !== set.bank.dim || !(photo instanceof Blob))) {
    throw new RequestError('bad_request', `an example needs a ${set.bank.dim}-d embedding and its photo`);
  }
  if (embedding !== undefined && !(Array.prototype.every.call(embedding, Number.isFinite)
      && Array.prototype.some.call(embedding, (v) => v !== 0))) {
    throw new RequestError('bad_request', 'an example\'s embedding must be finite numbers, not all zero');
  }
  if (embedding === undefined) ({ embedding, thumb: photo } = await look(file, true));
  const reply = await write(name, (set) => set.add(exampleId, label, Float32Array.from(embedding), photo));
  return { ...reply, thumb: photo };
}

async function teachDrop({ set: name }) {
  if (typeof name !== 'string' || !name) throw new RequestError('bad_request', 'teach_drop needs the set\'s name');
  return inTurn(name, () => dropSet(name));
}

async function dropSet(name) {
  close(name);
  MemoryDb.sets.delete(name);
  try {
    await TeachDb.remove(name);
  } catch (err) {
    throw new RequestError('storage', `could not be deleted from this browser: ${err?.message || err}`);
  }
  return { count: 0 };
}

async function teachList() {
  let stored = [];
  try {
    stored = await TeachDb.names();
  } catch {
    // no IndexedDB (site data blocked): only the sets in memory
  }
  return { sets: [...new Set([...stored, ...MemoryDb.sets.keys()])].sort() };
}

const handlers = {
  load,
  classify,
  resize,
  info: async () => ({ info: await backendInfo() }),
  teach_open: teachOpen,
  teach_label: teachLabel,
  teach_add: teachAdd,
  teach_remove: ({ set: name, ids }) => write(name, (set) => set.remove(Array.from(ids ?? [], String))),
  teach_dump: ({ set }) => taughtSet(set).dump(),
  teach_scores: ({ set, embeddings = [] }) => ({
    scores: Array.from(embeddings, (e) => taughtSet(set).labelScores(e)),
  }),
  teach_nearest: ({ set, embeddings = [], k }) => ({
    nearest: Array.from(embeddings, (e) => taughtSet(set).nearest(e, k)),
  }),
  teach_close: ({ set }) => {
    close(set);
    return { count: 0 };
  },
  teach_drop: teachDrop,
  teach_list: teachList,
};
const replies = { load: 'loaded', classify: 'result', resize: 'resized', info: 'info' };

self.onmessage = async ({ data }) => {
  const { id, type } = data ?? {};
  if (type === 'ping') {
    self.postMessage({ type: 'pong' }); // the client's watchdog: this worker is alive
    return;
  }
  const progress = (p) => self.postMessage({ id, type: 'progress', ...p });
  try {
    if (!Object.hasOwn(handlers, type)) throw new RequestError('bad_request', `unknown request type ${JSON.stringify(type)}`);
    const reply = await handlers[type](data, progress);
    self.postMessage({ id, type: replies[type] ?? 'teach', ...reply });
  } catch (err) {
    const code = err instanceof RequestError ? err.code : type === 'load' ? 'load_failed' : 'internal';
    self.postMessage({ id, type: 'error', code, message: String(err.message || err) });
  }
};
