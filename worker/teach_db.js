// Teach mode's labels and examples in IndexedDB, read and written by the worker only (it holds the vectors
// too): one owner, so a new worker after a crash reads the same state back and the page keeps no copy.
// Every write resolves once its transaction has committed.
//   labels:   {name, order}            order: a counter, so labels come back in the order they were made
//   examples: {id, label, embedding: Float32Array, photo: Blob (small JPEG), model, added}
import { openDb, result, write } from './idb.js';

const DB_VERSION = 1;

export class TeachDb {
  constructor(db) {
    this.db = db;
  }

  static async open(name) {
    return new TeachDb(await openDb(name, DB_VERSION, (db) => {
      db.createObjectStore('labels', { keyPath: 'name' });
      db.createObjectStore('examples', { keyPath: 'id' }).createIndex('label', 'label');
    }));
  }

  async load() {
    const tx = this.db.transaction(['labels', 'examples']);
    const [labels, examples] = await Promise.all([
      result(tx.objectStore('labels').getAll()),
      result(tx.objectStore('examples').getAll()),
    ]);
    labels.sort((a, b) => a.order - b.order);
    examples.sort((a, b) => a.added - b.added);
    return { labels, examples };
  }

  #write(stores, change) {
    return write(this.db, stores, change);
  }

  putLabel(name, order) {
    return this.#write(['labels'], (tx) => tx.objectStore('labels').put({ name, order }));
  }

  /** Rename a label and move its examples, in one transaction. */
  renameLabel(oldName, newName) {
    return this.#write(['labels', 'examples'], (tx) => {
      const labels = tx.objectStore('labels');
      labels.get(oldName).onsuccess = (e) => {
        labels.delete(oldName);
        labels.put({ ...e.target.result, name: newName });
      };
      const examples = tx.objectStore('examples');
      examples.index('label').openCursor(IDBKeyRange.only(oldName)).onsuccess = (e) => {
        const cursor = e.target.result;
        if (!cursor) return;
        cursor.update({ ...cursor.value, label: newName });
        cursor.continue();
      };
    });
  }

  /** Delete a label and all its examples, in one transaction. */
  deleteLabel(name) {
    return this.#write(['labels', 'examples'], (tx) => {
      tx.objectStore('labels').delete(name);
      tx.objectStore('examples').index('label').openCursor(IDBKeyRange.only(name)).onsuccess = (e) => {
        const cursor = e.target.result;
        if (!cursor) return;
        cursor.delete();
        cursor.continue();
      };
    });
  }

  putExamples(examples) {
    return this.#write(['examples'], (tx) => examples.forEach((ex) => tx.objectStore('examples').put(ex)));
  }

  deleteExamples(ids) {
    return this.#write(['examples'], (tx) => ids.forEach((id) => tx.objectStore('examples').delete(id)));
  }
}

// The same verbs in memory: teach mode without IndexedDB (site data blocked) lasts until the page closes.
export class MemoryDb {
  constructor() {
    this.labels = new Map(); // name -> order
    this.examples = new Map(); // id -> record
  }

  async load() {
    return {
      labels: [...this.labels].map(([name, order]) => ({ name, order })).sort((a, b) => a.order - b.order),
      examples: [...this.examples.values()].sort((a, b) => a.added - b.added),
    };
  }

  async putLabel(name, order) {
    this.labels.set(name, order);
  }

  async renameLabel(oldName, newName) {
    this.labels.set(newName, this.labels.get(oldName));
    this.labels.delete(oldName);
    for (const ex of this.examples.values()) if (ex.label === oldName) ex.label = newName;
  }

  async deleteLabel(name) {
    this.labels.delete(name);
    for (const [id, ex] of this.examples) if (ex.label === name) this.examples.delete(id);
  }

  async putExamples(examples) {
    examples.forEach((ex) => this.examples.set(ex.id, ex));
  }

  async deleteExamples(ids) {
    ids.forEach((id) => this.examples.delete(id));
  }
}
