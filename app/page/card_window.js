// Which result cards are displayed: those the filter shows (the container's `data-filter`, a count key, against
// each card's `data-bucket`) and, of thousands, only WINDOW around what is on screen. Every card stays in the DOM
// with its data-* attributes (the automation contract); a displayed one has `data-on` (and so has its group's
// section), the others are `display: none` (snaptag.css, under the container's `data-windowed`). Two spacers
// beside the container stand in for the height of the shown cards that are not displayed; the container's
// `data-shown` is how many cards the filter shows.
// Why: every frame restyled, laid out and pre-painted every shown card, 150-190 ms at 2,000 cards whatever changed
// (a filter, a grouping, 100 cards moved), and a filter's stylesheet rule restyled all of them; a frame's work and
// a filter's now follow WINDOW. Cards have no `content-visibility: auto`: with the window it saved little and made
// hiding 120 cards cost 45-60 ms (2026-12-02, this machine; 5 ms without it). WINDOW went from 120 to 72 for
// the same reason: showing a window's new cards is a frame's work, 25-40 ms for 120 here.
// It is applied at once when the container changes (a MutationObserver: cards added, moved or removed, a card's
// count, the filter), at the next frame when the page scrolls near the window's edge or is resized, and by
// `reveal(card)` (the keyboard's next card). The displayed cards are measured (a layout) at the next frame, or at
// once when scrolling or revealing. The window starts on a row's first column within its group, so sliding it
// moves no card sideways.
export const WINDOW = 72; // cards displayed (and up to a row more): 14 rows of 5, the page's widest; about 5 screens

function spacer() {
  const node = document.createElement('div');
  node.className = 'card-spacer';
  node.setAttribute('aria-hidden', 'true');
  return node;
}

export class CardWindow {
  constructor(container) {
    this.container = container;
    this.start = 0; // index, among the cards shown, of the first displayed
    this.count = 0; // cards displayed
    this.total = 0; // cards shown
    this.perCard = 0; // page height per shown card (rows, gaps and headings shared out), measured when displayed
    this.changed = true; // the container changed since the last apply (else scrolling checks only the edges)
    this.queued = false;
    this.measuring = false; // a measure() is due at the next frame
    this.anchor = null; // the card to keep at the screen's middle once measured
    this.above = spacer();
    this.below = spacer();
    container.before(this.above);
    container.after(this.below);
    this.observer = new MutationObserver(() => {
      this.changed = true;
      this.apply();
    });
    container.dataset.windowed = '';
    this.resume();
    addEventListener('resize', () => {
      this.changed = true; // columns, and so heights, change
      this.refresh();
    }, { passive: true });
    addEventListener('scroll', () => this.refresh(), { passive: true });
  }

  // Moving thousands of cards (app/page/layout.js): not watched meanwhile (a record each), applied once after.
  pause() {
    this.observer.disconnect();
  }

  resume() {
    this.observer.observe(this.container, { childList: true, subtree: true, attributes: true,
      attributeFilter: ['data-bucket', 'data-filter'] });
    this.changed = true;
    this.apply();
  }

