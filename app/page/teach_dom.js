// Teach mode's label and example elements (app/page/teach.py decides, this builds them): one label or example at
// a time, or thousands in one call when a set is restored (built card by card from Python, 1,000 labels with
// 5,000 examples took seconds). The automation contract (README): [data-label] with data-examples, its
// [data-rename], [data-delete-label], input[data-teach-files], [data-capture]; [data-example] with data-id and
// a [data-delete-example] button.

function el(tag, props = {}, attrs = []) {
  const node = Object.assign(document.createElement(tag), props);
  attrs.forEach((a) => node.setAttribute(a, ''));
  return node;
}

function labelElement(name) {
  const node = el('article', { className: 'label' });
  Object.assign(node.dataset, { label: name, examples: '0' });
  const rename = el('input', { className: 'label-name', value: name }, ['data-rename']);
  rename.setAttribute('aria-label', 'Label name');
  const picker = el('input', { type: 'file', multiple: true, accept: 'image/*' }, ['data-teach-files']);
  const add = el('label', { className: 'button', textContent: 'Add photos' });
  add.append(picker);
  const head = el('header');
  head.append(rename, el('span', { className: 'count', textContent: '0 examples' }),
    el('button', { textContent: 'Delete label' }, ['data-delete-label']));
  const actions = el('div', { className: 'label-actions' });
  actions.append(add, el('button', { textContent: 'Hold to capture' }, ['data-capture']));
  node.append(head, actions, el('div', { className: 'examples' }));
  return node;
}

// A photo gets its object URL when its example first comes near the screen: thousands of examples cost no
// URLs, decodes or paints until they are scrolled to.
const photos = new WeakMap(); // figure -> its photo Blob, until shown
const nearScreen = new IntersectionObserver((entries) => {
  for (const { target, isIntersecting } of entries) {
    if (!isIntersecting || !photos.has(target)) continue;
    target.querySelector('img').src = URL.createObjectURL(photos.get(target));
    photos.delete(target);
    nearScreen.unobserve(target);
  }
}, { rootMargin: '400px' });

export function exampleElement(id, photo) {
  const fig = el('figure', { className: 'example' }, ['data-example']);
  fig.dataset.id = id;
  const remove = el('button', { textContent: '×' }, ['data-delete-example']);
  remove.setAttribute('aria-label', 'Delete this example');
  fig.append(el('img', { alt: '' }), remove);
  photos.set(fig, photo);
  nearScreen.observe(fig);
  return fig;
}

// Labels appended to `container`; returns their elements in the same order.
export function showLabels(container, names) {
  const nodes = names.map(labelElement);
  container.append(...nodes);
  return nodes;
}

// Examples [{id, label, photo}] appended to their labels' elements (`labels`: {name: element}).
export function showExamples(labels, examples) {
  const byLabel = new Map();
  for (const { id, label, photo } of examples) {
    if (!Object.hasOwn(labels, label)) continue;
    if (!byLabel.has(label)) byLabel.set(label, []);
    byLabel.get(label).push(exampleElement(id, photo));
  }
  for (const [label, figs] of byLabel) labels[label].querySelector('.examples').append(...figs);
}

// Remove an example's element and free its photo's URL.
export function dropExample(fig) {
  nearScreen.unobserve(fig);
  const { src } = fig.querySelector('img') ?? {};
  if (src) URL.revokeObjectURL(src);
  fig.remove();
}

// Remove every label and example element from `container`, freeing the photos' URLs.
export function clearAll(container) {
  container.querySelectorAll('[data-example]').forEach(dropExample);
  container.replaceChildren();
}

// The camera's bars: one [data-camera-label] row per label with data-prob and a meter, updated in place (a frame
// touches no more than it must: 20 labels at 20 frames a second).
export function showBars(box, names, probs) {
  if (box.children.length !== names.length || names.some((n, i) => box.children[i].dataset.cameraLabel !== n)) {
    box.replaceChildren(...names.map((name) => {
      const row = el('div', { className: 'bar' });
      row.dataset.cameraLabel = name;
      row.append(el('span', { textContent: name }), el('meter', { min: 0, max: 1 }), el('span', { className: 'pct' }));
      return row;
    }));
  }
  names.forEach((_, i) => {
    const row = box.children[i];
    row.dataset.prob = probs[i].toFixed(4);
    row.querySelector('meter').value = probs[i];
    row.querySelector('.pct').textContent = `${Math.round(probs[i] * 100)}%`;
  });
}
