"""snaptag's verbs, for Python in the page (Pyodide) and, through window.snaptag, for JavaScript.

    from app import api
    model = await api.ready()             # api.ModelInfo: categories, threshold, model id
    result = await api.classify(file)     # app.logic.result.Result: category, decision (top, prob, reason), photo
    jpeg = await api.resize(file, 1600)   # a JS Blob: JPEG, upright, no metadata, longest side <= 1600

`file` is a JS File or Blob; classify also takes any image the page shows (an ImageBitmap, a canvas, an <img>,
ImageData or a playing <video>: its current frame). Label sets (teach from your own code): app/labels.py.
Failures raise app.logic.result.ApiError(code, message). `classify` is the one classify path of the page: the
sorter, teach mode, the camera and the host API all call it, each with its rule (app/logic/rules.py: the model's
categories by default, or a taught label set), and every call is announced with the `snaptag:result` /
`snaptag:error` events. Importing this module gives the same verbs to worker/api.js (window.snaptag.classify, ...),
which must be on the page: it starts the image worker. JavaScript gets Python's decision, never a copy of the rule.
"""

from js import CustomEvent, window
from pyodide.ffi import create_proxy, jsnull

from app.logic import intake
from app.logic.imagesize import FIRST_BYTES, GROWTH
from app.logic.queue import PhotoInfo
from app.logic.result import ApiError, ModelInfo, Result, check_resize, worker_error
from app.logic.rules import Rule, Scores
from app.page.dom import js_object, read_bytes

if not getattr(window, "snaptag", None) or not getattr(window.snaptag, "_register", None):
    raise ImportError("snaptag's worker/api.js must be on the page before app.api is imported")
snaptag = window.snaptag
_model: list[ModelInfo] = []  # the loaded model's info, once: its one owner on the Python side


async def ready() -> ModelInfo:
    """The model's categories and rule, once it is loaded."""
    if not _model:
        try:
            loaded = await awaited(snaptag, "model")
        except ApiError as err:
            raise ApiError("load_failed", f"Model failed to load: {err.message}") from err
        try:
            _model.append(ModelInfo.from_metadata(loaded.metadata.to_py()))
        except ValueError as err:
            raise ApiError("load_failed", f"Model metadata is not usable: {err}") from err
    return _model[0]


def _describe(file) -> tuple[str, str]:
    return str(getattr(file, "name", "") or ""), str(getattr(file, "type", "") or "")


async def awaited(target, method: str, *args):
    """The one bridge from JS's promises to Python: `target[method](*args)`'s value, or an ApiError (the JS
    error's code or name, and its message). The promise stays in JS (window.snaptag.settle calls the
    method and never rejects): Pyodide could not turn some rejections (IndexedDB's QuotaExceededError) into an
    exception, and the await hung."""
    outcome = await snaptag.settle(target, method, *args)
    if not outcome.ok:
        raise ApiError(str(outcome.code), str(outcome.message))
    return outcome.value


def is_file(source) -> bool:
    return hasattr(source, "size") and hasattr(source, "slice")


async def check(file) -> None:
    """Raise ApiError('refused', why) unless `file` may be decoded: its size and type, then what its first
    bytes say (the format, and how many pixels it would decode to). Most headers are in the first 64 KB; a JPEG
    with long metadata before its frame header, or a GIF's later frames, are read further (8 times more each
    time, up to the whole file)."""
    if not is_file(file):
        raise ApiError("bad_request", "expected a File or Blob")
    name, mime, size = *_describe(file), int(file.size)
    problem = intake.check(name, size, mime)
    if not problem:
        header = await read_bytes(file, FIRST_BYTES)
        while intake.needs_more(header) and len(header) < size:
            header = await read_bytes(file, len(header) * GROWTH)
        problem = intake.check_header(name, mime, header, whole=len(header) >= size)
    if problem:
        raise ApiError("refused", problem)


async def prepared(source):
    """What the worker takes: a File or Blob, checked (`check`); any other image source (an ImageBitmap, a
    canvas, an <img>, ImageData, a playing <video>) as a new ImageBitmap of what it shows now, which the worker
    takes over: the caller's own stays usable (app/page/api.js frameOf)."""
    if is_file(source):
        await check(source)
        return source
    return await awaited(snaptag, "frameOf", source)


