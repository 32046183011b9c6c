"""The sorter's *Sort with* (DOM, Pyodide): the model's café categories, or a label set taught in this browser
(teach mode's `My labels`, or one a host page made: app/labels.py). Each choice has its own results, kept in its
own store; a set's cards carry its labels and follow them as teach mode's do (app/page/teach_results.py). The
choice is remembered (localStorage) for the next visit."""

from __future__ import annotations

import asyncio

from js import document, window

from app import labels
from app.logic.result import ApiError, ModelInfo
from app.logic.rules import Rule
from app.page import sorter
from app.page.cards import CardList
from app.page.dom import element, listen
from app.page.download import offer
from app.page.teach_results import Following

MODEL = ""  # the <select>'s value for the model's own categories
CHOICE_KEY = "snaptag:sort-with"


def remembered() -> str:
    try:
        return str(window.localStorage.getItem(CHOICE_KEY) or MODEL)
    except Exception:  # noqa: BLE001  site data blocked: nothing was remembered
        return MODEL


class SortWith:
    def __init__(self, cards: CardList, model: ModelInfo, keeper: sorter.Keeper | None, rule: Rule) -> None:
        self.cards, self.model, self.keeper = cards, model, keeper  # keeper: the model's results' (or None)
        self.rule = rule  # the café categories' rule (with the user's corrections: app/page/learning.py)
        self.choice = MODEL
        self.following: Following | None = None
        self.select = document.getElementById("sort-with")

    async def refresh(self) -> None:
        """The choices: the model's categories and every label set stored in this browser."""
        try:
            names = await labels.list_sets()
        except ApiError:
            names = []
        options = []
        for value, text in [(MODEL, self.model.title), *((n, f"Labels: {n}") for n in names)]:
            option = element("option", "", text)
            option.value = value
            options.append(option)
        self.select.replaceChildren(*options)
        self.select.value = self.choice

    def counts(self) -> None:
        sorter.build_counts(list(self.cards.queue.categories or []), self.cards.name)
        sorter.render_counts(self.cards.queue)
        offer(self.cards)

    async def choose(self, name: str) -> None:
        """Sort with `name` (MODEL: the café categories) from now on; this page shows that choice's results."""
        cards = self.cards
        if self.following is not None:
            self.following.stop()  # the old set's changes no longer move these cards
            self.following = None
        cards.clear()  # the page's cards only: each choice's results stay in its store
        self.choice = name
        if name == MODEL:
            categories = [c.id for c in self.model.cmap.categories]
            cards.queue.model_ready(categories)
            cards.rule, cards.keep = self.rule, self.keeper
            if self.keeper is not None:
                await sorter.restore(cards, self.keeper.store, self.model.model_id, self.keeper)
        else:
            label_set = await labels.open(name)
            cards.queue.model_ready(list(label_set.labels))
            cards.rule, cards.keep = label_set.rule, None
            self.following = Following(cards, f"snaptag-sorted:{name}", on_follow=self.counts)
            self.following.track(label_set)
            try:
                await self.following.restore(self.model.embedding_id, label_set)
            except ApiError:
                pass  # results can't be kept (said by the sorter at start); the cards still follow the set
        self.counts()
        await self.refresh()
        try:
            window.localStorage.setItem(CHOICE_KEY, name)
        except Exception:  # noqa: BLE001, S110  site data blocked: not remembered
            pass

    async def start(self) -> None:
        """The choices, and the one remembered from the last visit (if its set is still here)."""
        await self.refresh()
        wanted = remembered()
        if wanted != MODEL and wanted in [o.value for o in self.select.options]:
            await self.choose(wanted)

    def wire(self) -> None:
        listen(self.select, "change", lambda _e: run(self.choose(str(self.select.value))))
        listen(self.select, "focus", lambda _e: run(self.refresh()))


def run(work) -> None:
    """Start a user's choice in the background; a failure is said on the page (#saved-status)."""
    async def guarded() -> None:
        try:
            await work
        except ApiError as err:
            sorter.say(f"Sort with: {err.message}")

    asyncio.ensure_future(guarded())
