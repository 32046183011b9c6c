// Where the browser refuses IndexedDB (site data blocked, some private modes), PyScript's loader still opens a
// database for its package cache, and Python then fails to start. api.js installs this stand-in before PyScript
// loads: every database that is not snaptag's own lives in memory for the page's life. snaptag's own stores
// (names starting `snaptag`) still go to the real IndexedDB, fail, and say that nothing is kept.
// It implements what PyScript's IDBMap uses: open, transaction().objectStore(), and get, getKey, getAll,
// getAllKeys, count, put, delete, clear; each answers like an IDBRequest (onsuccess, async, `result`).

function answer(value) {
  const request = { result: undefined, onsuccess: null, onerror: null };
  setTimeout(() => {
    request.result = value;
    request.onsuccess?.({ type: 'success', target: request });
  });
  return request;
}

function store(map) {
  return {
    get: (key) => answer(map.get(key)),
    getKey: (key) => answer(map.has(key) ? key : undefined),
    getAll: () => answer([...map.values()]),
    getAllKeys: () => answer([...map.keys()]),
    count: () => answer(map.size),
    put: (value, key) => answer((map.set(key, value), key)),
    delete: (key) => answer((map.delete(key), undefined)),
    clear: () => answer(map.clear()),
  };
}

export function installStandIn(ours = (name) => String(name).startsWith('snaptag')) {
  const real = indexedDB.open.bind(indexedDB);
  const databases = new Map();
  indexedDB.open = (name, version) => {
    if (ours(name)) return real(name, version);
    if (!databases.has(name)) databases.set(name, new Map());
    const map = databases.get(name);
    const db = {
      objectStoreNames: { length: 1, contains: () => true },
      createObjectStore: () => store(map),
      transaction: () => ({ objectStore: () => store(map) }),
      close: () => {},
    };
    return answer(db);
  };
}

// Whether this page may use IndexedDB at all (a throwaway database, deleted again).
export function indexedDbWorks() {
  return new Promise((resolve) => {
    try {
      const request = indexedDB.open('snaptag-probe');
      request.onsuccess = () => {
        request.result.close();
        indexedDB.deleteDatabase('snaptag-probe');
        resolve(true);
      };
      request.onerror = () => resolve(false);
    } catch {
      resolve(false);
    }
  });
}
