// snaptag with FilePond (docs/embedding.md): `onaddfile` classifies each photo into its metadata (`category`),
// and a `server.process` function posts snaptag.resize's upright JPEG without metadata (the photo as it is if
// that fails) with its category, once the category is known.
import * as FilePond from '../../vendor/filepond/filepond.esm.min.js';

const { snaptag } = window;
const sorting = new WeakMap(); // File -> its category (a promise that never rejects)

window.pond = FilePond.create(document.getElementById('photos'), {
  allowMultiple: true,
  instantUpload: false, // the visitor sees the categories, then uploads
  onaddfile(error, item) {
    if (error) return;
    const category = snaptag.classify(item.file).then((r) => r.category, () => 'review');
    sorting.set(item.file, category);
    category.then((id) => item.setMetadata('category', id));
  },
  server: {
    process(fieldName, file, metadata, load, error, progress, abort) {
      const controller = new AbortController();
      (async () => {
        const category = await (sorting.get(file) ?? metadata.category ?? 'review');
        const jpeg = await snaptag.resize(file, { maxSide: 1600 }).catch(() => file);
        const form = new FormData();
        form.append('photo', jpeg, jpeg === file ? file.name : `${file.name.replace(/\.[^.]*$/, '')}.jpg`);
        form.append('category', category);
        const res = await fetch('./upload', { method: 'POST', body: form, signal: controller.signal });
        if (!res.ok) throw new Error(`the server answered HTTP ${res.status}`);
        load(await res.text());
      })().catch((err) => error(err.message));
      return { abort: () => { controller.abort(); abort(); } };
    },
  },
});
