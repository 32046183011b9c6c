// Teach mode's persistence on the page: labels and examples in IndexedDB, so they survive a reload and work
// offline. Every write resolves only once its transaction has committed: the caller (Python) says "added"
// after that, so a crash loses at most the example being added.
//   labels:   {name, order}
//   examples: {id, label, embedding: Float32Array, photo: Blob (small JPEG), model, added}

import { openDb, result, write } from './idb.js';

const DB_NAME = 'snaptag-teach';
const DB_VERSION = 1;

export class TeachStore {
  constructor(db) {
    this.db = db;
  }

  static async open(name = DB_NAME) {
    return new TeachStore(await openDb(name, DB_VERSION, (db) => {
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

  putExample(example) {
    return this.#write(['examples'], (tx) => tx.objectStore('examples').put(example));
  }

  deleteExample(id) {
    return this.#write(['examples'], (tx) => tx.objectStore('examples').delete(id));
  }

  clear() {
    return this.#write(['labels', 'examples'], (tx) => {
      tx.objectStore('labels').clear();
      tx.objectStore('examples').clear();
    });
  }
}
