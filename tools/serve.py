"""A static file server for dist/ on 127.0.0.1 (optionally under a URL prefix), with the MIME types the
site needs (wasm, mjs). Any static host works the same; this one is for development and tests."""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import errno
import functools
import hashlib
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.logic.errors import UserError
from app.logic.imagesize import sniff

# The policy the page is built to run under (docs/deploy.md). Pyodide needs 'unsafe-eval'; WebAssembly needs
# 'wasm-unsafe-eval'; thumbnails and taught examples are blob: images.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; style-src 'self'; "
       "img-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'")
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
         ".json": "application/json", ".toml": "text/plain", ".py": "text/plain", ".bin": "application/octet-stream"}


# The example pages' test endpoint (no real server is part of snaptag): our form's and the upload widgets'.
EXAMPLE_UPLOADS = tuple(f"examples/{page}/upload" for page in ("upload-form", "uppy", "dropzone", "filepond"))
MAX_UPLOAD = 50_000_000
ENCODINGS = {"br": ".br", "gzip": ".gz"}  # precompressed copies beside a file (tools/site.py), best first
MAX_THREADS = 32  # connections served at once; more wait in the listen queue
TIMEOUT_S = 30  # a connection idle this long (a slow or stuck client) is closed


def text(part) -> str:
    """A form field's value: browsers send UTF-8 without saying so."""
    return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


def describe_upload(content_type: str, body: bytes) -> dict:
    """What an example page sent: the café's name (or, from Uppy, the file's), per photo its category and what
    its bytes are, and every text field (`fields`: name -> values)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, list] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields.setdefault(name, []).append(part)
    photos = []
    categories = [text(part) for part in fields.get("category", [])]
    for i, part in enumerate(fields.get("photo", [])):
        data = part.get_payload(decode=True) or b""
        info = sniff(data[:65536])
        photos.append({"filename": part.get_filename(), "type": part.get_content_type(), "bytes": len(data),
                       "format": info.format if info else None, "width": info.width if info else None,
                       "height": info.height if info else None, "exif": b"Exif\x00\x00" in data,
                       "category": categories[i] if i < len(categories) else None})
    name = fields.get("name", [None])[0]
    texts = {key: [text(part) for part in parts] for key, parts in fields.items() if key != "photo"}
    return {"name": text(name) if name else "", "photos": photos, "fields": texts}


class Validators:
    """Each file's ETag (its content's SHA-256) and Last-Modified, by content: a file's date is when this server
    first saw that content at that path (never earlier than the file's own time), so a file whose content
    changes always gets a later date, even when a build brought back an older file with its old date (Chromium
    revalidates with If-Modified-Since alone). Hashes are read once per version of a file."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.digests: dict[tuple[str, int, int], str] = {}  # (path, mtime_ns, size) -> hex digest
        self.seen: dict[str, tuple[str, float]] = {}  # path -> (digest, its date)

    def of(self, path: Path) -> tuple[str, int]:
        """(the content hash, Last-Modified as whole seconds)."""
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
        with self.lock:
            digest = self.digests.get(key)
        if digest is None:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
        with self.lock:
            self.digests[key] = digest
            known = self.seen.get(str(path))
            if known is None or known[0] != digest:  # new content: dated now, after any date handed out
                date = max(st.st_mtime, time.time(), known[1] + 1 if known else 0.0)
                known = self.seen[str(path)] = (digest, float(int(date)))
        return digest, int(known[1])


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}
    prefix = "/"
    extra_headers: dict[str, str] = {"Cache-Control": "no-cache", "Content-Security-Policy": CSP}

    timeout = TIMEOUT_S

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_prefix__")
        return super().translate_path("/" + path[len(self.prefix):])

    def list_directory(self, path):
        self.send_error(404, "no directory listings")

    def bad_path(self) -> bool:
        """A path with a NUL byte (raw or %00) can name no file: a 400, not a traceback."""
        if "\x00" in urllib.parse.unquote(self.path):
            self.send_error(400, "bad path")
            return True
        return False

    def do_GET(self) -> None:  # noqa: N802
        if not self.bad_path():
            super().do_GET()

    def send_head(self):
        """A file, or its precompressed copy (`.br`, else `.gz`, made by the build) when the browser takes it, as
        a static host with precompression does. Validated by content (Validators): a build that brought back an
        older file (another --model, say) with its old date once got a 304 that handed the service worker the
        other build's file."""
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"  # a folder's URL is its index page
        if not path.is_file():
            return super().send_head()  # a folder without its slash (a redirect) or a 404
        accepted = {token.split(";")[0].strip() for token in self.headers.get("Accept-Encoding", "").split(",")}
        copies = {e: path.with_name(path.name + suffix) for e, suffix in ENCODINGS.items() if e in accepted}
        encoding = next((e for e, copy in copies.items()  # a copy older than its file is stale: not used
                         if copy.is_file() and copy.stat().st_mtime >= path.stat().st_mtime), None)
        digest, modified = self.server.validators.of(path)
        tag = f'"{digest}{"-" + encoding if encoding else ""}"'
        if self.fresh(tag, modified):
            self.send_response(304)
            self.send_header("ETag", tag)
            self.send_header("Vary", "Accept-Encoding")
            self.end_headers()
            return None
        f = open(copies[encoding] if encoding else path, "rb")  # noqa: SIM115  (http.server closes it)
        self.raw_length = path.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(os.fstat(f.fileno()).st_size))
        self.send_header("ETag", tag)
        self.send_header("Last-Modified", self.date_time_string(modified))
        self.end_headers()
        return f

    def fresh(self, tag: str, modified: int) -> bool:
        """Whether the browser's copy is this content: its If-None-Match names the tag, or (without one) its
        If-Modified-Since is no earlier than the content's date (Validators)."""
        if "If-None-Match" in self.headers:
            wanted = {t.strip().removeprefix("W/") for t in self.headers["If-None-Match"].split(",")}
            return tag in wanted or "*" in wanted
        try:
            since = email.utils.parsedate_to_datetime(self.headers.get("If-Modified-Since", ""))
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return since is not None and modified <= since.timestamp()

    def send_header(self, keyword: str, value: str) -> None:
        if keyword == "Content-Length":  # what went on the wire, and its size decoded, for `bench` (server.sent)
            decoded = getattr(self, "raw_length", None) or int(value)  # a bad request line sets no path
            self.server.sent.append((getattr(self, "path", ""), int(value), decoded))
            self.raw_length = None
        super().send_header(keyword, value)

    def do_HEAD(self) -> None:  # noqa: N802
        if not self.bad_path():
            super().do_HEAD()

    def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
        if self.path not in [self.prefix + path for path in EXAMPLE_UPLOADS]:
            self.send_error(405, "snaptag is a static site: only the example pages' test endpoint takes a POST")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Content-Length is not a number")
            return
        if not 0 < length <= MAX_UPLOAD:
            self.send_error(413, f"an upload must be 1 byte to {MAX_UPLOAD // 1_000_000} MB")
            return
        try:
            reply = describe_upload(self.headers.get("Content-Type", ""), self.rfile.read(length))
        except (ValueError, TypeError, AttributeError) as exc:
            self.send_error(400, f"not a multipart form: {exc}")
            return
        self.server.uploads.append(reply)
        body = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


