"""Result cards (DOM, Pyodide): one card per photo in a container, for the sorter and for teach mode alike.

Each card follows the automation contract (README): [data-result] with data-name, data-status and, when done,
data-category, data-top, data-prob, data-overridden; data-error on error. What a category is called, which
categories a card can be moved to and how a review is explained come from the mode.
"""

import asyncio
from collections.abc import Callable

from js import URL, Date, document
from pyodide.ffi import JsException, create_proxy

from app import intake
from app.imagesize import HEADER_BYTES
from app.mapping import REVIEW, Decision
from app.page.dom import element, read_bytes
from app.queue import DONE, ERROR, Item, PhotoInfo, PhotoQueue


async def header_problem(file, name: str, mime: str) -> str | None:
    """The message for a file whose first bytes say it must not be decoded (too many pixels, HEIC, not an
    image), else None. Read in well under a second whatever the file's size."""
    return intake.check_header(name, mime, await read_bytes(file, HEADER_BYTES))


def js_failure(err: Exception, name: str, mime: str) -> str:
    """The user's message for a failed classify request."""
    if isinstance(err, JsException):
        js_err = getattr(err, "js_error", None)
        code = str(getattr(js_err, "code", "") or "internal")
        detail = str(getattr(js_err, "message", "") or err)
        return intake.worker_failure(code, detail, name, mime)
    if isinstance(err, ValueError):  # a refusal of ours: the message is the user's
        return str(err)
    return f"Could not classify this photo: {err}"


class CardList:
    """Photos added -> queue -> worker -> decision -> cards. `classify(file)` returns the worker's result,
    `decide(result)` the Decision; `name(category)` is what the user sees."""

    def __init__(self, container_id: str, queue: PhotoQueue, name: Callable[[str], str], reasons: dict[str, str],
                 on_change: Callable[[], None], classify: Callable, decide: Callable[[object], Decision]) -> None:
        self.container = document.getElementById(container_id)
        self.queue, self.name, self.reasons, self.on_change = queue, name, reasons, on_change
        self.classify, self.decide = classify, decide
        self.files: dict = {}  # item id -> the File, until the worker is done with it
        self.ready = False  # False: cards say they wait for the model
        self._on_override = create_proxy(self._override)

    def add_files(self, js_files) -> None:
        for f in js_files:
            item = self.queue.add(str(f.name), int(f.size), str(f.type))
            if item.status != ERROR:
                self.files[item.id] = f
            self.add(item)
        self.pump()
        self.on_change()

    def pump(self) -> None:
        for item in self.queue.take():
            self.render(item)
            asyncio.ensure_future(self.process(item))

    def card_of(self, item: Item):
        return self.container.querySelector(f'[data-result][data-id="{item.id}"]')

    def add(self, item: Item) -> None:
        card = element("article", "card")
        card.setAttribute("data-result", "")
        card.dataset.id = str(item.id)
        card.dataset.name = item.name
        card.append(element("div", "thumb"), element("div", "name", item.name), element("div", "verdict"),
                    element("ol", "top"))
        self.container.prepend(card)
        self.render(item)

    def show_thumb(self, item: Item, blob) -> None:
        thumb = element("img")
        thumb.src = URL.createObjectURL(blob)
        thumb.alt = ""
        self.card_of(item).querySelector(".thumb").replaceChildren(thumb)

    def render(self, item: Item) -> None:
        card = self.card_of(item)
        card.dataset.status = item.status
        verdict = card.querySelector(".verdict")
        if item.status == ERROR:
            card.dataset.error = item.error
            verdict.textContent = item.error
            return
        if item.status != DONE:
            verdict.textContent = "Working…" if self.ready else "Waiting for the model…"
            return
        decision: Decision = item.decision
        card.dataset.category = item.category
        card.dataset.top = decision.top[0][0] if decision.top else REVIEW
        card.dataset.prob = f"{decision.prob if decision.top else 0.0:.4f}"
        card.dataset.overridden = "true" if item.override else "false"
        why = "" if item.override else self.reasons.get(decision.reason, "")
        verdict.textContent = self.name(item.category) + why
        top = card.querySelector(".top")
        top.replaceChildren(*[element("li", "", f"{self.name(cid)} {p * 100:.0f}%") for cid, p in decision.top[:3]])
        old = card.querySelector("select")  # rebuilt: teach mode's labels may have changed since
        if old:  # JS null arrives as pyodide.ffi.jsnull, which is falsy
            old.replaceWith(self._select(item))
        else:
            card.append(self._select(item))

    def _select(self, item: Item):
        select = element("select", "override")
        select.setAttribute("aria-label", f"Category for {item.name}")
        for cid in [*(self.queue.categories or []), REVIEW]:
            option = element("option", "", self.name(cid))
            option.value = cid
            select.append(option)
        select.value = item.category
        select.dataset.id = str(item.id)
        select.addEventListener("change", self._on_override)
        return select

    def _override(self, event) -> None:
        item = self.queue.set_override(int(event.target.dataset.id), event.target.value)
        self.render(item)
        self.on_change()

    async def process(self, item: Item) -> None:
        try:
            problem = await header_problem(self.files.get(item.id), item.name, item.mime)
            if problem:
                raise ValueError(problem)
            res = await self.classify(self.files.get(item.id))
            photo = PhotoInfo(str(res.sha256), int(res.width), int(res.height), str(Date.new().toISOString()))
            self.queue.finish(item.id, self.decide(res), list(res.embedding), photo)
            if res.thumb:
                self.show_thumb(item, res.thumb)
        except Exception as err:  # noqa: BLE001  a bad result must not stop the queue
            self.queue.fail(item.id, js_failure(err, item.name, item.mime))
        self.files.pop(item.id, None)
        self.render(item)
        self.on_change()
        self.pump()
