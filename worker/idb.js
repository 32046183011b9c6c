// IndexedDB as promises, for the worker's teach_db.js and the page's app/page/results_store.js. A write resolves
// only once its transaction has committed; every promise settles, and rejects with an Error-like object that
// has a name and a message (a QuotaExceededError when storage is full), never with null.

function failed(error, what) {
  return error ?? Object.assign(new Error(what), { name: 'StorageError' });
}

export function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = (event) => reject(failed(event.target?.error ?? tx.error, 'the write failed'));
    tx.onabort = () => reject(failed(tx.error, 'the write was aborted'));
  });
}

export function result(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(failed(request.error, 'the read failed'));
  });
}

export function openDb(name, version, upgrade) {
  const request = indexedDB.open(name, version);
  request.onupgradeneeded = () => upgrade(request.result);
  return result(request);
}

export function write(db, stores, change) {
  try {
    const tx = db.transaction(stores, 'readwrite');
    change(tx);
    return done(tx);
  } catch (err) {
    return Promise.reject(failed(err, 'the write failed')); // a closed connection, a value it can't store
  }
}
