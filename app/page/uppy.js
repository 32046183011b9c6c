// snaptag as an Uppy plugin (docs/embedding.md): `uppy.use(Snaptag, {resize: {maxSide: 1600}})`.
//
// - file-added: each photo is classified (snaptag.classify; a photo added before snaptag is ready waits) and its
//   meta gets `category` (a category id or 'review'), `categoryName`, `snaptagBy` ('model', or 'visitor' once
//   the visitor chose another), the model's own answer apart (`snaptagModelCategory`, `snaptagProb`) and
//   `snaptagReason` ('' when sure, 'unsure', 'out_of_scope', or 'error' with `snaptagError`, the message that
//   is also shown). All of it is posted with the photo.
// - The Dashboard (if the Uppy has one, now or later) shows each photo's category on its tile, as a menu the
//   visitor can change before uploading (`tiles: false`: not), and gets a Category field in its file card.
// - Upload: a preprocessor replaces each photo by snaptag.resize's upright JPEG without metadata, with
//   preprocess-progress / preprocess-complete events. A photo that can't be sorted or shrunk is still uploaded
//   (as it is) and says why; nothing here blocks an upload.
// - uninstall() undoes install(): listeners, the preprocessor and the Dashboard field.
//
// It needs nothing from Uppy's own modules (Uppy takes any class with id, type, install, uninstall and update),
// so it works with whichever Uppy build the page uses.
import { snaptag } from './api.js';

const DEFAULTS = {
  id: 'Snaptag',
  resize: {}, // snaptag.resize's options (its defaults: longest side 1600, quality 0.85); false: upload as added
  dashboard: 'Dashboard', // the id of the Dashboard to add the Category field to
  fieldName: 'Category', // that field's label; false: no field
  tiles: true, // each Dashboard tile shows its photo's category as a menu
};
const TILE = 'snaptag-uppy-tile';

const jpegName = (name) => `${name.replace(/\.[^./]*$/, '') || 'photo'}.jpg`;
// What snaptag is given: photos (and files whose type the browser didn't know), never a PDF or a video.
const isPhoto = (file) => !file.isRemote && file.data instanceof Blob && (!file.type || file.type.startsWith('image/'));

export default class Snaptag {
  static VERSION = '1';

  #categories = null; // [{id, name}] with review last, once snaptag is ready
  #sorted = new Map(); // file id -> its classification's promise (never rejects)
  #shrunk = new Set(); // file ids already replaced by their JPEG (a retried upload keeps them)
  #installed = false;
  #priorFields; // the Dashboard's metaFields before ours (undefined: not added)
  #tileWatch = null; // a MutationObserver: the Dashboard draws its tiles anew, each gets its menu back

  constructor(uppy, opts = {}) {
    this.uppy = uppy;
    this.opts = { ...DEFAULTS, ...opts };
    this.id = this.opts.id;
    this.type = 'modifier';
  }

