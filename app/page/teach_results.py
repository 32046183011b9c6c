"""Teach mode's results follow their labels (DOM, Pyodide): each card keeps its photo's embedding, and when the
set changes (a label renamed or deleted, examples added or removed, here or in another tab) every card is decided
again from it under the set as it is now: no card shows a label that is gone or a score from before. The results
(with their embeddings and thumbnails, not the photos) are kept across reloads like the sorter's, in their own
store (app/page/sorter.py's Keeper)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from app import api
from app.labels import LabelSet
from app.logic.mapping import Decision
from app.logic.queue import DONE
from app.logic.teach import followed
from app.page.cards import CardList
from app.page.dom import next_task
from app.page.sorter import RESTORE_CHUNK, Keeper, show_records

STORE = "snaptag-teach-results"

SETTLE_S = 0.2  # a burst of changes (a held capture button) is followed once, after it


class Following:
    """`cards` decided by one label set's rule, following that set (`track`); kept in `store`."""

    def __init__(self, cards: CardList, store: str = STORE, on_follow: Callable[[], None] = lambda: None) -> None:
        self.cards, self.store, self.on_follow = cards, store, on_follow  # on_follow: after the cards followed
        self.label_set: LabelSet | None = None
        self.pending = None
        self.deleted: set[str] = set()  # labels the user deleted here: their cards go to review (teach.followed)

    def track(self, label_set: LabelSet) -> None:
        """Follow `label_set` from now on (and no other)."""
        self.stop()
        self.label_set = label_set
        label_set.watch(self.changed)

    def stop(self) -> None:
        """Follow no set (the cards are about to show something else)."""
        if self.label_set is not None and self.changed in self.label_set.watchers:
            self.label_set.watchers.remove(self.changed)
        self.label_set = None

    def renamed(self, old: str, new: str) -> None:
        """A user's correction to a renamed label keeps pointing at it (and is kept so)."""
        for item in self.cards.queue.items.values():
            if item.override == old:
                item.override = new
                if self.cards.keep:
                    self.cards.keep.save(item, self.cards.thumbs.get(item.id))

    def changed(self, label_set: LabelSet) -> None:
        """The set changed: decide the cards again once the burst of changes is over."""
        if label_set is not self.label_set:
            return  # a set these cards no longer follow
        if self.pending is not None:
            self.pending.cancel()
        self.pending = asyncio.get_event_loop().call_later(
            SETTLE_S, lambda: asyncio.ensure_future(self.follow(label_set)))

    async def follow(self, label_set: LabelSet) -> None:
        self.pending = None
        cards = self.cards
        items = [i for i in cards.queue.items.values() if i.status == DONE and i.id in cards.embeddings]
        decisions = await label_set.decisions([cards.embeddings[i.id] for i in items])
        cards.queue.categories = list(label_set.labels)
        allowed = set(label_set.labels)
        for item, decision in zip(items, decisions, strict=True):
            if item.id not in cards.queue.items:
                continue  # removed meanwhile
            item.decision = followed(item.decision, decision, allowed, self.deleted)
            if item.override and item.override not in allowed:
                item.override = None  # corrected to a label that is gone
                if cards.keep:
                    cards.keep.save(item, cards.thumbs.get(item.id))
            cards.render(item)
        self.on_follow()
        cards.on_change()

    async def restore(self, model_id: str, label_set: LabelSet) -> int:
        """The results kept from earlier visits, decided again under the set as it is now; how many. Where they
        can't be kept (site data blocked), the cards still follow their labels while the page is open."""
        cards = self.cards
        store = await api.awaited(api.snaptag, "openResultsStore", self.store)
        keeper = Keeper(store, model_id, kind=self.store,
                        extra=lambda item: {"embedding": cards.embeddings.get(item.id)})
        labels = set(label_set.labels)
        records = [r for r in (record.to_py() for record in await api.awaited(store, "all")) if r.get("embedding")]
        decisions = await label_set.decisions([r["embedding"] for r in records])  # the set may have changed
        for rec, now in zip(records, decisions, strict=True):
            kept = Decision(str(rec.get("category")), (), str(rec.get("reason") or ""), 0,
                            tuple(str(b) for b in rec.get("base") or ()))
            decision = followed(kept, now, labels)
            rec |= {"category": decision.category, "top": [list(t) for t in decision.top], "reason": decision.reason,
                    "base": list(decision.base)}
            if rec.get("override") not in labels:
                rec["override"] = None
        shown = 0
        for start in range(0, len(records), RESTORE_CHUNK):
            if start:
                await next_task()
            chunk = records[start : start + RESTORE_CHUNK]
            shown += sum(item is not None for item in show_records(cards, keeper, chunk))
        cards.keep = keeper
        return shown
