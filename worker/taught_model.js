// A taught model's decision (app/logic/taught_model.py): metadata `taught` names examples.bin, the examples'
// vectors (float32, `dim` each, label by label in `taught.labels` order). They go into an ExampleBank, whose
// labelScores every classify reply then carries as `scores`; Python decides from them, as in teach mode.
import { ExampleBank } from './examples.js';
import { RequestError } from './image.js';

/** The ExampleBank of a taught model in `base` (a URL), or null for a model with a trained head. */
export async function taughtBank(metadata, base) {
  const taught = metadata.taught;
  if (taught == null) return null;
  const dim = metadata.outputs?.embedding;
  const labels = Array.isArray(taught.labels) ? taught.labels : [];
  const count = labels.reduce((n, l) => n + (Number.isInteger(l?.examples) ? l.examples : NaN), 0);
  if (!labels.length || !Number.isInteger(count) || taught.dtype !== 'float32' || !Number.isInteger(dim)) {
    throw new RequestError('load_failed', 'the model\'s taught labels are not usable (metadata "taught")');
  }
  const res = await fetch(new URL(String(taught.file), base));
  if (!res.ok) throw new RequestError('load_failed', `the model's ${taught.file} is missing (HTTP ${res.status})`);
  const bytes = await res.arrayBuffer();
  if (bytes.byteLength !== count * dim * 4) {
    throw new RequestError('load_failed', `the model's ${taught.file} has ${bytes.byteLength} bytes, not `
      + `${count * dim * 4} (${count} examples of ${dim} floats)`);
  }
  const vectors = new Float32Array(bytes);
  const bank = new ExampleBank(dim);
  let row = 0;
  for (const { name, examples } of labels) {
    for (let i = 0; i < examples; i++, row++) bank.add(`e${row}`, vectors.subarray(row * dim, (row + 1) * dim), String(name));
  }
  return bank;
}
