"""Small DOM helpers shared by the page's Python modules (Pyodide only)."""

from js import URL, Blob, Object, Promise, Uint8Array, document, setTimeout, window
from pyodide.ffi import create_once_callable, create_proxy, to_js


def element(tag: str, cls: str = "", text: str = ""):
    node = document.createElement(tag)
    if cls:
        node.className = cls
    if text:
        node.textContent = text
    return node


_proxies: list = []  # every handler listen() made: alive as long as the page


def listen(target, kind: str, handler) -> None:
    """`handler(event)` on `target` (an element, its id, or document/window) for the page's life: the one place
    that makes and keeps the proxies event handlers need."""
    node = document.getElementById(target) if isinstance(target, str) else target
    proxy = create_proxy(handler)
    _proxies.append(proxy)
    node.addEventListener(kind, proxy)


def js_object(value: dict | list):
    """A plain JS object (not a Map) from a dict (and from each dict in a list), as JS APIs expect."""
    return to_js(value, dict_converter=Object.fromEntries)


def download(data, name: str, mime: str) -> None:
    """Offer `data` (str, bytes or a Blob) as a file download."""
    if isinstance(data, bytes):
        data = to_js(data)
    blob = data if hasattr(data, "arrayBuffer") else Blob.new([data], js_object({"type": mime}))
    url = URL.createObjectURL(blob)
    link = element("a")
    link.href, link.download = url, name
    link.click()
    window.setTimeout(create_proxy(lambda: URL.revokeObjectURL(url)), 1000)


async def read_bytes(blob, limit: int | None = None) -> bytes:
    """A Blob's (or File's) bytes, the first `limit` of them when given."""
    part = blob.slice(0, limit) if limit else blob
    return Uint8Array.new(await part.arrayBuffer()).to_bytes()


async def next_task() -> None:
    """Let the browser paint and handle input, then go on in a new task (a setTimeout, not a microtask)."""
    await Promise.new(create_once_callable(lambda resolve, _reject: setTimeout(resolve, 0)))
