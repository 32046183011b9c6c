// An example host page: a café-map site's own upload form, using snaptag's host API (docs/embedding.md).
// Each photo added is shrunk (snaptag.resize: upright JPEG, no location data) and sorted (snaptag.classify);
// its category badge can be changed ("Changed by you"); submit posts the shrunk photos, their categories, who chose
// each (snaptagBy: model or visitor) and the model's own answer as multipart/form-data.
// Photos may be added before snaptag is ready: their badges fill in when it is.
const { snaptag } = window;
const form = document.getElementById('cafe-form');
const list = document.getElementById('photo-list');
const status = document.getElementById('form-status');
const photos = []; // {file, li, badge, resized: Promise<Blob>, done: Promise}
let categories = null; // [{id, name}], once snaptag is ready

function el(tag, props = {}) {
  return Object.assign(document.createElement(tag), props);
}

function fill(badge) {
  if (!categories || badge.options.length) return;
  for (const { id, name } of categories) badge.append(el('option', { value: id, textContent: name }));
  badge.value = badge.dataset.category || 'review';
  badge.disabled = false;
}

function add(file) {
  const li = el('li');
  Object.assign(li.dataset, { photo: '', name: file.name, status: 'sorting' });
  const img = el('img', { alt: '' });
  const badge = el('select', { disabled: true });
  badge.setAttribute('aria-label', `Category of ${file.name}`);
  const note = el('span', { className: 'note', textContent: categories ? 'Sorting…' : 'Waiting for snaptag…' });
  badge.addEventListener('change', () => {
    li.dataset.category = badge.value;
    li.dataset.by = badge.value === photo.model?.category ? 'model' : 'visitor';
    note.textContent = li.dataset.by === 'visitor' ? 'Changed by you' : photo.sure;
  });
  const remove = el('button', { type: 'button', textContent: 'Remove' });
  li.append(img, el('div', { textContent: file.name }), badge, note, remove);
  list.append(li);
  fill(badge);

  const photo = { file, li, badge };
  photo.resized = snaptag.resize(file, { maxSide: 1600, quality: 0.85 });
  photo.resized.then((blob) => (img.src = URL.createObjectURL(blob)), () => {});
  const sorted = snaptag.classify(file).then((result) => {
    photo.model = result; // the model's own answer, posted beside the visitor's choice
    photo.sure = result.reason ? 'Not sure: please check' : `${Math.round(result.prob * 100)}% sure`;
    if (li.dataset.by === 'visitor') return; // the visitor chose first
    badge.dataset.category = li.dataset.category = result.category;
    li.dataset.by = 'model';
    fill(badge);
    badge.value = result.category;
    note.textContent = photo.sure;
  });
  photo.done = Promise.all([photo.resized, sorted]).then(
    () => (li.dataset.status = 'done'),
    (err) => {
      li.dataset.status = 'error';
      li.dataset.error = note.textContent = err.message;
    },
  );
  remove.addEventListener('click', () => {
    photos.splice(photos.indexOf(photo), 1);
    li.remove();
  });
  photos.push(photo);
}

snaptag.ready.then(
  (model) => {
    categories = [...model.categories, model.review];
    for (const { badge } of photos) fill(badge);
  },
  (err) => (status.textContent = `Photo sorting is unavailable: ${err.message}`),
);

document.getElementById('photos').addEventListener('change', (event) => {
  for (const file of event.target.files) add(file);
  event.target.value = '';
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  status.textContent = 'Preparing photos…';
  await Promise.all(photos.map((p) => p.done));
  const data = new FormData();
  data.append('name', document.getElementById('cafe-name').value);
  let sent = 0;
  const left = []; // photos not sent, with why (their cards say it too)
  for (const p of photos) {
    if (p.li.dataset.status !== 'done') {
      left.push(`${p.file.name} (${p.li.dataset.error})`);
      continue;
    }
    const name = p.file.name.replace(/\.[^.]*$/, '') + '.jpg';
    data.append('photo', new File([await p.resized], name, { type: 'image/jpeg' }));
    data.append('category', p.badge.value);
    data.append('snaptagBy', p.li.dataset.by);
    data.append('snaptagModelCategory', p.model.category);
    data.append('snaptagProb', String(p.model.prob));
    sent += 1;
  }
  status.textContent = `Sending ${sent} photo${sent === 1 ? '' : 's'}…`;
  try {
    const res = await fetch(form.action, { method: 'POST', body: data });
    if (!res.ok) throw new Error(`the server answered HTTP ${res.status}`);
    const reply = await res.json();
    status.textContent = `Sent ${reply.photos.length} photos of ${reply.name}.`
      + (left.length ? ` Not sent: ${left.join('; ')}.` : '');
    form.dataset.sent = JSON.stringify(reply);
  } catch (err) {
    status.textContent = `Upload failed: ${err.message}`;
  }
});
