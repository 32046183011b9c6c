// snaptag inference worker: tfjs-core + WASM backend, off the main thread.
// Protocol (docs/design.md): every request {id, type, ...} gets exactly one reply {id, type: <reply>|'error'};
// `load` may send {id, type: 'progress'} messages before its reply.
//   load     {modelUrl}            -> progress {loaded, total}* -> loaded {metadata, info}
//   classify {file, spec, thumb?, teach?} -> result {probs, embedding, width, height, thumb, sha256, decodeMs,
//                                               inferMs, simIds?, sims?}  (sha256: of the file's bytes, hex)   (thumb: false skips the thumbnail; teach: true
//                                               adds the cosine to every taught example: simIds[i] <-> sims[i])
//   teach_set {items: [{id, embedding}]} | teach_add {exampleId, embedding} | teach_remove {ids} -> teach {count}
//   resize   {file, maxSide, quality} -> resized {blob, width, height}  (a JPEG: upright, no metadata, longest
//                                               side <= maxSide, downscaled in halving steps)
//   info     {}                    -> info {info}
//   ping {} (no id) -> pong {} : the client's watchdog
//   error reply: {id, type: 'error', code: 'decode'|'not_loaded'|'bad_request'|'load_failed'|'internal', message}
import '../vendor/tfjs/tf-core.min.js';
import '../vendor/tfjs/tf-backend-wasm.min.js';
import '../vendor/tfjs/tf-converter.min.js';
import { outputNodes, predictNamed } from './model_io.js';
import { ExampleBank } from './examples.js';

const tf = self.tf;
const THUMB = 192;
const RESIZE_MODES = ['squash', 'crop'];
let model = null;
let nodes = null;
let metadata = null;
let bank = null; // teach mode's examples, sized to the model's embedding

class RequestError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

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
    examples: bank?.size ?? 0,
  };
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
  const meta = await metaRes.json();
  const total = meta.model_bytes || 0;
  let loaded = 0;
  const count = (n) => {
    loaded += n;
    progress({ loaded, total });
  };
  const graph = await tf.loadGraphModel(new URL('model.json', base).href, {
    fetchFunc: (url) => fetchCounting(url, count),
  });
  const graphNodes = outputNodes(graph);
  const size = meta.input.size;
  tf.tidy(() => {
    const out = predictNamed(graph, graphNodes, tf.zeros([1, size, size, 3]));
    out.probs.dataSync(); // warm-up: compile kernels before the first photo
  });
  model?.dispose();
  [model, nodes, metadata] = [graph, graphNodes, meta];
  if (bank?.dim !== meta.outputs.embedding) bank = new ExampleBank(meta.outputs.embedding);
  return { metadata, info: await backendInfo() };
}

// The file is read once: its bytes are hashed and then decoded from memory (a Blob of the same bytes).
async function readOnce(blob) {
  const bytes = await blob.arrayBuffer();
  const hash = await crypto.subtle.digest('SHA-256', bytes);
  const sha256 = Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, '0')).join('');
  return { sha256, source: new Blob([bytes], { type: blob.type }) };
}

async function decode(source) {
  try {
    return source instanceof ImageBitmap
      ? source
      : await createImageBitmap(source, { imageOrientation: 'from-image' });
  } catch (err) {
    throw new RequestError('decode', `could not decode image: ${err.message || err}`);
  }
}

// The part of the photo the model sees: all of it ('squash') or its centred square ('crop'), as
// model/data.py's centre_square does on the CPython side.
function sourceRect(bitmap, resize) {
  const { width, height } = bitmap;
  if (resize !== 'crop') return [0, 0, width, height];
  const side = Math.min(width, height);
  return [Math.floor((width - side) / 2), Math.floor((height - side) / 2), side, side];
}

function pixels(bitmap, spec) {
  const { size, mean, std } = spec;
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, ...sourceRect(bitmap, spec.resize), 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const out = new Float32Array(size * size * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    out[j] = (rgba[i] - mean[0]) / std[0];
    out[j + 1] = (rgba[i + 1] - mean[1]) / std[1];
    out[j + 2] = (rgba[i + 2] - mean[2]) / std[2];
  }
  return out;
}

