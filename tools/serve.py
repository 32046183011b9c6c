"""A static file server for dist/ on 127.0.0.1 (optionally under a URL prefix), with the MIME types the
site needs (wasm, mjs). Any static host works the same; this one is for development and tests."""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
         ".json": "application/json", ".toml": "text/plain", ".py": "text/plain", ".bin": "application/octet-stream"}


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}
    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_prefix__")
        return super().translate_path("/" + path[len(self.prefix):])

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a browser that hung up mid-transfer is normal
            super().handle_error(request, client_address)


def make_server(dist: Path, port: int = 8000, prefix: str = "/") -> http.server.ThreadingHTTPServer:
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    handler = type("PrefixHandler", (Handler,), {"prefix": prefix})
    server = Server(("127.0.0.1", port), functools.partial(handler, directory=str(dist)))
    server.url = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    return server


def serve(dist: Path, port: int = 8000, prefix: str = "/") -> None:
    server = make_server(dist, port, prefix)
    print(f"snaptag is served at {server.url}  (Ctrl+C stops)", flush=True)
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
def serving(dist: Path, prefix: str = "/") -> Iterator[http.server.ThreadingHTTPServer]:
    """dist/ served from a background thread on a free port for the duration of the block (tests, bench)."""
    server = make_server(dist, 0, prefix)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        stop(server)
