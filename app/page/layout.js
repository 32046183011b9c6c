// The sorter's cards laid out again in one call (app/page/cards.py `regroup`): newest first, and when grouped in a
// <section data-group> per count (its title in an <h3>), empty ones left out. The cards are moved, none rebuilt;
// doing it here, not card by card from Python, keeps thousands of cards to one short task.
// One count's section (cards.py also makes one when a single card is placed while grouped).
export function groupSection(key, title) {
  const section = Object.assign(document.createElement('section'), { className: 'group' });
  section.dataset.group = key;
  section.append(Object.assign(document.createElement('h3'), { textContent: title }));
  return section;
}

export function layOut(container, ids, groups) {
  const byId = new Map([...container.querySelectorAll('[data-result]')].map((card) => [card.dataset.id, card]));
  const cards = ids.map((id) => byId.get(id)).filter(Boolean);
  if (!groups) {
    container.replaceChildren(...cards);
    return;
  }
  const sections = new Map(groups.map(([key, title]) => [key, groupSection(key, title)]));
  for (const card of cards) sections.get(card.dataset.bucket)?.append(card);
  container.replaceChildren(...[...sections.values()].filter((s) => s.childElementCount > 1));
}
