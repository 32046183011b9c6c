// Runs an exported snaptag graph model in the real tfjs WASM runtime (Node), for export parity and latency.
// usage: node model/packaging/tfjs_run.mjs MODEL_DIR INPUT.f32 N OUT.json [--time K]
//   INPUT.f32: N float32 images, NHWC, already preprocessed; the size is read from model.json.
//   OUT.json: {backend, outputs: {probs: [[...]...], embedding: [[...]...]}, infer_ms_median?}
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-wasm');
const { loadGraphModel } = require('@tensorflow/tfjs-converter');
const { outputNodes, predictNamed } = await import('../../worker/model_io.js');

const [modelDir, inputPath, nArg, outPath, ...rest] = process.argv.slice(2);
const timeRuns = rest[0] === '--time' ? Number(rest[1]) : 0;

const fetchFunc = async (url) => {
  const file = path.join(modelDir, path.basename(String(url)));
  const bytes = await readFile(file);
  return new Response(bytes, { status: 200 });
};

await tf.setBackend('wasm');
await tf.ready();
const model = await loadGraphModel(path.join(modelDir, 'model.json'), { fetchFunc });
const nodes = outputNodes(model);
const shape = model.inputs[0].shape;
const [h, w, c] = [shape[1], shape[2], shape[3]];
const n = Number(nArg);
const raw = await readFile(inputPath);
const data = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
if (data.length !== n * h * w * c) throw new Error(`input has ${data.length} floats, expected ${n}x${h}x${w}x${c}`);

const outputs = {};
for (let i = 0; i < n; i++) {
  const x = tf.tensor4d(data.subarray(i * h * w * c, (i + 1) * h * w * c), [1, h, w, c]);
  const y = predictNamed(model, nodes, x);
  for (const [name, t] of Object.entries(y)) {
    (outputs[name] ??= []).push(Array.from(await t.data()));
    t.dispose();
  }
  x.dispose();
}

const result = { backend: tf.getBackend(), outputs };
if (timeRuns > 0) {
  const x = tf.tensor4d(data.subarray(0, h * w * c), [1, h, w, c]);
  const times = [];
  for (let i = 0; i < timeRuns + 5; i++) {
    const t0 = performance.now();
    const y = predictNamed(model, nodes, x);
    await y.probs.data();
    for (const t of Object.values(y)) t.dispose();
    if (i >= 5) times.push(performance.now() - t0);
  }
  x.dispose();
  times.sort((a, b) => a - b);
  result.infer_ms_median = times[Math.floor(times.length / 2)];
}
await writeFile(outPath, JSON.stringify(result));
