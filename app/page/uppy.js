// snaptag as an Uppy plugin (docs/embedding.md): `uppy.use(Snaptag, {resize: {maxSide: 1600}})`.
//
// - file-added: each photo is classified (snaptag.classify; a photo added before snaptag is ready waits) and its
//   meta gets `category` (a category id or 'review'), `categoryName`, `snaptagProb` and `snaptagReason` ('' when
//   sure, 'unsure', 'out_of_scope', or 'error' with `snaptagError`, the message that is also shown).
// - The Dashboard (if the Uppy has one, now or later) gets a Category field in its file card.
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
};

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
      (r) => this.#meta(file.id, { category: r.category, categoryName: r.categoryName, snaptagProb: r.prob,
        snaptagReason: r.reason ?? '' }),
      (err) => this.#failed(file.id, err, 'not sorted'),
    ));
  };

  #onRemoved = (file) => {
    this.#sorted.delete(file.id);
    this.#shrunk.delete(file.id);
  };

  // The visitor's choice in the file card: its name goes with it.
  #onEdited = (file) => {
    const current = file && this.uppy.getFile(file.id);
    const chosen = this.#categories?.find(({ id }) => id === current?.meta.category);
    if (chosen && current.meta.categoryName !== chosen.name) this.uppy.setFileMeta(file.id, { categoryName: chosen.name });
  };

  #meta(id, meta) {
    const file = this.uppy.getFile(id);
    if (!this.#installed || !file) return; // removed, or the plugin was, while snaptag worked
    const mine = file.meta.category === undefined ? meta : { ...meta, category: file.meta.category }; // a choice made first stays
    this.uppy.setFileMeta(id, mine);
  }

  #failed(id, err, what) {
    const file = this.uppy.getFile(id);
    if (!this.#installed || !file) return;
    const review = this.#categories?.at(-1);
    this.#meta(id, { category: review?.id ?? 'review', categoryName: review?.name ?? '', snaptagProb: 0,
      snaptagReason: 'error', snaptagError: `${what}: ${err.message}` });
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
    const select = h('select', {
      id: 'uppy-Dashboard-FileCard-input-category', form, value: value ?? '', disabled: !choices,
      class: 'uppy-u-reset uppy-c-textInput uppy-Dashboard-FileCard-input',
      onChange: (event) => onChange(event.target.value),
    }, choices ? choices.map(({ id, name }) => h('option', { value: id }, name)) : [h('option', { value: '' }, 'Sorting…')]);
    const error = file.meta.snaptagError;
    return error ? [select, h('p', { class: 'snaptag-uppy-error', role: 'alert' }, error)] : select;
  }
}
