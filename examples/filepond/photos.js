// snaptag with FilePond (docs/embedding.md): `onaddfile` classifies each photo into its metadata (`category`,
// `snaptagBy`, the model's own answer apart) and shows it on the item, with a small thumbnail, as a menu the
// visitor can change; nothing uploads until the visitor says so (`instantUpload: false`), and a
// `server.process` function then posts snaptag.resize's upright JPEG without metadata (the photo as it is if
// that fails) with all of it.
import * as FilePond from '../../vendor/filepond/filepond.esm.min.js';

const { snaptag } = window;
const sorting = new WeakMap(); // File -> its classification (a promise that never rejects)
let categories = null; // [{id, name}], review last, once snaptag is ready
snaptag.ready.then((model) => (categories = [...model.categories, model.review]), () => {});

const el = (tag, props = {}) => Object.assign(document.createElement(tag), props);

// The item's thumbnail and category menu, inside FilePond's file info (a part FilePond does not measure).
function decorate(item) {
  const info = document.querySelector(`#filepond--item-${item.id} .filepond--file-info`);
  if (!info || info.querySelector('.snaptag-category') || !(item.file instanceof Blob)) return; // (not loaded yet)
  const thumb = el('img', { className: 'snaptag-thumb', alt: '', src: URL.createObjectURL(item.file) });
  Object.assign(thumb.style, { width: '32px', height: '32px', objectFit: 'cover', borderRadius: '4px',
    flex: 'none' });
  thumb.addEventListener('load', () => URL.revokeObjectURL(thumb.src), { once: true });
  const menu = el('select', { className: 'snaptag-category', disabled: true });
  menu.setAttribute('aria-label', `Category for ${item.filename}`);
  menu.append(el('option', { value: '', textContent: 'Sorting…' }));
  Object.assign(menu.style, { pointerEvents: 'auto', fontSize: '12px', flex: 'none' });
  menu.addEventListener('change', () => {
    item.setMetadata('category', menu.value);
    item.setMetadata('snaptagBy', menu.value === item.getMetadata('snaptagModelCategory') ? 'model' : 'visitor');
  });
  // One row: thumbnail, FilePond's own name and size (moved into a column; it keeps updating them), the menu.
  const texts = el('div');
  Object.assign(texts.style, { display: 'flex', flexDirection: 'column', minWidth: '0' });
  texts.append(...info.children);
  Object.assign(info.style, { display: 'flex', flexDirection: 'row', alignItems: 'center', gap: '8px' });
  info.append(thumb, texts, menu);
  fill(item);
}

// The item's menu shows the categories and its own, once it is sorted (FilePond may draw it before or after).
function fill(item) {
  const menu = document.querySelector(`#filepond--item-${item.id} select.snaptag-category`);
  if (!menu || !item.getMetadata('category')) return;
  menu.replaceChildren(...(categories ?? [{ id: item.getMetadata('category'), name: item.getMetadata('categoryName') }])
    .map(({ id, name }) => el('option', { value: id, textContent: name })));
  menu.value = item.getMetadata('category');
  menu.disabled = false;
}

window.pond = FilePond.create(document.getElementById('photos'), {
  allowMultiple: true,
  instantUpload: false, // the visitor sees the categories, then uploads
  onaddfile(error, item) {
    if (error) return;
    const sorted = snaptag.classify(item.file).then(
      (r) => ({ category: r.category, categoryName: r.categoryName, prob: r.prob, reason: r.reason ?? '' }),
      (err) => ({ category: 'review', categoryName: 'Needs review', prob: 0, reason: 'error', error: err.message }),
    ).then((r) => {
      item.setMetadata('category', r.category);
      item.setMetadata('categoryName', r.categoryName);
      item.setMetadata('snaptagBy', 'model');
      item.setMetadata('snaptagModelCategory', r.category);
      item.setMetadata('snaptagProb', r.prob);
      item.setMetadata('snaptagReason', r.reason);
      fill(item);
      return r.category;
    });
    sorting.set(item.file, sorted);
    decorate(item);
  },
  server: {
    process(fieldName, file, metadata, load, error, progress, abort) {
      const controller = new AbortController();
      (async () => {
        await sorting.get(file);
        const item = window.pond.getFiles().find((f) => f.file === file);
        const meta = item ? item.getMetadata() : metadata;
        const jpeg = await snaptag.resize(file, { maxSide: 1600 }).catch(() => file);
        const form = new FormData();
        form.append('photo', jpeg, jpeg === file ? file.name : `${file.name.replace(/\.[^.]*$/, '')}.jpg`);
        for (const key of ['category', 'snaptagBy', 'snaptagModelCategory', 'snaptagProb', 'snaptagReason']) {
          form.append(key, String(meta[key] ?? ''));
        }
        const res = await fetch('./upload', { method: 'POST', body: form, signal: controller.signal });
        if (!res.ok) throw new Error(`the server answered HTTP ${res.status}`);
        load(await res.text());
      })().catch((err) => error(err.message));
      return { abort: () => { controller.abort(); abort(); } };
    },
  },
});
// FilePond draws an item after onaddfile: decorate it once it is there.
new MutationObserver(() => window.pond.getFiles().forEach(decorate))
  .observe(window.pond.element, { childList: true, subtree: true });
