// IndexedDB as promises, for the worker's teach_db.js and the page's app/page/results_store.js. A write resolves
// only once its transaction has committed.

export function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('the write was aborted'));
  });
}

export function result(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function openDb(name, version, upgrade) {
  const request = indexedDB.open(name, version);
  request.onupgradeneeded = () => upgrade(request.result);
  return result(request);
}

export function write(db, stores, change) {
  const tx = db.transaction(stores, 'readwrite');
  change(tx);
  return done(tx);
}
