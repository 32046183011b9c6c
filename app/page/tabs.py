"""The site's tabs tell each other what they changed (a BroadcastChannel per origin, DOM side): a tab that shows
labels or results another tab has just changed reads them again, so a stale tab neither hides nor brings back
what the other deleted. Messages: {kind: "teach", set} (a label set changed, corrections too), and
{kind: "results", op: "put" | "delete", id: <photo hash>} or {kind: "results", op: "clear"}."""

from __future__ import annotations

from collections.abc import Callable

from js import BroadcastChannel

from app.page.dom import js_object, listen

CHANNEL = "snaptag"


class Tabs:
    def __init__(self) -> None:
        self.channel = BroadcastChannel.new(CHANNEL)
        self.handlers: dict[str, list[Callable[[dict], None]]] = {}
        listen(self.channel, "message", self._receive)

    def on(self, kind: str, handler: Callable[[dict], None]) -> None:
        self.handlers.setdefault(kind, []).append(handler)

    def tell(self, kind: str, here: bool = False, **detail) -> None:
        """Tell the other tabs of a change (`here`: this one's handler too)."""
        self.channel.postMessage(js_object({"kind": kind, **detail}))
        if here:
            for handler in self.handlers.get(kind, []):
                handler({"kind": kind, **detail})

    def _receive(self, event) -> None:
        message = event.data.to_py() if hasattr(event.data, "to_py") else {}
        for handler in self.handlers.get(str(message.get("kind")), []):
            handler(message)


tabs = Tabs()  # one per page
