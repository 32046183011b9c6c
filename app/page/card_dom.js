// A result card's DOM (app/page/cards.py decides what it says: `view`, a plain object; this file only draws it).
// Built in JS because a card is some fifty DOM calls: from Python each crossed into JS on its own, 3-4 ms a card,
// and a reload of 2,000 results took 18 s of 300-500 ms tasks. The automation contract (README) is these
// elements and data-* attributes.
//   view: {id, name, selectable, thumb?, status, bucket, retry, error (a message or null), verdict, done,
//          category, top, prob, overridden, duplicateOf (or null), topList: [text], options: [[value, text]],
//          value, selectHidden}

function el(tag, className = '', text = '') {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function button(className, text, attribute) {
  const node = el('button', className, text);
  node.type = 'button';
  node.setAttribute(attribute, '');
  return node;
}

// A thumbnail <img> of a JPEG Blob (its object URL is revoked by whoever removes it: cards.py, learning.py).
export function thumbImage(blob) {
  const img = el('img');
  img.src = URL.createObjectURL(blob);
  img.alt = '';
  return img;
}

export function showThumb(card, blob) {
  card.querySelector('.thumb').replaceChildren(thumbImage(blob));
}

function categoryMenu(view) {
  const select = el('select', 'override');
  select.setAttribute('aria-label', `Category for ${view.name}`);
  for (const [value, text] of view.options) {
    const option = el('option', '', text);
    option.value = value;
    select.append(option);
  }
  select.value = view.value;
  select.dataset.id = view.id;
  select.hidden = view.selectHidden;
  return select;
}

export function fillCard(card, view) {
  card.dataset.status = view.status;
  card.dataset.bucket = view.bucket;
  card.querySelector('[data-retry]').hidden = !view.retry;
  const verdict = card.querySelector('.verdict');
  if (view.error != null) { // (Python's None arrives as undefined)
    card.dataset.error = view.error;
    verdict.textContent = view.error;
    return;
  }
  card.removeAttribute('data-error');
  verdict.textContent = view.verdict;
  if (!view.done) return;
  Object.assign(card.dataset, { category: view.category, top: view.top, prob: view.prob,
    overridden: String(view.overridden) });
  card.classList.toggle('overridden', view.overridden);
  if (view.duplicateOf != null) card.dataset.duplicateOf = view.duplicateOf;
  else card.removeAttribute('data-duplicate-of');
  card.querySelector('.top').replaceChildren(...view.topList.map((text) => el('li', '', text)));
  const old = card.querySelector('select'); // rebuilt: teach mode's labels may have changed since
  if (old) old.replaceWith(categoryMenu(view));
  else card.querySelector('[data-retry]').before(categoryMenu(view));
}

export function makeCard(view) {
  const card = el('article', 'card');
  card.setAttribute('data-result', '');
  card.tabIndex = 0; // focusable: keys file it (app/page/review.py)
  Object.assign(card.dataset, { id: view.id, name: view.name });
  if (view.selectable) {
    const pick = el('input', 'pick');
    pick.type = 'checkbox';
    pick.setAttribute('data-select', '');
    pick.setAttribute('aria-label', `Select ${view.name}`);
    card.append(pick);
  }
  const remove = button('remove', '×', 'data-remove');
  remove.setAttribute('aria-label', `Remove ${view.name}`);
  card.append(remove, el('div', 'thumb'), el('div', 'name', view.name), el('div', 'verdict'), el('ol', 'top'),
    button('retry', 'Retry', 'data-retry'));
  if (view.thumb) showThumb(card, view.thumb);
  fillCard(card, view);
  return card;
}

// Cards for `views` (oldest first) put on top of `container`, newest first; the cards, in the views' order.
export function addCards(container, views) {
  const cards = views.map(makeCard);
  container.prepend(...[...cards].reverse());
  return cards;
}
