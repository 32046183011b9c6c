// What dist/vendor/uppy/uppy.min.js exports (for examples/uppy/): the real @uppy packages pinned in
// package-lock.json. They ship as ES modules that import bare package names, which a browser can't resolve
// (and a strict CSP allows no inline import map), so tools/site.py bundles them with esbuild at build time.
export { Uppy } from '@uppy/core';
export { default as Dashboard } from '@uppy/dashboard';
export { default as XHRUpload } from '@uppy/xhr-upload';
