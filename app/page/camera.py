"""Teach mode's camera (DOM, Pyodide): live predictions on the stream, and holding a label's "Hold to capture"
button adds a burst of frames to it as examples.

Frames go to the worker as ImageBitmaps (transferred, not copied) through the one classify path (app/api.py)
under the taught set's rule; two frames are in flight at most (the worker infers one while the page shows the
other), so a slow machine gets fewer predictions, never a backlog. #camera-predictions carries data-fps
(predictions per second over the last second) and data-count; each bar is [data-camera-label] with data-prob
(app/page/teach_dom.js showBars); #camera-verdict data-category.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from js import document, navigator, window
from pyodide.ffi import to_js

from app import api
from app.logic import teach
from app.logic.result import ApiError
from app.page.dom import js_object, listen

if TYPE_CHECKING:
    from app.page.teach import TeachPanel

BURST_INTERVAL_S = 0.15
IN_FLIGHT = 2  # frames at once: the worker infers one while the page shows the other (17 -> 20+ per second)


def video():
    return document.getElementById("camera")


class Camera:
    def __init__(self, panel: TeachPanel) -> None:
        self.panel = panel
        self.stream = None
        self.capturing: set[str] = set()
        self.times: list[float] = []  # when the predictions of the last second came
        self.count = 0

    def draw(self, decision) -> None:
        box = document.getElementById("camera-predictions")
        known, names = dict(decision.top), self.panel.teach.labels
        window.snaptag.teachDom.showBars(box, to_js(names), to_js([known.get(name, 0.0) for name in names]))
        verdict = document.getElementById("camera-verdict")
        verdict.dataset.category = decision.category
        verdict.textContent = self.panel.rule.name(decision.category) + teach.REASONS.get(decision.reason, "")
        now = time.perf_counter()
        self.times = [t for t in self.times if now - t < 1.0] + [now]
        self.count += 1
        box.dataset.fps = str(len(self.times))
        box.dataset.count = str(self.count)

    async def predict_loop(self) -> None:
        while self.stream is not None:
            if video().readyState < 2:
                await asyncio.sleep(0.05)
                continue
            try:
                self.draw((await api.classify(video(), self.panel.rule)).decision)
            except Exception as err:  # noqa: BLE001  a dropped frame is not fatal; say why and go on
                self.panel.say(f"Camera: {err.message if isinstance(err, ApiError) else err}", error=True)
                await asyncio.sleep(0.2)

    async def start(self) -> None:
        say = self.panel.say
        if not window.isSecureContext or not getattr(navigator, "mediaDevices", None):
            say("The camera needs a secure page (https or localhost).", error=True)
            return
        try:
            constraints = js_object({"video": js_object({"width": 640, "height": 480}), "audio": False})
            self.stream = await api.awaited(navigator.mediaDevices, "getUserMedia", constraints)
            video().srcObject = self.stream
            await api.awaited(video(), "play")
        except ApiError as err:  # denied, or no camera
            self.stop()
            say(f"The camera could not start: {err.message}", error=True)
            return
        document.getElementById("camera-toggle").textContent = "Stop camera"
        document.documentElement.dataset.camera = "on"
        for _ in range(IN_FLIGHT):
            asyncio.ensure_future(self.predict_loop())

    def stop(self) -> None:
        if self.stream is not None:
            for track in self.stream.getTracks():
                track.stop()
        self.stream = None
        self.capturing.clear()
        video().srcObject = None
        document.getElementById("camera-toggle").textContent = "Start camera"
        document.documentElement.dataset.camera = "off"

    async def burst(self, label: str) -> None:
        """Add frames to `label` while its capture button is held, counting them as they are stored; then say how
        many (and why it stopped early, if it did)."""
        added, problem = 0, ""
        while label in self.capturing and self.stream is not None:
            try:
                await self.panel.add_example(label, video())
            except ApiError as err:
                problem = err.message
                break
            added += 1
            self.panel.say(f"Capturing {label}: {added} frame{'s' if added != 1 else ''}…")
            await asyncio.sleep(BURST_INTERVAL_S)
        note = f"Added {added} frame{'s' if added != 1 else ''} to {label}."
        self.panel.say(note + (f" It stopped: {problem}" if problem else ""), error=bool(problem))

    def on_press(self, event) -> None:
        button = event.target.closest("[data-capture]")
        if not button:
            return
        event.preventDefault()
        if self.stream is None:
            self.panel.say("Start the camera first, then hold the button to capture.", error=True)
            return
        label = button.closest("[data-label]").dataset.label
        self.capturing.add(label)
        asyncio.ensure_future(self.burst(label))

    def on_release(self, _event) -> None:
        self.capturing.clear()

    def toggle(self, _event) -> None:
        if self.stream is None:
            asyncio.ensure_future(self.start())
        else:
            self.stop()

    def wire(self) -> None:
        listen("camera-toggle", "click", self.toggle)
        listen("teach-labels", "pointerdown", self.on_press)
        listen(document, "pointerup", self.on_release)
        listen(document, "pointercancel", self.on_release)
