// The sorter's results kept in IndexedDB across reloads and offline: one record per photo, keyed by its
// content hash (app/logic/saved.py makes and reads the records; `thumb` is a small JPEG Blob). Original files are not
// kept. Writes resolve once committed, in the order they were made.
import { openDb, result, write } from '../../worker/idb.js';

export class ResultsStore {
  constructor(db) {
    this.db = db;
  }

  static async open(name = 'snaptag-results') {
    return new ResultsStore(await openDb(name, 1, (db) => db.createObjectStore('photos', { keyPath: 'id' })));
  }

  async all() {
    const records = await result(this.db.transaction('photos').objectStore('photos').getAll());
    return records.sort((a, b) => a.added - b.added);
  }

  async get(id) {
    return (await result(this.db.transaction('photos').objectStore('photos').get(id))) ?? null;
  }

  put(record) {
    return write(this.db, ['photos'], (tx) => tx.objectStore('photos').put(record));
  }

  delete(id) {
    return write(this.db, ['photos'], (tx) => tx.objectStore('photos').delete(id));
  }

  clear() {
    return write(this.db, ['photos'], (tx) => tx.objectStore('photos').clear());
  }
}
