"""Review in bulk (DOM, Pyodide; the rules are app/logic/review.py): select cards (their checkbox; shift-click
for a range; *Select shown* for every card the filter shows), move the selection to a category, show the least
sure cards first, file the focused card with a key (1-9: the n-th category, 0 or r: Needs review), and remember
the filter, the grouping and the order for the next visit (localStorage)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from js import document, window

from app.logic.mapping import REVIEW
from app.logic.queue import DONE
from app.logic.review import ORDERS, Selection, View, key_category
from app.page.cards import CardList
from app.page.dom import element, listen

VIEW_KEY = "snaptag:view"
SETTLE_S = 0.3  # in an order other than newest first, cards finishing in a burst are laid out again once


class Review:
    def __init__(self, cards: CardList) -> None:
        self.cards = cards
        self.selection = Selection()
        self.marked: set[int] = set()  # the ids whose cards show as selected
        self.menu: list[tuple[str, str]] = []  # the move menu's categories as shown
        self.pending = None

    # -- what is shown ------------------------------------------------------------------------------------------
    def shown(self) -> list[int]:
        """The ids of the cards on show, in the order shown (grouping and filter included)."""
        return list(self.cards.window.ids().to_py())  # in JS: thousands of cards cost no crossing each

    def categories(self) -> list[str]:
        return list(self.cards.queue.categories or [])

    def sync(self, touched: Iterable[int] = ()) -> None:
        """Checkboxes, the count and the move menu as the selection is now. Only cards whose state changed (and
        `touched`: a box the user just clicked) are updated: among thousands, each card costs a crossing into JS."""
        cards = self.cards
        self.selection.keep_only(cards.queue.items)
        chosen_ids = self.selection.ids
        for item_id in (self.marked ^ chosen_ids) | set(touched):
            card = cards.nodes.get(item_id)
            if card is None:
                continue
            chosen = item_id in chosen_ids
            box = card.querySelector("[data-select]")
            if box and box.checked != chosen:
                box.checked = chosen
            card.toggleAttribute("data-selected", chosen)
        self.marked = set(chosen_ids)
        n = len(chosen_ids)
        document.getElementById("selected-count").textContent = f"{n} selected" if n else ""
        document.getElementById("select-none").hidden = not n
        menu = document.getElementById("move-selected")
        menu.disabled = not n
        choices = [(cid, cards.name(cid)) for cid in [*self.categories(), REVIEW]]
        if choices != self.menu:  # rebuilt only when the categories change (another rule, a renamed label)
            options = [element("option", "", "Move selected to…")]
            options[0].value = ""
            for cid, name in choices:
                option = element("option", "", name)
                option.value = cid
                options.append(option)
            menu.replaceChildren(*options)
            self.menu = choices

    # -- the user's actions -------------------------------------------------------------------------------------
    def on_click(self, event) -> None:
        box = event.target.closest("[data-select]")
        card = box.closest("[data-result]") if box else None
        if card:
            self.selection.click(int(card.dataset.id), self.shown(), bool(event.shiftKey))
            self.sync([int(card.dataset.id)])

    def select_shown(self, _event=None) -> None:
        self.selection.select(self.shown())
        self.sync()

    def select_none(self, _event=None) -> None:
        self.selection.clear()
        self.sync()

    def move_selected(self, event) -> None:
        category = str(event.target.value)
        if not category:
            return
        cards = self.cards
        moved = sum(cards.move(cards.queue.items[i], category) for i in sorted(self.selection.ids)
                    if i in cards.queue.items)
        skipped = len(self.selection.ids) - moved
        self.selection.clear()
        self.sync()
        cards.on_change()
        note = f"Moved {moved} photo{'s' if moved != 1 else ''} to {cards.name(category)}"
        if skipped:
            note += f"; {skipped} not done yet or copies of another photo stayed"
        document.getElementById("bulk-status").textContent = note + "."

    def on_key(self, event) -> None:
        """A key on a focused card files it (not while typing in its menu) and moves the focus to the next card."""
        if event.target.closest("select, input, button") or event.ctrlKey or event.metaKey or event.altKey:
            return
        card = event.target.closest("[data-result]")
        category = key_category(str(event.key), self.categories())
        if not card or category is None or int(card.dataset.id) not in self.cards.queue.items:
            return
        item = self.cards.queue.items[int(card.dataset.id)]
        shown = self.shown()
        after = shown[shown.index(item.id) + 1 :] if item.id in shown else []
        if item.status == DONE and self.cards.move(item, category):
            event.preventDefault()
            self.cards.on_change()
            if after:  # file, then the next card: a filter may have hidden this one
                card = self.cards.nodes[after[0]]
                self.cards.window.reveal(card)  # among thousands it may not be displayed yet
                card.focus()

    def set_order(self, _event=None) -> None:
        self.cards.order = str(document.getElementById("sort-order").value)
        self.cards.regroup()
        self.remember()

    # -- the view, remembered -----------------------------------------------------------------------------------
    def remember(self, _event=None) -> None:
        view = View(self.cards.filter, self.cards.grouped, self.cards.order)
        try:
            window.localStorage.setItem(VIEW_KEY, view.dumps())
        except Exception:  # noqa: BLE001, S110  site data blocked: not remembered
            pass

    def recall(self) -> None:
        """The view of the last visit: filter, grouping, order."""
        try:
            view = View.loads(window.localStorage.getItem(VIEW_KEY))
        except Exception:  # noqa: BLE001  site data blocked: the default view
            view = View()
        cards = self.cards
        cards.order, cards.grouped = view.order, view.grouped
        document.getElementById("sort-order").value = view.order
        document.getElementById("group-by-category").checked = view.grouped
        if view.filter and document.querySelector(f'[data-filter="{window.CSS.escape(view.filter)}"]'):
            document.querySelector(f'[data-filter="{window.CSS.escape(view.filter)}"]').click()  # as the user would
        cards.regroup()

    def changed(self) -> None:
        """Cards changed (finished, removed, cleared): the selection keeps only cards still here; in an order other
        than newest first the cards are laid out again, once after a burst."""
        if self.selection.ids and not self.selection.ids <= self.cards.queue.items.keys():
            self.sync()
        if self.cards.order == "newest":
            return
        if self.pending is not None:
            self.pending.cancel()
        self.pending = asyncio.get_event_loop().call_later(SETTLE_S, self.cards.regroup)

    def wire(self) -> None:
        order = document.getElementById("sort-order")
        order.replaceChildren(*[element("option", "", text) for text in ORDERS.values()])
        for option, value in zip(order.options, ORDERS, strict=True):
            option.value = value
        listen(self.cards.container, "click", self.on_click)
        listen(self.cards.container, "keydown", self.on_key)
        listen("select-shown", "click", self.select_shown)
        listen("select-none", "click", self.select_none)
        listen("move-selected", "change", self.move_selected)
        listen("sort-order", "change", self.set_order)
        listen("counts", "click", self.remember)  # after the sorter's own handler (app/page/sorter.py wire)
        listen("group-by-category", "change", self.remember)
        listen("move-selected", "focus", lambda _e: self.sync())  # the categories of what it sorts with now
        self.sync()
