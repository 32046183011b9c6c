// Teach mode's example vectors, held in the worker so that the cosine math stays off the main thread.
// One small class: set, add, remove, relabel, nearest, kins, labelScores, clear. Rows (unit vectors) live in one
// growing Float32Array with their labels; remove moves the last row into the gap, so add and remove are O(1)
// and nothing is left behind to dispose.

function norm(v) {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  return Math.sqrt(sum) || 1;
}

export class ExampleBank {
  constructor(dim) {
    this.dim = dim;
    this.ids = [];
    this.labels = []; // row -> its label
    this.rowOf = new Map();
    this.data = new Float32Array(dim * 64);
    this.centroids = null; // {version, names, dirs, means, mu}: labelScores' per-label vectors, made again on change
    this.kinOf = { version: -1, byId: new Map() }; // id -> `kins`' answer, while the rows are unchanged
    this.version = 0; // changes with every add and remove: a copy of the rows (a tensor, say) is stale when it differs
  }

  get size() {
    return this.ids.length;
  }

  set(items) {
    this.clear();
    for (const { id, embedding, label } of items) this.add(id, embedding, label);
  }

  add(id, embedding, label = '') {
    if (typeof id !== 'string' || !id) throw new TypeError('an example needs a string id');
    if (!embedding || embedding.length !== this.dim) {
      throw new TypeError(`an example needs a ${this.dim}-d embedding, got ${embedding?.length}`);
    }
    if (this.rowOf.has(id)) this.remove(id);
    if ((this.size + 1) * this.dim > this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const row = this.size;
    const n = norm(embedding);
    for (let i = 0; i < this.dim; i++) this.data[row * this.dim + i] = embedding[i] / n;
    this.ids.push(id);
    this.labels.push(label);
    this.rowOf.set(id, row);
    this.version += 1;
  }

  remove(id) {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    const last = this.size - 1;
    if (row !== last) {
      this.data.copyWithin(row * this.dim, last * this.dim, (last + 1) * this.dim);
      this.ids[row] = this.ids[last];
      this.labels[row] = this.labels[last];
      this.rowOf.set(this.ids[row], row);
    }
    this.ids.pop();
    this.labels.pop();
    this.rowOf.delete(id);
    this.version += 1;
    return true;
  }

  relabel(from, to) {
    this.labels = this.labels.map((label) => (label === from ? to : label));
    this.version += 1;
  }

  clear() {
    this.ids = [];
    this.labels = [];
    this.rowOf.clear();
    this.data = new Float32Array(this.dim * 64);
    this.version += 1;
  }

  /** {ids, sims}: the `k` examples most like `query` and their cosines, best first. O(n) for a small k, and
   * only k pairs leave the worker, however many examples there are. */
  nearest(query, k) {
    const { dim, data } = this;
    const n = norm(query);
    const count = Math.min(k, this.size);
    const rows = new Int32Array(count);
    const sims = new Float32Array(count).fill(-Infinity);
    for (let r = 0; r < this.size; r++) {
      let dot = 0;
      for (let i = 0, o = r * dim; i < dim; i++) dot += data[o + i] * query[i];
      const sim = dot / n;
      if (sim <= sims[count - 1]) continue;
      let j = count - 1; // insert into the sorted top k
      while (j > 0 && sims[j - 1] < sim) {
        sims[j] = sims[j - 1];
        rows[j] = rows[j - 1];
        j -= 1;
      }
      sims[j] = sim;
      rows[j] = r;
    }
    return { ids: Array.from(rows, (r) => this.ids[r]), sims };
  }

  /** Per id: the cosine of that example to the second nearest other example of its label (null when its label
   * has fewer than three): how close photos of its own kind are to it. The sorter's corrections ask it of the
   * nearest corrections (app/logic/corrections.py KIN). O(examples of that label x dim) per id, kept until a row
   * changes. */
  kins(ids) {
    if (this.kinOf.version !== this.version) this.kinOf = { version: this.version, byId: new Map() };
    const { dim, data } = this;
    return ids.map((id) => {
      if (this.kinOf.byId.has(id)) return this.kinOf.byId.get(id);
      const row = this.rowOf.get(id);
      let first = null;
      let second = null;
      for (let r = 0; row !== undefined && r < this.size; r++) {
        if (r === row || this.labels[r] !== this.labels[row]) continue;
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += data[r * dim + i] * data[row * dim + i];
        if (first === null || dot > first) [first, second] = [dot, first];
        else if (second === null || dot > second) second = dot;
      }
      this.kinOf.byId.set(id, second);
      return second;
    });
  }

  /** {labels, centred, centroid}: per label, the cosine of the query to the label's centroid (the mean of its
   * examples) with both centred on the mean of every example (what all labels share removed: "SimpleShot"), and
   * the plain cosine to that centroid. app/logic/teach.py decides from these; model/evaluation/fewshot.py
   * label_scores is the same math in numpy. O(labels x dim) per query; the centroids are made once per change. */
  labelScores(query) {
    const { names, dirs, means, mu } = this.#centroids();
    const { dim } = this;
    const n = norm(query);
    const q = new Float32Array(dim);
    let qq = 0;
    for (let i = 0; i < dim; i++) {
      q[i] = query[i] / n - mu[i];
      qq += q[i] * q[i];
    }
    const qn = Math.sqrt(qq) || 1;
    const centred = new Float32Array(names.length);
    const centroid = new Float32Array(names.length);
    for (let j = 0; j < names.length; j++) {
      let dot = 0;
      let raw = 0;
      for (let i = 0, o = j * dim; i < dim; i++) {
        dot += dirs[o + i] * q[i];
        raw += means[o + i] * query[i];
      }
      centred[j] = dot / qn;
      centroid[j] = raw / n;
    }
    return { labels: names, centred, centroid };
  }

  // Per label: `means`, its unit centroid, and `dirs`, unit(centroid - mean of all rows) (zeros where that is
  // nothing: a single label).
  #centroids() {
    if (this.centroids?.version === this.version) return this.centroids;
    const { dim, data } = this;
    const names = [...new Set(this.labels)];
    const index = new Map(names.map((name, j) => [name, j]));
    const sums = new Float64Array(names.length * dim);
    const counts = new Float64Array(names.length);
    const mu = new Float32Array(dim);
    for (let r = 0; r < this.size; r++) {
      const j = index.get(this.labels[r]);
      counts[j] += 1;
      for (let i = 0; i < dim; i++) {
        sums[j * dim + i] += data[r * dim + i];
        mu[i] += data[r * dim + i] / this.size;
      }
    }
    const dirs = new Float32Array(names.length * dim);
    const means = new Float32Array(names.length * dim);
    const unitInto = (out, o, value) => {
      let len = 0;
      for (let i = 0; i < dim; i++) len += value(i) ** 2;
      len = Math.sqrt(len);
      for (let i = 0; i < dim; i++) out[o + i] = len > 1e-6 ? value(i) / len : 0;
    };
    for (let j = 0, o = 0; j < names.length; j++, o += dim) {
      unitInto(means, o, (i) => sums[o + i] / counts[j]);
      unitInto(dirs, o, (i) => sums[o + i] / counts[j] - mu[i]);
    }
    this.centroids = { version: this.version, names, dirs, means, mu };
    return this.centroids;
  }
}
