// snaptag with Dropzone (docs/embedding.md): `accept` classifies each photo (and never refuses it: one snaptag
// can't sort goes as 'review' and says why) and shows its category on the photo as a menu the visitor can
// change; the queue waits for the visitor's "Send" (`autoProcessQueue: false`); `transformFile` sends
// snaptag.resize's upright JPEG without metadata (the photo as it is if that fails), and `sending` adds the
// category, who chose it (`snaptagBy`: model or visitor) and the model's own answer to the form.
import Dropzone from '../../vendor/dropzone/dropzone.mjs';

const { snaptag } = window;
const send = document.getElementById('send');
let categories = null; // [{id, name}], review last, once snaptag is ready
snaptag.ready.then((model) => (categories = [...model.categories, model.review]), () => {});

// The photo's category, shown under its preview (not in .dz-details, which Dropzone shows only on hover).
function show(file) {
  const menu = Object.assign(document.createElement('select'), { className: 'snaptag-category' });
  menu.setAttribute('aria-label', `Category for ${file.name}`);
  for (const { id, name } of categories ?? [{ id: file.category, name: file.categoryName }]) {
    menu.append(Object.assign(document.createElement('option'), { value: id, textContent: name }));
  }
  menu.value = file.category;
  const note = Object.assign(document.createElement('div'), { className: 'snaptag-note', textContent: file.note });
  menu.addEventListener('change', () => {
    file.category = menu.value;
    file.by = menu.value === file.modelCategory ? 'model' : 'visitor';
    note.textContent = file.by === 'visitor' ? 'changed by you' : file.note;
  });
  file.previewElement?.append(menu, note);
}

function ready() {
  const waiting = window.dropzone.getQueuedFiles();
  send.disabled = !waiting.length || waiting.some((f) => f.category === undefined);
  send.textContent = waiting.length ? `Send ${waiting.length} photo${waiting.length === 1 ? '' : 's'}` : 'Send';
}

window.dropzone = new Dropzone('#photos', {
  paramName: 'photo',
  acceptedFiles: 'image/*',
  autoProcessQueue: false, // the visitor sees and can change the categories, then sends
  accept(file, done) {
    snaptag.classify(file).then(
      (r) => Object.assign(file, { category: r.category, categoryName: r.categoryName, prob: r.prob,
        reason: r.reason ?? '', note: r.reason ? 'not sure: please check' : `${Math.round(r.prob * 100)}% sure` }),
      (err) => Object.assign(file, { category: 'review', categoryName: 'Needs review', prob: 0, reason: 'error',
        note: `not sorted: ${err.message}` }),
    ).finally(() => {
      Object.assign(file, { modelCategory: file.category, by: 'model' });
      show(file);
      done();
      ready();
    });
  },
  transformFile(file, done) {
    snaptag.resize(file, { maxSide: 1600 }).then(done, () => done(file));
  },
  init() {
    this.on('addedfile', ready);
    this.on('removedfile', ready);
    this.on('queuecomplete', ready);
    this.on('sending', (file, xhr, form) => {
      form.append('category', file.category);
      form.append('snaptagBy', file.by);
      form.append('snaptagModelCategory', file.modelCategory);
      form.append('snaptagProb', String(file.prob));
      form.append('snaptagReason', file.reason);
    });
    this.on('complete', () => {
      next(); // the rest of what the visitor sent
      ready();
    });
  },
});

// What the visitor sent, a few at a time (photos added meanwhile wait for the next "Send").
const approved = [];
function next() {
  const dz = window.dropzone;
  while (approved.length && dz.getUploadingFiles().length < dz.options.parallelUploads) {
    const file = approved.shift();
    if (file.status === Dropzone.QUEUED) dz.processFile(file);
  }
}
send.addEventListener('click', () => {
  send.disabled = true;
  approved.push(...window.dropzone.getQueuedFiles());
  next();
});