async function classify({ file, spec, thumb: wantThumb = true, teach = false }) {
  if (!model) throw new RequestError('not_loaded', 'the model is not loaded yet');
  if (!(file instanceof Blob || file instanceof ImageBitmap)) {
    throw new RequestError('bad_request', 'classify needs a File, Blob or ImageBitmap');
  }
  if (!spec || !RESIZE_MODES.includes(spec.resize) || !(spec.size > 0)) {
    throw new RequestError('bad_request', `unsupported preprocessing spec ${JSON.stringify(spec)}`);
  }
  const t0 = performance.now();
  const { sha256, source } = file instanceof Blob ? await readOnce(file) : { sha256: null, source: file };
  const bitmap = await decode(source);
  try {
    if (bitmap.width === 0 || bitmap.height === 0) throw new RequestError('decode', 'the image has no pixels');
    const input = pixels(bitmap, spec);
    const thumb = wantThumb ? (await jpeg(bitmap, THUMB, 0.8)).blob : null;
    const t1 = performance.now();
    const x = tf.tensor4d(input, [1, spec.size, spec.size, 3]);
    const out = predictNamed(model, nodes, x);
    try {
      const [probs, embedding] = await Promise.all([out.probs.data(), out.embedding.data()]);
      const sims = teach ? bank.cosines(embedding) : { ids: undefined, sims: undefined };
      return {
        simIds: sims.ids,
        sims: sims.sims,
        probs: Array.from(probs),
        embedding: Array.from(embedding),
        width: bitmap.width,
        height: bitmap.height,
        thumb,
        sha256,
        decodeMs: t1 - t0,
        inferMs: performance.now() - t1,
      };
    } finally {
      tf.dispose([x, out.probs, out.embedding]);
    }
  } finally {
    bitmap.close();
  }
}

// Downscale in steps of at most 2:1 (each a 2x2 average), then one last step to the exact size: one bilinear
// step from a 12 MP photo to 1600 px would sample 1 pixel in 6 and alias fine detail.
function downscale(bitmap, width, height) {
  let src = bitmap;
  let [w, h] = [bitmap.width, bitmap.height];
  while (w / 2 >= width && h / 2 >= height) {
    [w, h] = [Math.ceil(w / 2), Math.ceil(h / 2)];
    src = draw(src, w, h);
  }
  return draw(src, width, height, true);
}

function draw(src, width, height, opaque = false) {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (opaque) { // JPEG has no alpha: transparent parts become white, not black
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
  }
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(src, 0, 0, width, height);
  return canvas;
}

// A JPEG of the bitmap with its longest side at most maxSide (never enlarged): the resize verb's result and a
// card's thumbnail. Re-encoded from pixels, so EXIF (GPS, camera, the orientation already applied) and every
// other metadata block is left behind.
async function jpeg(bitmap, maxSide, quality) {
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const blob = await downscale(bitmap, width, height).convertToBlob({ type: 'image/jpeg', quality });
  return { blob, width, height };
}

async function resize({ file, maxSide, quality }) {
  if (!(file instanceof Blob)) throw new RequestError('bad_request', 'resize needs a File or Blob');
  if (!Number.isInteger(maxSide) || maxSide < 1) throw new RequestError('bad_request', 'maxSide must be a positive integer');
  if (!(quality > 0 && quality <= 1)) throw new RequestError('bad_request', 'quality must be in (0, 1]');
  const bitmap = await decode(file);
  try {
    if (bitmap.width === 0 || bitmap.height === 0) throw new RequestError('decode', 'the image has no pixels');
    return await jpeg(bitmap, maxSide, quality);
  } finally {
    bitmap.close();
  }
}

function examples() {
  if (!bank) throw new RequestError('not_loaded', 'the model is not loaded yet');
  return bank;
}

// Run a change to the example bank; a malformed request (no id, a wrong-sized embedding) is a bad_request.
function teachChange(change) {
  try {
    change(examples());
  } catch (err) {
    if (err instanceof TypeError) throw new RequestError('bad_request', err.message);
    throw err;
  }
  return { count: bank.size };
}

const handlers = {
  load,
  classify,
  resize,
  info: async () => ({ info: await backendInfo() }),
  teach_set: async ({ items }) => teachChange((b) => b.set(items ?? [])),
  teach_add: async ({ exampleId, embedding }) => teachChange((b) => b.add(exampleId, embedding)),
  teach_remove: async ({ ids }) => teachChange((b) => (ids ?? []).forEach((id) => b.remove(id))),
};
const replies = { load: 'loaded', classify: 'result', resize: 'resized', info: 'info', teach_set: 'teach', teach_add: 'teach',
  teach_remove: 'teach' };

self.onmessage = async ({ data }) => {
  const { id, type } = data ?? {};
  if (type === 'ping') {
    self.postMessage({ type: 'pong' }); // the client's watchdog: this worker is alive
    return;
  }
  const progress = (p) => self.postMessage({ id, type: 'progress', ...p });
  try {
    if (!handlers[type]) throw new RequestError('bad_request', `unknown request type ${JSON.stringify(type)}`);
    const reply = await handlers[type](data, progress);
    self.postMessage({ id, type: replies[type], ...reply });
  } catch (err) {
    const code = err instanceof RequestError ? err.code : type === 'load' ? 'load_failed' : 'internal';
    self.postMessage({ id, type: 'error', code, message: String(err.message || err) });
  }
};
