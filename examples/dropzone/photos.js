// snaptag with Dropzone (docs/embedding.md): `accept` classifies each photo (and never refuses it: one snaptag
// can't sort goes as 'review' and says why), `transformFile` sends snaptag.resize's upright JPEG without
// metadata (the photo as it is if that fails), and `sending` adds the category to the form.
import Dropzone from '../../vendor/dropzone/dropzone.mjs';

const { snaptag } = window;

function show(file, text) {
  const note = Object.assign(document.createElement('div'), { className: 'snaptag-category', textContent: text });
  file.previewElement?.querySelector('.dz-details')?.append(note);
}

window.dropzone = new Dropzone('#photos', {
  paramName: 'photo',
  acceptedFiles: 'image/*',
  accept(file, done) {
    snaptag.classify(file).then(
      (r) => Object.assign(file, { category: r.category, categoryName: r.categoryName }),
      (err) => Object.assign(file, { category: 'review', categoryName: `Not sorted: ${err.message}` }),
    ).finally(() => {
      show(file, file.categoryName);
      done();
    });
  },
  transformFile(file, done) {
    snaptag.resize(file, { maxSide: 1600 }).then(done, () => done(file));
  },
  init() {
    this.on('sending', (file, xhr, form) => form.append('category', file.category));
  },
});
