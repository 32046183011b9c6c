// The host API's stable address: the code is the page's, app/page/api.js (it runs on the main thread, this
// folder holds what runs in the image worker). docs/embedding.md.
export * from '../app/page/api.js';
