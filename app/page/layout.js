// The sorter's cards laid out again (app/page/cards.py `regroup`): newest first, and when grouped in a
// <section data-group> per count (its title in an <h3>), empty ones removed at the end. The cards are moved,
// none rebuilt, CHUNK per task: moving a card restyles it, and 2,000 moved at once made one task of 320-400 ms
// (chunked: 125-200 ms, the frames between chunks restyling the grid). While it runs the container has
// `data-laying-out`; a newer call takes over from an older one.
const CHUNK = 100;

// One count's section (cards.py also makes one when a single card is placed while grouped).
export function groupSection(key, title) {
  const section = Object.assign(document.createElement('section'), { className: 'group' });
  section.dataset.group = key;
  section.append(Object.assign(document.createElement('h3'), { textContent: title }));
  return section;
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

export async function layOut(container, ids, groups) {
  const run = {};
  container.layoutRun = run;
  container.dataset.layingOut = '';
  const byId = new Map([...container.querySelectorAll('[data-result]')].map((card) => [card.dataset.id, card]));
  const cards = ids.map((id) => byId.get(id)).filter(Boolean);
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
  for (let i = 0; i < cards.length; i += CHUNK) {
    if (i) await nextTask();
    if (container.layoutRun !== run) return; // a newer layout took over
    for (const card of cards.slice(i, i + CHUNK)) target(card).append(card);
  }
  const wanted = new Set((groups ?? []).map(([key]) => key));
  for (const section of container.querySelectorAll(':scope > [data-group]')) {
    if (!wanted.has(section.dataset.group) || !section.querySelector('[data-result]')) section.remove();
  }
  delete container.dataset.layingOut;
}
