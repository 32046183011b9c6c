// Download sorted's zip (app/logic/archive.py decides what goes where): the original files, read as they are
// written into the zip by client-zip (vendored, `npm ci`), a stream that never holds the photos in memory; the
// result is a Blob, which Chromium keeps outside the page (on disk when large).
import { downloadZip } from '../../vendor/client-zip/index.js';

// entries: [{path, input}]: input a File (kept with its own modification time) or a string (the index files).
export function zipOf(entries) {
  const now = new Date();
  return downloadZip(entries.map(({ path, input }) => ({
    name: path, input, lastModified: input instanceof File ? new Date(input.lastModified) : now,
  }))).blob();
}
