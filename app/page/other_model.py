"""Results another model version made (DOM, Pyodide): kept in this browser, never dropped silently. The sorter
lists them apart (#other-results: not counted, since their categories are that model's), each with what that
model said; adding the photos again sorts them with the current model (each new result replaces its photo's old
one), and *Forget them* deletes them. Which records are another model's: app/logic/saved.py `by_other_model`."""

from __future__ import annotations

from js import document, window

from app.logic import saved
from app.page.dom import element, listen

SHOWN = 100  # rows listed at most (the count says how many there are)


class OtherResults:
    """The panel of another model's results for the sorter's store, written through `keeper` (sorter.Keeper)."""

    def __init__(self, keeper, add_files) -> None:
        self.keeper = keeper
        self.add_files = add_files  # the sorter's: photos added again are sorted with the current model
        self.records: dict[str, dict] = {}  # photo hash -> its record
        self.panel = document.getElementById("other-results")
        listen("other-results-forget", "click", lambda _e: self.forget())
        listen("other-results-add", "change", self._added)

    def show(self, records: list[dict]) -> None:
        self.records = {str(rec["id"]): rec for rec in records}
        self._draw()

    def replaced(self, digest: str) -> None:
        """The photo was sorted again (or removed): its old result is gone from the store."""
        if self.records.pop(digest, None) is not None:
            self._draw()

    def forget(self) -> None:
        n = len(self.records)
        if n and window.confirm(f"Forget the {n} results made by another model version? The photos themselves "
                                "are not affected."):
            for digest in list(self.records):
                self.keeper.forget_record(digest)
            self.records.clear()
            self._draw()

    def _added(self, event) -> None:
        files = list(event.target.files)
        event.target.value = ""
        if files:
            self.add_files(files)

    def _draw(self) -> None:
        n = len(self.records)
        self.panel.hidden = n == 0
        document.getElementById("other-results-count").textContent = f"{n} result{'s' if n != 1 else ''}"
        rows = []
        for rec in list(self.records.values())[:SHOWN]:
            li = element("li")
            li.dataset.other = str(rec["id"])
            if rec.get("thumb"):
                li.append(window.snaptag.cards.thumbImage(rec["thumb"]))
            li.append(element("span", "", f"{rec.get('name', '')}: {saved.said_by_other(rec)}"))
            rows.append(li)
        if n > SHOWN:
            rows.append(element("li", "", f"and {n - SHOWN} more"))
        old = document.getElementById("other-results-list")
        for img in old.querySelectorAll("img"):
            window.URL.revokeObjectURL(img.src)
        old.replaceChildren(*rows)
