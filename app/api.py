"""snaptag's verbs, for Python in the page (Pyodide) and, through window.snaptag, for JavaScript.

    from app import api
    model = await api.ready()             # api.ModelInfo: categories, threshold, model id
    result = await api.classify(file)     # app.result.Result: category, decision (top, prob, reason), photo
    jpeg = await api.resize(file, 1600)   # a JS Blob: JPEG, upright, no metadata, longest side <= 1600

`file` is a JS File or Blob. Failures raise app.result.ApiError(code, message). Importing this module gives
the same verbs to worker/api.js (window.snaptag.classify, ...), which must be on the page: it starts the image
worker. The review rule is app/mapping.py's: JavaScript gets Python's decision, never a copy of the rule.
"""

from js import CustomEvent, window
from pyodide.ffi import JsException, create_proxy

from app import intake
from app.imagesize import HEADER_BYTES
from app.page.dom import js_object, read_bytes
from app.queue import PhotoInfo
from app.result import ApiError, ModelInfo, Result, check_resize, worker_error

if not getattr(window, "snaptag", None) or not getattr(window.snaptag, "_register", None):
    raise ImportError("snaptag's worker/api.js must be on the page before app.api is imported")
snaptag = window.snaptag
_state: dict = {}


async def ready() -> ModelInfo:
    """The model's categories and rule, once it is loaded."""
    if "model" not in _state:
        try:
            loaded = await snaptag.model
        except JsException as err:
            raise ApiError("load_failed", f"Model failed to load: {_js_message(err)}") from err
        try:
            _state["model"] = ModelInfo.from_metadata(loaded.metadata.to_py())
        except ValueError as err:
            raise ApiError("load_failed", f"Model metadata is not usable: {err}") from err
    return _state["model"]


def _describe(file) -> tuple[str, str]:
    return str(getattr(file, "name", "") or ""), str(getattr(file, "type", "") or "")


def _js_message(err: JsException) -> str:
    return str(getattr(getattr(err, "js_error", None), "message", "") or err)


async def check(file) -> None:
    """Raise ApiError('refused', why) unless `file` may be decoded: its size and type, then what its first
    bytes say (the format, and how many pixels it would decode to)."""
    if not hasattr(file, "size") or not hasattr(file, "slice"):
        raise ApiError("bad_request", "expected a File or Blob")
    name, mime = _describe(file)
    problem = intake.check(name, int(file.size), mime) or \
        intake.check_header(name, mime, await read_bytes(file, HEADER_BYTES))
    if problem:
        raise ApiError("refused", problem)


async def in_worker(call, file=None):
    """Await a worker request; its error reply becomes an ApiError with the user's message."""
    try:
        return await call
    except JsException as err:
        js_err = getattr(err, "js_error", None)
        raise worker_error(str(getattr(js_err, "code", "") or "internal"), _js_message(err), *_describe(file)) \
            from err


def _announce(kind: str, file, detail: dict) -> None:
    window.dispatchEvent(CustomEvent.new(f"snaptag:{kind}", js_object({"detail": {"file": file, **detail}})))


def result_of(res, decision) -> Result:
    """A Result from the worker's classify reply and the decision made on it."""
    photo = PhotoInfo(str(res.sha256 or ""), int(res.width), int(res.height), str(window.Date.new().toISOString()))
    return Result(decision, photo, list(res.embedding), res.thumb or None)


async def classify(file, thumb: bool = False) -> Result:
    """The category of one photo (and `thumb`: a small JPEG of it, for a card)."""
    info = await ready()
    try:
        await check(file)
        options = js_object({"thumb": bool(thumb)})
        res = await in_worker(snaptag.client.classify(file, js_object(info.spec.to_dict()), options), file)
    except ApiError as err:
        _announce("error", file, {"error": {"code": err.code, "message": err.message}})
        raise
    result = result_of(res, info.cmap.decide(list(res.probs)))
    _announce("result", file, {"result": result.public(info)})
    return result


async def resize(file, max_side: int = 1600, quality: float = 0.85):
    """A JPEG Blob of the photo, upright (EXIF orientation applied), without metadata (no EXIF, no GPS), longest
    side at most `max_side` (never enlarged), downscaled in steps off the main thread. Needs no model."""
    max_side, quality = check_resize(max_side, quality)
    await check(file)
    res = await in_worker(snaptag.client.resize(file, max_side, quality), file)
    return res.blob


def _for_js(verb):
    """`verb` for worker/api.js: it answers {ok: true, value} or {ok: false, code, message}."""
    async def call(*args):
        try:
            return js_object({"ok": True, "value": await verb(*args)})
        except ApiError as err:
            return js_object({"ok": False, "code": err.code, "message": err.message})
        except Exception as err:  # noqa: BLE001  a bug: still an answer, not a traceback
            return js_object({"ok": False, "code": "internal", "message": f"{type(err).__name__}: {err}"})

    return create_proxy(call)


async def _js_ready():
    return (await ready()).public()


async def _js_classify(file):
    return (await classify(file)).public(await ready())


async def _js_resize(file, max_side=1600, quality=0.85):
    return await resize(file, max_side, quality)


snaptag._register(js_object({"ready": _for_js(_js_ready), "classify": _for_js(_js_classify),
                             "resize": _for_js(_js_resize)}))
