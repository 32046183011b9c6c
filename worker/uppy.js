// The Uppy plugin's stable address (docs/embedding.md); the code is app/page/uppy.js.
export { default } from '../app/page/uppy.js';
