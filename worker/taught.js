// One label set's state in the worker: the example vectors (ExampleBank, for the cosines) and their copy in
// IndexedDB (TeachDb). The worker is their one owner: the page sends photos and ids and gets labels, ids and
// thumbnails back; a vector leaves the worker only for an export (`dump`). A new worker (after a crash) opens
// the same set and has every vector back. Without IndexedDB (blocked site data) the set lives in this worker's
// memory only (MemoryDb) and `persistent` says so.
import { ExampleBank } from './examples.js';
import { MemoryDb, TeachDb } from './teach_db.js';

const ON_TF_FROM = 512; // examples: from here the cosines run as one tfjs (WASM, SIMD) matMul, not a JS loop

export class TaughtSet {
  constructor(dim, modelId) {
    this.bank = new ExampleBank(dim);
    this.rows = null; // {tensor, version}: the bank's rows in tfjs, made again after the bank changes
    this.modelId = modelId;
    this.db = null;
    this.persistent = false;
    this.nextOrder = 0;
  }

  // Labels and examples from IndexedDB; vectors of another model are made again with `embed(photo)`
  // (one that fails is reported and dropped, the others stay). `progress({done, total})` while it does.
  async open(name, embed, progress) {
    let saved = { labels: [], examples: [] };
    let message = '';
    try {
      const db = await TeachDb.open(name);
      saved = await db.load();
      [this.db, this.persistent] = [db, true];
    } catch (err) {
      message = `labels can't be kept in this browser (${err?.message || err}); they last until the page closes`;
      this.db = MemoryDb.open(name);
      saved = await this.db.load();
    }
    this.nextOrder = saved.labels.reduce((m, l) => Math.max(m, (l.order ?? 0) + 1), 0);
    const labels = saved.labels.map((l) => l.name);
    const known = new Set(labels);
    const fresh = [];
    const stale = []; // taught with another model: embedded again below
    for (const ex of saved.examples.filter((e) => known.has(e.label))) {
      if (ex.model === this.modelId && ex.embedding?.length === this.bank.dim) {
        fresh.push(ex);
        this.bank.add(ex.id, ex.embedding, ex.label);
      } else stale.push(ex);
    }
    const failed = [];
    for (const [i, ex] of stale.entries()) {
      progress({ done: i, total: stale.length });
      try {
        const { embedding } = await embed(ex.photo);
        await this.#keep({ ...ex, embedding, model: this.modelId });
        fresh.push(ex);
      } catch (err) {
        failed.push({ id: ex.id, label: ex.label, message: String(err?.message || err) });
      }
    }
    fresh.sort((a, b) => a.added - b.added);
    return {
      labels,
      examples: fresh.map(({ id, label, photo }) => ({ id, label, photo })),
      updated: stale.length - failed.length,
      failed,
      persistent: this.persistent,
      message,
    };
  }

  async #keep(example) {
    await this.db.putExamples([example]);
    this.bank.add(example.id, example.embedding, example.label);
  }

  async addLabel(name) {
    await this.db.putLabel(name, this.nextOrder);
    this.nextOrder += 1;
  }

  async renameLabel(name, to) {
    await this.db.renameLabel(name, to);
    this.bank.relabel(name, to);
  }

  // The page says which examples were the label's (Python keeps id -> label for its decisions).
  async deleteLabel(name, ids) {
    await this.db.deleteLabel(name);
    ids.forEach((id) => this.bank.remove(id));
  }

  async add(id, label, embedding, photo) {
    await this.#keep({ id, label, embedding, photo, model: this.modelId, added: Date.now() });
  }

  async remove(ids) {
    await this.db.deleteExamples(ids);
    ids.forEach((id) => this.bank.remove(id));
  }

  /** {ids, sims, kins}: the `k` examples nearest `query`, best first (ExampleBank.nearest's answer), and each
   * one's kin: its cosine to the second nearest other example of its label (ExampleBank.kins). A large set is searched in tfjs:
   * 5,000 examples took 15 ms per photo in the JS loop. */
  nearest(query, k) {
    const found = this.#nearest(query, k);
    return { ...found, kins: this.bank.kins(found.ids) };
  }

  #nearest(query, k) {
    const { bank } = this;
    if (bank.size < ON_TF_FROM) return bank.nearest(query, k);
    const tf = self.tf;
    if (this.rows?.version !== bank.version) { // kept transposed, [dim, n]: q [1, dim] x it took 6 ms, not 10
      this.rows?.tensor.dispose();
      this.rows = { version: bank.version, tensor: tf.tidy(() => tf.transpose(
        tf.tensor2d(bank.data.subarray(0, bank.size * bank.dim), [bank.size, bank.dim]))) };
    }
    const [sims, rows] = tf.tidy(() => {
      const q = tf.tensor2d(query, [1, bank.dim]);
      const cos = tf.div(tf.reshape(tf.matMul(q, this.rows.tensor), [-1]), tf.norm(q));
      const { values, indices } = tf.topk(cos, Math.min(k, bank.size));
      return [values.dataSync(), indices.dataSync()];
    });
    return { ids: Array.from(rows, (r) => bank.ids[r]), sims };
  }

  /** {labels, centred, centroid} per label (ExampleBank.labelScores): what teach mode decides from. */
  labelScores(query) {
    return this.bank.labelScores(query);
  }

  close() {
    this.db?.close();
    this.rows?.tensor.dispose();
    this.rows = null;
  }

  // Everything, embeddings included: for the export file.
  async dump() {
    const { labels, examples } = await this.db.load();
    return {
      labels: labels.map((l) => l.name),
      examples: examples.filter((ex) => this.bank.rowOf.has(ex.id))
        .map(({ id, label, photo, embedding }) => ({ id, label, photo, embedding })),
    };
  }
}
