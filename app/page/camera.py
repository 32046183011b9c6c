"""Teach mode's camera (DOM, Pyodide): live predictions on the stream, and holding a label's "Hold to capture"
button adds a burst of frames to it as examples.

Frames go to the worker as ImageBitmaps (transferred, not copied); the worker runs the model and the cosines,
Python decides (app/teach.py) and draws a bar per label. One frame is in flight at a time, so a slow machine
gets fewer predictions, never a backlog. #camera-predictions carries data-fps (predictions per second over the
last second) and data-count; each bar is [data-camera-label] with data-prob; #camera-verdict data-category.
"""

import asyncio
import time

from js import createImageBitmap, document, navigator, window
from pyodide.ffi import create_proxy

from app import api
from app.page.dom import element, js_object
from app.page.teach import add_examples, ctx, label_name, proxies, say, spec_js, teach
from app.result import ApiError

BURST_INTERVAL_S = 0.15
cam: dict = {"stream": None, "capturing": set(), "times": [], "count": 0}


def video():
    return document.getElementById("camera")


def draw(decision) -> None:
    box = document.getElementById("camera-predictions")
    known = dict(decision.top)
    rows = []
    for name in teach.labels:
        row = element("div", "bar")
        row.dataset.cameraLabel = name
        row.dataset.prob = f"{known.get(name, 0.0):.4f}"
        meter = element("meter")
        meter.min, meter.max, meter.value = 0, 1, known.get(name, 0.0)
        row.append(element("span", "", name), meter)
        rows.append(row)
    box.replaceChildren(*rows)
    verdict = document.getElementById("camera-verdict")
    verdict.dataset.category = decision.category
    verdict.textContent = label_name(decision.category) + (" (unlike every label)" if decision.reason == "unknown"
                                                           else "")
    now = time.perf_counter()
    cam["times"] = [t for t in cam["times"] if now - t < 1.0] + [now]
    cam["count"] += 1
    box.dataset.fps = str(len(cam["times"]))
    box.dataset.count = str(cam["count"])


async def predict_loop() -> None:
    options = js_object({"thumb": False, "teach": True})
    while cam["stream"] is not None:
        if video().readyState < 2:
            await asyncio.sleep(0.05)
            continue
        try:
            frame = await createImageBitmap(video())
            res = await api.in_worker(window.snaptag.client.classify(frame, spec_js(), options))
            draw(teach.decide(zip(res.simIds, res.sims)))
        except Exception as err:  # noqa: BLE001  a dropped frame is not fatal; say why and go on
            say(f"Camera: {err.message if isinstance(err, ApiError) else err}", error=True)
            await asyncio.sleep(0.2)


async def start_camera() -> None:
    button = document.getElementById("camera-toggle")
    if not window.isSecureContext or not getattr(navigator, "mediaDevices", None):
        say("The camera needs a secure page (https or localhost).", error=True)
        return
    try:
        constraints = js_object({"video": js_object({"width": 640, "height": 480}), "audio": False})
        cam["stream"] = await navigator.mediaDevices.getUserMedia(constraints)
    except Exception as err:  # noqa: BLE001  denied, or no camera
        say(f"The camera could not start: {getattr(getattr(err, 'js_error', None), 'message', err)}", error=True)
        return
    video().srcObject = cam["stream"]
    await video().play()
    button.textContent = "Stop camera"
    document.documentElement.dataset.camera = "on"
    asyncio.ensure_future(predict_loop())


def stop_camera() -> None:
    if cam["stream"] is not None:
        for track in cam["stream"].getTracks():
            track.stop()
    cam["stream"] = None
    cam["capturing"].clear()
    video().srcObject = None
    document.getElementById("camera-toggle").textContent = "Start camera"
    document.documentElement.dataset.camera = "off"


async def burst(label: str) -> None:
    """Add frames to `label` while its capture button is held."""
    while label in cam["capturing"] and cam["stream"] is not None:
        frame = await createImageBitmap(video())
        await add_examples(label, [frame])
        await asyncio.sleep(BURST_INTERVAL_S)


def on_press(event) -> None:
    button = event.target.closest("[data-capture]")
    if not button:
        return
    event.preventDefault()
    if cam["stream"] is None:
        say("Start the camera first, then hold the button to capture.", error=True)
        return
    label = button.closest("[data-label]").dataset.label
    cam["capturing"].add(label)
    asyncio.ensure_future(burst(label))


def on_release(_event) -> None:
    cam["capturing"].clear()


def wire() -> None:
    def toggle(_event) -> None:
        if cam["stream"] is None:
            asyncio.ensure_future(start_camera())
        else:
            stop_camera()

    for node, kind, handler in ((document.getElementById("camera-toggle"), "click", toggle),
                                (document.getElementById("teach-labels"), "pointerdown", on_press),
                                (document, "pointerup", on_release), (document, "pointercancel", on_release)):
        proxy = create_proxy(handler)
        proxies.append(proxy)
        node.addEventListener(kind, proxy)
    ctx["stop_camera"] = stop_camera
