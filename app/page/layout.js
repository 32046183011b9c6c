// The sorter's cards laid out again (app/page/cards.py `regroup`): newest first, and when grouped in a
// <section data-group> per count (its title in an <h3>), empty ones removed at the end. The cards are moved, none
// rebuilt, CHUNK per task, with the card window (app/page/card_window.js) not watching them meanwhile and applied
// once at the end, in a task of its own; nothing moves when the cards are already laid out so (a reload). Measured
// at 10,000 cards: moved at once, 1.5-3.0 s; 100 per task with the window applied after each, 250-300 ms tasks;
// now 50-66 ms (docs/numbers.md).
// While it runs the container has `data-laying-out`; a newer call takes over from an older one.
const CHUNK = 250;

export { CardWindow, WINDOW } from './card_window.js';

// One count's section (cards.py also makes one when a single card is placed while grouped).
export function groupSection(key, title) {
  const section = Object.assign(document.createElement('section'), { className: 'group' });
  section.dataset.group = key;
  section.append(Object.assign(document.createElement('h3'), { textContent: title }));
  return section;
}

// After the next frame: each chunk's moved cards are styled in a frame of their own, not all in the last one.
const nextTask = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

// Whether the container's cards are already `cards`, in that order, and ungrouped.
function inPlace(container, cards) {
  const now = container.children;
  let i = 0;
  for (const node of now) {
    if (!node.matches('[data-result]')) return false; // a group's section
    if (node !== cards[i]) return false;
    i += 1;
  }
  return i === cards.length;
}

export async function layOut(cardWindow, ids, groups) {
  const container = cardWindow.container;
  const byId = new Map([...container.querySelectorAll('[data-result]')].map((card) => [card.dataset.id, card]));
  const cards = ids.map((id) => byId.get(id)).filter(Boolean);
  if (!groups && inPlace(container, cards)) return;
  const run = {};
  container.layoutRun = run;
  container.dataset.layingOut = '';
  const old = [...container.querySelectorAll(':scope > [data-group]')];
  let target = () => container; // where a card goes
  if (groups) {
    const kept = new Map(old.map((section) => [section.dataset.group, section]));
    const sections = groups.map(([key, title]) => {
      const section = kept.get(key);
      if (!section) return groupSection(key, title);
      section.querySelector(':scope > h3').textContent = title; // a label may have been renamed
      return section;
    });
    container.prepend(...sections); // in the counts' order, before any card left outside them
    const byKey = new Map(sections.map((section) => [section.dataset.group, section]));
    target = (card) => byKey.get(card.dataset.bucket) ?? container;
  }
  cardWindow.pause();
  for (let i = 0; i < cards.length; i += CHUNK) {
    await nextTask(); // the first chunk too: the click's own task has ordered thousands of ids already
    if (container.layoutRun !== run) return; // a newer layout took over (and resumes the window)
    for (const card of cards.slice(i, i + CHUNK)) target(card).append(card);
  }
  await nextTask(); // the window's new cards in a task of their own
  if (container.layoutRun !== run) return;
  const wanted = new Set((groups ?? []).map(([key]) => key));
  for (const section of container.querySelectorAll(':scope > [data-group]')) {
    if (!wanted.has(section.dataset.group) || !section.querySelector('[data-result]')) section.remove();
  }
  delete container.dataset.layingOut;
  cardWindow.resume();
}
