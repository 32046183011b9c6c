// The model contract on the JS side, shared by the worker and the Node export check (model/packaging/tfjs_run.mjs).
// Outputs are looked up by signature name (`probs`, `embedding`): the converter's output order is not stable.

export const OUTPUTS = ['probs', 'embedding'];

/** Map each signature output name to its graph node name, e.g. {probs: 'Identity_1:0', ...}. */
export function outputNodes(model) {
  const sig = model.modelSignature?.outputs ?? {};
  const nodes = {};
  for (const name of OUTPUTS) {
    if (!sig[name]) throw new Error(`model has no output named "${name}" (outputs: ${Object.keys(sig).join(', ')})`);
    nodes[name] = sig[name].name;
  }
  return nodes;
}

/** Run the graph on x and return {probs, embedding} tensors; the caller disposes them. */
export function predictNamed(model, nodes, x) {
  const names = OUTPUTS.map((k) => nodes[k]);
  const out = model.execute(x, names);
  return Object.fromEntries(OUTPUTS.map((k, i) => [k, out[i]]));
}