async def in_worker(method: str, *args, file=None):
    """A worker request (`snaptag.client[method](*args)`); its error reply becomes an ApiError with the user's
    message."""
    try:
        return await awaited(snaptag.client, method, *args)
    except ApiError as err:
        raise worker_error(err.code, err.message, *_describe(file)) from err


def _nulls(value):
    """None as JS null, not undefined, in what hosts receive (docs/embedding.md: `reason` is null)."""
    if value is None:
        return jsnull
    if isinstance(value, dict):
        return {k: _nulls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nulls(v) for v in value]
    return value


def _announce(kind: str, source, detail: dict) -> None:
    window.dispatchEvent(CustomEvent.new(f"snaptag:{kind}", js_object({"detail": {"file": source,
                                                                                     **_nulls(detail)}})))


def label_scores(scores) -> tuple[tuple[str, float, float], ...]:
    """The worker's {labels, centred, centroid} (worker/examples.js labelScores) as rows of those three."""
    return tuple(zip(scores.labels.to_py(), scores.centred.to_py(), scores.centroid.to_py()))


def _scores(res, rule: Rule) -> Scores:
    """`scores`: the label set's asked for, or a taught model's own (the worker adds them to every reply)."""
    asked = rule.examples or {}
    labels = label_scores(res.scores) if getattr(res, "scores", None) else ()
    sims = tuple(zip(res.simIds.to_py(), res.sims.to_py(), res.simKins.to_py())) \
        if asked and not asked.get("labels") else ()
    return Scores(tuple(res.probs.to_py()), sims, labels)


async def classify(source, rule: Rule | None = None, thumb: bool = False, embedding: bool = False) -> Result:
    """The category of one photo (a File or Blob, or any image source `prepared` takes: a video's current
    frame, say) under `rule` (default: the model's categories). `thumb`: with a small JPEG of it, for a card;
    `embedding`: with the model's embedding (a JS Float32Array), which otherwise stays in the worker."""
    info = await ready()
    rule = rule or info.rule
    try:
        options = {"thumb": bool(thumb), "embedding": bool(embedding)}
        if rule.examples:
            options["teach"] = rule.examples
        res = await in_worker("classify", await prepared(source), js_object(options), file=source)
        photo = PhotoInfo(str(res.sha256 or ""), int(res.width), int(res.height),
                          str(window.Date.new().toISOString()))
        result = Result(rule.decide(_scores(res, rule)), photo, res.thumb or None, res.embedding or None)
    except ApiError as err:
        _announce("error", source, {"error": {"code": err.code, "message": err.message}})
        raise
    _announce("result", source, {"result": result.public(rule, info.model_id)})
    return result


async def resize(file, max_side: int | None = None, quality: float | None = None):
    """A JPEG Blob of the photo, upright (EXIF orientation applied), without metadata (no EXIF, no GPS), longest
    side at most `max_side` (default 1600; never enlarged), downscaled in steps off the main thread. Needs no
    model."""
    max_side, quality = check_resize(max_side, quality)
    await check(file)
    res = await in_worker("resize", file, max_side, quality, file=file)
    return res.blob


def _for_js(verb):
    """`verb` for worker/api.js: it answers {ok: true, value} or {ok: false, code, message}."""
    async def call(*args):
        try:
            return js_object({"ok": True, "value": _nulls(await verb(*args))})
        except ApiError as err:
            return js_object({"ok": False, "code": err.code, "message": err.message})
        except Exception as err:  # noqa: BLE001  a bug: still an answer, not a traceback
            return js_object({"ok": False, "code": "internal", "message": f"{type(err).__name__}: {err}"})

    return create_proxy(call)


async def _js_ready():
    return (await ready()).public()


async def _js_classify(file):
    info = await ready()
    return (await classify(file)).public(info.rule, info.model_id)


async def _js_resize(file, max_side=None, quality=None):
    return await resize(file, max_side, quality)


async def _js_labels(verb: str, *args):
    from app import labels_js  # noqa: PLC0415  on first use: not part of every page's start

    return await labels_js.js_verb(verb, *args)


snaptag._register(js_object({"ready": _for_js(_js_ready), "classify": _for_js(_js_classify),
                             "resize": _for_js(_js_resize), "labels": _for_js(_js_labels)}))
