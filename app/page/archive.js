// Download sorted's zip (app/logic/archive.py decides what goes where): the original files, read as they are
// written into the zip by client-zip (vendored, `npm ci`), a stream that never holds the photos in memory; the
// result is a Blob, which Chromium keeps outside the page (on disk when large).
import { downloadZip } from '../../vendor/client-zip/index.js';

// entries: [{path, input}]: input a File (kept with its own modification time) or a string (the index files).
export function zipOf(entries) {
  const now = new Date();
  return downloadZip(entries.map(({ path, input }) => ({
    name: path, input, lastModified: input instanceof File ? new Date(input.lastModified) : now,
  }))).blob();
}

// A taught model (app/logic/taught_model.py) as one zip for `python build.py build --model`: the page's model
// files as they are (model.json and the shards it names), the new metadata.json, and examples.bin (`vectors`,
// Float32Arrays, concatenated in the metadata's label order).
export async function modelZip(modelUrl, metadataText, vectors) {
  const base = new URL(modelUrl, location.href);
  const fetched = async (name) => {
    const res = await fetch(new URL(name, base));
    if (!res.ok) throw Object.assign(new Error(`the model's ${name} could not be read (HTTP ${res.status})`), { code: 'load_failed' });
    return res.blob();
  };
  const graph = await fetched('model.json');
  const shards = JSON.parse(await graph.text()).weightsManifest.flatMap((group) => group.paths);
  const entries = [{ path: 'model.json', input: graph }];
  for (const path of shards) entries.push({ path, input: await fetched(path) });
  const dim = vectors.length ? vectors[0].length : 0;
  const rows = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => rows.set(v, i * dim));
  entries.push({ path: 'examples.bin', input: new Blob([rows]) }, { path: 'metadata.json', input: metadataText });
  return zipOf(entries);
}
