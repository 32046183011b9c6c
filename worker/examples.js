// Teach mode's example vectors, held in the worker so that the cosine math stays off the main thread.
// One small class: set, add, remove, nearest, clear. Rows live in one growing Float32Array; remove moves the
// last row into the gap, so add and remove are O(1) and nothing is left behind to dispose.

function norm(v) {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  return Math.sqrt(sum) || 1;
}

export class ExampleBank {
  constructor(dim) {
    this.dim = dim;
    this.ids = [];
    this.rowOf = new Map();
    this.data = new Float32Array(dim * 64);
    this.version = 0; // changes with every add and remove: a copy of the rows (a tensor, say) is stale when it differs
  }

  get size() {
    return this.ids.length;
  }

  set(items) {
    this.clear();
    for (const { id, embedding } of items) this.add(id, embedding);
  }

  add(id, embedding) {
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
      this.rowOf.set(this.ids[row], row);
    }
    this.ids.pop();
    this.rowOf.delete(id);
    this.version += 1;
    return true;
  }

  clear() {
    this.ids = [];
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
}