  install() {
    this.#installed = true;
    snaptag.ready.then((model) => {
      this.#categories = [...model.categories, model.review];
      this.#dashboard()?.setPluginState({}); // the open file card shows the choices
    }, () => {});
    this.uppy.on('file-added', this.#onAdded);
    this.uppy.on('plugin-added', this.#onPlugin);
    this.uppy.on('dashboard:file-edit-complete', this.#onEdited);
    this.uppy.on('file-removed', this.#onRemoved);
    if (this.opts.resize !== false) this.uppy.addPreProcessor(this.#shrink);
    this.#addField();
    if (this.opts.tiles) {
      this.#tileWatch = new MutationObserver(() => this.#tiles());
      this.#tileWatch.observe(document.body, { childList: true, subtree: true });
      this.uppy.on('state-update', this.#tiles);
    }
    for (const file of this.uppy.getFiles()) this.#onAdded(file);
  }

  uninstall() {
    this.#installed = false;
    this.uppy.off('file-added', this.#onAdded);
    this.uppy.off('plugin-added', this.#onPlugin);
    this.uppy.off('dashboard:file-edit-complete', this.#onEdited);
    this.uppy.off('file-removed', this.#onRemoved);
    if (this.opts.resize !== false) this.uppy.removePreProcessor(this.#shrink);
    this.#removeField();
    if (this.#tileWatch) {
      this.#tileWatch.disconnect();
      this.#tileWatch = null;
      this.uppy.off('state-update', this.#tiles);
      document.querySelectorAll(`.${TILE}`).forEach((node) => node.remove());
    }
    this.#sorted.clear();
    this.#shrunk.clear();
  }

  update() {}

  setOptions(opts) {
    this.opts = { ...this.opts, ...opts };
  }

  #onAdded = (file) => {
    if (!isPhoto(file) || this.#sorted.has(file.id)) return;
    this.#sorted.set(file.id, snaptag.classify(file.data).then(
      (r) => this.#meta(file.id, { category: r.category, categoryName: r.categoryName, snaptagBy: 'model',
        snaptagModelCategory: r.category, snaptagProb: r.prob, snaptagReason: r.reason ?? '' }),
      (err) => this.#failed(file.id, err, 'not sorted', true),
    ));
  };

  #onRemoved = (file) => {
    this.#sorted.delete(file.id);
    this.#shrunk.delete(file.id);
  };

  // The visitor's choice in the file card: its name goes with it, and who chose.
  #onEdited = (file) => {
    const current = file && this.uppy.getFile(file.id);
    if (current) this.#choose(current.id, current.meta.category);
  };

  // The visitor filed a photo under `category` (on its tile or in its file card).
  #choose(id, category) {
    const file = this.uppy.getFile(id);
    const chosen = this.#categories?.find((c) => c.id === category);
    if (!file || !chosen) return;
    const by = file.meta.snaptagModelCategory === undefined || category !== file.meta.snaptagModelCategory
      ? 'visitor' : 'model';
    const meta = { category, categoryName: chosen.name, snaptagBy: by };
    if (Object.entries(meta).some(([key, value]) => file.meta[key] !== value)) this.uppy.setFileMeta(id, meta);
  }

  #meta(id, meta) {
    const file = this.uppy.getFile(id);
    if (!this.#installed || !file) return; // removed, or the plugin was, while snaptag worked
    // the visitor (or the host's code) chose before snaptag answered: that choice stays
    const chosen = meta.category !== undefined && (file.meta.snaptagBy === 'visitor'
      || (file.meta.category !== undefined && file.meta.snaptagBy === undefined));
    const mine = chosen ? { ...meta, category: file.meta.category, categoryName: file.meta.categoryName } : meta;
    this.uppy.setFileMeta(id, mine);
    if (chosen) this.#choose(id, file.meta.category);
  }

  // Each Dashboard tile gets a menu of the categories, showing its photo's (Sorting… until snaptag answers); the
  // Dashboard redraws tiles, so this runs on its DOM changes and on every state change, and changes only what
  // differs (it runs again on its own changes and then finds nothing to do).
  #tiles = () => {
    for (const file of this.uppy.getFiles()) {
      // over the bottom of the tile's preview: the Dashboard's rows have a fixed height
      const preview = document.getElementById(`uppy_${file.id}`)?.querySelector('.uppy-Dashboard-Item-preview');
      if (!preview || !isPhoto(file)) continue;
      let box = preview.querySelector(`:scope > .${TILE}`);
      if (!box) {
        box = Object.assign(document.createElement('label'), { className: TILE });
        const select = document.createElement('select');
        select.setAttribute('aria-label', `Category for ${file.meta.name}`);
        select.addEventListener('change', () => this.#choose(file.id, select.value));
        select.addEventListener('click', (event) => event.stopPropagation()); // not the preview's own click
        box.append(Object.assign(document.createElement('span'), { textContent: 'Category' }), select);
        Object.assign(box.style, { position: 'absolute', left: '4px', right: '4px', bottom: '4px', zIndex: '2',
          display: 'flex', flexDirection: 'column', gap: '1px', padding: '2px 4px', fontSize: '11px',
          background: 'rgba(255, 255, 255, 0.92)', color: '#222', borderRadius: '4px' });
        preview.append(box);
      }
      const select = box.querySelector('select');
      const choices = this.#categories && file.meta.category !== undefined ? this.#categories : null;
      const want = choices ? choices.map(({ id, name }) => `${id}\u0000${name}`).join('\u0001') : '';
      if (select.dataset.choices !== want) {
        select.replaceChildren(...(choices ?? [{ id: '', name: 'Sorting…' }]).map(({ id, name }) =>
          Object.assign(document.createElement('option'), { value: id, textContent: name })));
        select.dataset.choices = want;
      }
      select.disabled = !choices;
      const value = file.meta.category ?? '';
      if (select.value !== value) select.value = value;
      const note = file.meta.snaptagBy === 'visitor' ? 'Changed by you' : 'Category';
      if (box.firstChild.textContent !== note) box.firstChild.textContent = note;
    }
  };

  // `what` went wrong (`sorting`: snaptag could not sort it, so it goes as review; else only said).
  #failed(id, err, what, sorting = false) {
    const file = this.uppy.getFile(id);
    if (!this.#installed || !file) return;
    const review = this.#categories?.at(-1);
    const error = { snaptagError: `${what}: ${err.message}` };
    this.#meta(id, sorting ? { category: review?.id ?? 'review', categoryName: review?.name ?? '', snaptagBy: 'model',
      snaptagModelCategory: review?.id ?? 'review', snaptagProb: 0, snaptagReason: 'error', ...error } : error);
    this.uppy.info({ message: `${file.meta.name}: ${what}`, details: err.message }, 'error', 8000);
  }

  #shrink = async (fileIDs) => {
    const files = fileIDs.map((id) => this.uppy.getFile(id)).filter((f) => f && isPhoto(f) && !this.#shrunk.has(f.id));
    const progress = { mode: 'indeterminate', message: 'Shrinking photos…' };
    for (const file of files) this.uppy.emit('preprocess-progress', file, progress);
    await Promise.all(files.map(async (file) => {
      await this.#sorted.get(file.id); // sorted before it is sent, so its category goes with it
      try {
        const data = await snaptag.resize(file.data, this.opts.resize);
        const name = jpegName(file.meta.name);
        this.uppy.setFileState(file.id, { data, size: data.size, type: 'image/jpeg', name, extension: 'jpg' });
        this.uppy.setFileMeta(file.id, { name, type: 'image/jpeg' });
        this.#shrunk.add(file.id);
      } catch (err) {
        this.#failed(file.id, err, 'sent as it is, not shrunk');
      }
      this.uppy.emit('preprocess-complete', this.uppy.getFile(file.id));
    }));
  };

  #dashboard() {
    return this.opts.fieldName === false ? null : this.uppy.getPlugin(this.opts.dashboard);
  }

  #onPlugin = (plugin) => {
    if (plugin.id === this.opts.dashboard) this.#addField();
  };

  // The Dashboard's file card gets a Category select (its other fields, an array or a function of the file, stay).
  #addField() {
    const dashboard = this.#dashboard();
    if (!dashboard || this.#priorFields !== undefined) return;
    this.#priorFields = dashboard.getPluginState().metaFields ?? [];
    dashboard.setPluginState({ metaFields: this.#fields });
  }

  #removeField() {
    const dashboard = this.#dashboard();
    if (dashboard?.getPluginState().metaFields === this.#fields) dashboard.setPluginState({ metaFields: this.#priorFields });
    this.#priorFields = undefined;
  }

  #fields = (file) => {
    const prior = this.#priorFields;
    const others = (typeof prior === 'function' ? prior(file) : prior) ?? [];
    const render = (props, h) => this.#select(props, h, file);
    return [...others.filter((f) => f.id !== 'category'), { id: 'category', name: this.opts.fieldName, render }];
  };

  #select({ value, onChange, form }, h, file) {
    const choices = this.#categories && value ? this.#categories : null;
    const select = h('select', { // a native menu (Uppy's text-input classes made it look like a text field)
      id: 'uppy-Dashboard-FileCard-input-category', form, value: value ?? '', disabled: !choices,
      class: 'uppy-Dashboard-FileCard-input snaptag-uppy-select',
      onChange: (event) => onChange(event.target.value),
    }, choices ? choices.map(({ id, name }) => h('option', { value: id }, name)) : [h('option', { value: '' }, 'Sorting…')]);
    const error = file.meta.snaptagError;
    return error ? [select, h('p', { class: 'snaptag-uppy-error', role: 'alert' }, error)] : select;
  }
}