class Server(http.server.ThreadingHTTPServer):
    uploads: list[dict]  # what the example form posted, newest last
    sent: list[tuple[str, int, int]]  # (path, bytes sent, bytes decoded) of every response with a body, in order
    validators: Validators  # every file's ETag and date, by content
    slots = threading.BoundedSemaphore(MAX_THREADS)  # replaced per server in make_server

    def process_request(self, request, client_address) -> None:
        self.slots.acquire()  # at most MAX_THREADS at once: the accept loop waits, the OS queues the rest
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a browser that hung up mid-transfer is normal
            super().handle_error(request, client_address)


class ServeError(UserError, OSError):
    pass


def make_server(dist: Path, port: int = 8000, prefix: str = "/", host: str = "127.0.0.1",
                headers: dict[str, str] | None = None) -> Server:
    """`headers`: sent with every response instead of the defaults (no-cache, the CSP)."""
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    attrs = {"prefix": prefix} if headers is None else {"prefix": prefix, "extra_headers": headers}
    handler = type("PrefixHandler", (Handler,), attrs)
    try:
        server = Server((host, port), functools.partial(handler, directory=str(dist)))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} is in use (another server?): stop it or pick another, --port N") from exc
        if exc.errno in (errno.EADDRNOTAVAIL, socket.EAI_NONAME) or isinstance(exc, socket.gaierror):
            raise ServeError(f"--host {host}: not an address of this machine ({exc.strerror or exc})") from exc
        raise
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    server.prefix, server.uploads, server.sent, server.validators = prefix, [], [], Validators()
    server.slots = threading.BoundedSemaphore(MAX_THREADS)
    server.url = f"http://{shown}:{server.server_address[1]}{prefix}"
    return server


def lan_address() -> str | None:
    """This machine's address on the local network (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET address: connect() on UDP only picks a route
            return probe.getsockname()[0]
    except OSError:
        return None


def serve(dist: Path, port: int = 8000, prefix: str = "/", host: str = "127.0.0.1") -> None:
    server = make_server(dist, port, prefix, host)
    print(f"snaptag is served at {server.url}  (Ctrl+C stops)", flush=True)
    uploads = ", ".join(f"{server.url}{path.removesuffix('upload')}" for path in EXAMPLE_UPLOADS)
    print(f"host API examples: {uploads} (they post to a test endpoint of this server), "
          f"{server.url}examples/python-host/, {server.url}examples/teach-camera/ (label sets)", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: --host {host} makes this development server reachable from other machines; it is "
              "not hardened for the internet (use a static host for that, docs/deploy.md)", flush=True)
    if host in ("0.0.0.0", ""):
        lan = lan_address() or "<this machine's address>"
        print(f"on your network: http://{lan}:{server.server_address[1]}{server.prefix}  (over plain http "
              "a phone gets no camera and no offline cache: browsers allow those on https or localhost only)",
              flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def stop(server: http.server.ThreadingHTTPServer) -> None:
    """Stop serving and close the socket (safe to call twice)."""
    server.shutdown()
    server.server_close()


@contextmanager
def serving(dist: Path, prefix: str = "/", headers: dict[str, str] | None = None) -> Iterator[Server]:
    """dist/ served from a background thread on a free port for the duration of the block (tests, bench)."""
    server = make_server(dist, 0, prefix, headers=headers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        stop(server)