  // Apply at the next frame, once however many events come before it.
  refresh() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.apply(undefined, true);
    });
  }

  // The cards the filter shows, in the order shown (document order: layout.js keeps the order and the groups).
  shown() {
    const key = this.container.dataset.filter;
    const cards = this.container.querySelectorAll('[data-result]');
    return key ? [...cards].filter((card) => card.dataset.bucket === key) : [...cards];
  }

  // Their ids (numbers): what review in bulk ranges and moves over (app/page/review.py).
  ids() {
    return this.shown().map((card) => Number(card.dataset.id));
  }

  columns() {
    return Math.max(1, getComputedStyle(this.container).gridTemplateColumns.split(' ').length);
  }

  // The index (among those shown) that the middle of the screen is at, from the spacers and the displayed cards.
  atScreen() {
    if (!this.perCard || !this.count) return this.start;
    const y = innerHeight / 2 - this.above.getBoundingClientRect().top;
    const aboveHeight = this.above.offsetHeight;
    const onHeight = this.container.offsetHeight;
    if (y < aboveHeight) return y / this.perCard;
    if (y < aboveHeight + onHeight) return this.start + ((y - aboveHeight) / onHeight) * this.count;
    return Math.min(this.total, this.start + this.count + (y - aboveHeight - onHeight) / this.perCard);
  }

  // Whether the displayed cards reach a screen beyond the visible one on both sides (where there are more).
  covers() {
    const box = this.container.getBoundingClientRect();
    const above = this.start === 0 || box.top < -innerHeight;
    return above && (this.start + this.count >= this.total || box.bottom > 2 * innerHeight);
  }

  // `at`: the index to centre on (by default the start stays, unless the screen has come near the window's edge:
  // then the screen's). `now`: measured at once (in a frame already, or before a card is focused), else at the
  // next frame.
  apply(at, now = false) {
    const container = this.container;
    if (at === undefined && !this.changed && (this.total <= WINDOW || this.covers())) return;
    this.changed = false;
    const shown = this.shown();
    this.total = shown.length;
    container.dataset.shown = String(shown.length);
    let displayed = shown;
    let anchor = null; // the card the screen's middle was estimated at: kept there (heights are estimates)
    if (shown.length > WINDOW) {
      if (!this.perCard) this.perCard = 270 / this.columns(); // a row of cards is about 16rem and a gap
      if (at === undefined && !this.covers()) {
        at = this.atScreen();
        anchor = shown[Math.max(0, Math.min(shown.length - 1, Math.floor(at)))];
      }
      if (at !== undefined) this.start = Math.round(at - WINDOW / 2);
      const wanted = Math.max(0, Math.min(this.start, shown.length - WINDOW));
      this.start = this.rowStart(shown, wanted);
      displayed = shown.slice(this.start, wanted + WINDOW); // the end stays: the last card is always reached
    } else {
      this.start = 0;
    }
    const on = new Set(displayed);
    for (const card of displayed) {
      if (card.parentElement !== container) on.add(card.parentElement); // its group's section is displayed too
    }
    for (const node of container.querySelectorAll('[data-on]')) if (!on.has(node)) delete node.dataset.on;
    for (const node of on) if (!('on' in node.dataset)) node.dataset.on = '';
    this.count = displayed.length;
    this.anchor = anchor;
    this.size();
    if (now) this.measure();
    else if (!this.measuring) {
      this.measuring = true;
      requestAnimationFrame(() => this.measure());
    }
  }

  // The spacers' heights from the estimate per card.
  size() {
    this.above.style.height = `${Math.round(this.start * this.perCard)}px`;
    this.below.style.height = `${Math.round((this.total - this.start - this.count) * this.perCard)}px`;
  }

  // The estimate per card from the displayed cards laid out (a forced layout of up to WINDOW new cards: in the
  // frame that lays them out anyway, not in the task of a filter or a grouping), then the card the screen's
  // middle was estimated at put back there.
  measure() {
    this.measuring = false;
    if (this.total > WINDOW && this.count) {
      const height = this.container.offsetHeight;
      if (height) this.perCard = height / this.count;
      this.size();
    }
    const anchor = this.anchor;
    this.anchor = null;
    if (anchor && 'on' in anchor.dataset) scrollBy(0, anchor.getBoundingClientRect().top - innerHeight / 2);
  }

  // `index` moved back to the first column of its row: rows restart at each group (a section of layout.js).
  rowStart(shown, index) {
    const group = shown[index].parentElement;
    let first = index;
    while (first > 0 && shown[first - 1].parentElement === group) first -= 1;
    return index - ((index - first) % this.columns());
  }

  // Display `card` (when shown) now, the window centred on it: before it is focused or scrolled to.
  reveal(card) {
    const index = this.shown().indexOf(card);
    if (index >= 0 && !(this.start <= index && index < this.start + this.count)) this.apply(index, true);
  }
}
