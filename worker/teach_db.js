// Label sets in IndexedDB, one database per set (`snaptag-labels:<name>`), read and written by the worker only
// (it holds the vectors too): one owner, so a new worker after a crash reads the same state back and the page
// keeps no copy. Every write resolves once its transaction has committed.
//   labels:   {name, order}            order: a counter, so labels come back in the order they were made
//   examples: {id, label, embedding: Float32Array, photo: Blob (small JPEG), model, added}
import { openDb, result, write } from './idb.js';

const DB_VERSION = 1;
const PREFIX = 'snaptag-labels:';
const LEGACY = { 'My labels': 'snaptag-teach' }; // set name -> its database before sets had names

// Another tab of this site may have changed the set since this one read it: a write that would hide or orphan
// data is refused inside its transaction (worker.js answers code 'conflict').
export class Conflict extends Error {
  constructor(message) {
    super(message);
    this.name = 'Conflict';
  }
}

export class TeachDb {
  constructor(db) {
    this.db = db;
  }

  static async open(name, dbName = PREFIX + name) {
    let created = false;
    const db = await openDb(dbName, DB_VERSION, (made) => {
      created = true;
      made.createObjectStore('labels', { keyPath: 'name' });
      made.createObjectStore('examples', { keyPath: 'id' }).createIndex('label', 'label');
    });
    db.onversionchange = () => db.close(); // the set is being removed (here or in another tab): let it go
    const set = new TeachDb(db);
    if (created && LEGACY[name]) await set.#takeOver(LEGACY[name]);
    return set;
  }

  // A set stored before sets had names (teach mode's, until 2026-12): copied in, then deleted, so an update
  // loses no label.
  async #takeOver(legacy) {
    if (!(await indexedDB.databases()).some((d) => d.name === legacy)) return;
    const old = await TeachDb.open('', legacy);
    const { labels, examples } = await old.load();
    old.close();
    await this.#write(['labels', 'examples'], (tx) => {
      labels.forEach((l) => tx.objectStore('labels').put(l));
      examples.forEach((ex) => tx.objectStore('examples').put(ex));
    });
    await result(indexedDB.deleteDatabase(legacy));
  }

  /** The names of the stored sets. */
  static async names() {
    return (await indexedDB.databases()).map((d) => d.name).filter((n) => n?.startsWith(PREFIX))
      .map((n) => n.slice(PREFIX.length));
  }

  /** Delete a set; resolves once it is gone (other connections are closed first: see `open`). */
  static remove(name) {
    return result(indexedDB.deleteDatabase(PREFIX + name));
  }

  close() {
    this.db.close();
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

  /** A new label, unless one of the same name in another case exists (made in another tab, say). */
  async putLabel(name, order) {
    let taken = null;
    await this.#write(['labels'], (tx) => {
      const labels = tx.objectStore('labels');
      labels.getAllKeys().onsuccess = (e) => {
        taken = e.target.result.find((k) => k !== name && k.toLowerCase() === name.toLowerCase()) ?? null;
        if (taken === null) labels.put({ name, order });
      };
    });
    if (taken !== null) throw new Conflict(`there is already a label called ${JSON.stringify(taken)} (made in another tab?)`);
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

  /** Examples, each only if its label still exists (another tab may have deleted it). */
  async putExamples(examples) {
    const missing = new Set();
    await this.#write(['labels', 'examples'], (tx) => {
      for (const ex of examples) {
        tx.objectStore('labels').getKey(ex.label).onsuccess = (e) => {
          if (e.target.result === undefined) missing.add(ex.label);
          else tx.objectStore('examples').put(ex);
        };
      }
    });
    if (missing.size) {
      throw new Conflict(`the label ${JSON.stringify([...missing][0])} no longer exists (deleted in another tab?)`);
    }
  }

  deleteExamples(ids) {
    return this.#write(['examples'], (tx) => ids.forEach((id) => tx.objectStore('examples').delete(id)));
  }
}

// The same verbs in memory: a set without IndexedDB (site data blocked) lasts until the worker ends.
export class MemoryDb {
  static sets = new Map(); // name -> MemoryDb: a set closed and opened again in this worker is still there

  static open(name) {
    if (!MemoryDb.sets.has(name)) MemoryDb.sets.set(name, new MemoryDb());
    return MemoryDb.sets.get(name);
  }

  close() {}

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
