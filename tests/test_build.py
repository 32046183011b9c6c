"""build.py's site build: self-contained dist/ with relative URLs, a complete content-versioned precache,
incremental rebuilds."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.conftest import ROOT
from tools.site import BuildError, build_site


def test_dist_is_self_contained_and_relative(dist: Path):
    html = (dist / "index.html").read_text()
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(r.startswith(("./", "data:")) for r in refs), refs
    assert "http://" not in html and "https://" not in html
    for name in ("pyodide/pyodide.mjs", "pyodide/pyodide.asm.wasm", "vendor/tfjs/tfjs-backend-wasm-simd.wasm",
                 "model/model.json", "model/metadata.json", "worker/worker.js", "app/main.py", "pyscript/core.js"):
        assert (dist / name).is_file(), name


def test_service_worker_precaches_every_file_with_its_hash(dist: Path):
    import hashlib

    sw = (dist / "sw.js").read_text()
    rows = json.loads(re.search(r"const FILES = (\[.*?\]);", sw, re.S)[1])
    listed = {url: (digest, lazy) for url, digest, lazy in rows}
    files = {"./" + p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()} - {"./sw.js"}
    copies = {f for f in files if f.endswith((".br", ".gz"))}  # precompressed copies: the same files, encoded
    assert copies and set(listed) == files - copies | {"./"}
    for url, (digest, _) in listed.items():
        path = dist / ("index.html" if url == "./" else url[2:])
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, url
    lazy = {url for url, (_, is_lazy) in listed.items() if is_lazy}  # cached when first used, not at install
    assert {"./examples/uppy/index.html", "./vendor/uppy/uppy.min.js", "./vendor/tfjs/tfjs-backend-wasm.wasm"} <= lazy
    assert not lazy & {"./", "./pyodide/pyodide.asm.wasm", "./vendor/tfjs/tfjs-backend-wasm-simd.wasm",
                       "./pyscript/core.js", "./app.zip", "./model/model.json"}


def test_large_files_have_precompressed_copies_that_serve_sends(dist: Path):
    import gzip
    import os
    import time
    import urllib.request

    from tools.serve import serving

    wasm = dist / "pyodide" / "pyodide.asm.wasm"
    assert gzip.decompress((dist / "pyodide" / "pyodide.asm.wasm.gz").read_bytes()) == wasm.read_bytes()
    assert (dist / "pyodide" / "pyodide.asm.wasm.br").stat().st_size < 0.35 * wasm.stat().st_size
    assert (dist / "app.zip.br").stat().st_size < 0.35 * (dist / "app.zip").stat().st_size  # stored, then as one

    def get(path: str, **headers: str):
        with urllib.request.urlopen(urllib.request.Request(server.url + path, headers=headers)) as reply:
            return reply.headers, reply.read()

    with serving(dist) as server:
        headers, body = get("pyodide/pyodide.asm.wasm", **{"Accept-Encoding": "gzip, deflate, br"})
        assert headers["Content-Encoding"] == "br" and headers["Vary"] == "Accept-Encoding"
        assert headers["Content-Type"] == "application/wasm"
        assert len(body) == (dist / "pyodide" / "pyodide.asm.wasm.br").stat().st_size
        headers, body = get("pyodide/pyodide.asm.wasm", **{"Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == wasm.read_bytes()
        headers, body = get("", **{"Accept-Encoding": "gzip"})  # the page itself, by its folder's URL
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == (dist / "index.html").read_bytes()
        headers, body = get("pyodide/pyodide.asm.wasm")
        assert headers["Content-Encoding"] is None and body == wasm.read_bytes()
        brotli, _ = get("pyodide/pyodide.asm.wasm", **{"Accept-Encoding": "br"})
        assert brotli["ETag"] != headers["ETag"]  # one validator per encoding
        for tag, encoding in ((headers["ETag"], ""), (brotli["ETag"], "br")):
            try:
                get("pyodide/pyodide.asm.wasm", **{"Accept-Encoding": encoding, "If-None-Match": tag})
                raise AssertionError("expected a 304")
            except urllib.error.HTTPError as exc:
                assert exc.code == 304
        # Validated by content, never by date: a build that brought back an older file (serve --model, then the
        # café model again) kept its old date, and a 304 handed the service worker the other build's file.
        meta = dist / "model" / "metadata.json"
        stat, original = meta.stat(), meta.read_bytes()
        old_headers, _ = get("model/metadata.json")
        try:
            meta.write_bytes(original.replace(b'"threshold"', b'"threshold" '))
            os.utime(meta, (stat.st_atime, stat.st_mtime - 3600))  # changed, yet dated an hour earlier
            fresh, body = get("model/metadata.json", **{"If-Modified-Since": old_headers["Last-Modified"],
                                                        "If-None-Match": old_headers["ETag"]})
            assert body == meta.read_bytes() and fresh["ETag"] != old_headers["ETag"]
            _, body = get("model/metadata.json", **{"If-Modified-Since": old_headers["Last-Modified"]})
            assert body == meta.read_bytes()
        finally:
            meta.write_bytes(original)
            os.utime(meta, (stat.st_atime, stat.st_mtime))
        css = dist / "app" / "page" / "snaptag.css"
        stat = css.stat()
        os.utime(css, (stat.st_atime, time.time() + 60))  # edited after the build: its copies are stale
        try:
            headers, body = get("app/page/snaptag.css", **{"Accept-Encoding": "gzip"})
            assert headers["Content-Encoding"] is None and body == css.read_bytes()
        finally:
            os.utime(css, (stat.st_atime, stat.st_mtime))


def test_the_standard_library_is_trimmed_to_what_can_be_imported(dist: Path):
    import zipfile

    with zipfile.ZipFile(dist / "pyodide" / "python_stdlib.zip") as trimmed, \
            zipfile.ZipFile(ROOT / "node_modules" / "pyodide" / "python_stdlib.zip") as full:
        names = set(trimmed.namelist())
        sources = {n.removesuffix("c") for n in names}  # a start's modules come compiled (tools/pyc.py)
        assert sources < set(full.namelist())
        pyc = trimmed.read("json/__init__.pyc")
        assert {i.compress_type for i in trimmed.infolist()} == {zipfile.ZIP_STORED}  # compressed as a whole
    for needed in ("json/__init__.py", "dataclasses.py", "asyncio/__init__.py", "zipfile/__init__.py", "csv.py",
                   "_pyodide/docstring.py", "pyodide/ffi/__init__.py", "encodings/utf_8.py", "encodings/cp437.py"):
        assert needed + "c" in names, needed  # imported as the page starts: compiled ahead
    assert "email/__init__.py" in names and "decimal.py" in names  # kept, never imported at start: source
    assert not [n for n in names if n.startswith(("unittest/", "multiprocessing/", "pdb.py", "_pyrepl/", "tkinter/"))]
    assert pyc[4:16] == bytes(12)  # a timestamp .pyc of no source: zipimport never looks for one
    assert (dist / "pyodide" / "python_stdlib.zip.br").stat().st_size < 0.6 * (
        ROOT / "node_modules" / "pyodide" / "python_stdlib.zip").stat().st_size
    lock = json.loads((dist / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["packages"] == {} and lock["info"]["python"].startswith("3.")


def test_what_a_start_imports_is_what_runs_outside_functions():
    from tools.stdlib import at_import

    text = """import a.b
from . import c
if x:
    import d
try:
    from e import f as g
except ImportError:
    import h
class K:
    import i
def later():
    import j
lazy = lambda: __import__("k")
"""
    assert at_import(text, "pkg") == {"a", "a.b", "pkg", "pkg.c", "d", "e", "e.f", "h", "i"}
    assert at_import("def f(:\n    import x\nimport y\n") == {"x", "y"}  # unparsable here: every import


def repo_copy(tmp_path: Path, *leave_out: str) -> Path:
    """The working tree without build outputs (node_modules linked, not copied)."""
    skip = {"dist", ".git", "runs", "node_modules", "tests", *leave_out}
    root = tmp_path / "repo"
    shutil.copytree(ROOT, root, ignore=lambda d, names: [n for n in names if n in skip or n == "__pycache__"])
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    return root


def test_rebuild_copies_only_changes_and_bumps_the_version(tmp_path: Path):
    root = repo_copy(tmp_path)
    first = build_site(root, root / "dist")
    again = build_site(root, root / "dist")
    assert again.copied == 0 and again.version == first.version
    (root / "app" / "logic" / "report.py").write_text((root / "app" / "logic" / "report.py").read_text()
                                                      + "\n# changed\n")
    changed = build_site(root, root / "dist")
    assert changed.copied == 2 and changed.version != first.version  # the file and sw.js


def test_build_without_a_model_says_what_to_do(tmp_path: Path):
    root = repo_copy(tmp_path, "cafe")
    try:
        build_site(root, root / "dist")
    except BuildError as err:
        assert "python build.py train" in str(err)
    else:
        raise AssertionError("build without a model did not fail")


def test_build_without_node_says_so(tmp_path: Path):
    import subprocess
    import sys

    root = repo_copy(tmp_path)
    (root / "node_modules").unlink()  # nothing vendored yet, and no npm on PATH
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    proc = subprocess.run([sys.executable, "build.py"], cwd=root, capture_output=True, text=True,
                          env={"PATH": str(bin_dir), "HOME": str(tmp_path)})
    assert proc.returncode == 2, proc.stderr
    assert "Node.js and npm are needed" in proc.stderr and "Traceback" not in proc.stderr


def test_build_can_ship_another_exported_model(tmp_path: Path):
    other = tmp_path / "other_model"
    shutil.copytree(ROOT / "model" / "cafe", other)
    meta = json.loads((other / "metadata.json").read_text())
    meta["threshold"] = 0.55
    (other / "metadata.json").write_text(json.dumps(meta))
    built = build_site(ROOT, tmp_path / "dist", other)
    assert json.loads((tmp_path / "dist" / "model" / "metadata.json").read_text())["threshold"] == 0.55
    assert built.copied > 0 and (tmp_path / "dist" / "model" / "model.json").is_file()
    try:
        build_site(ROOT, tmp_path / "dist2", tmp_path / "empty")
    except BuildError as err:
        assert str(tmp_path / "empty") in str(err)
    else:
        raise AssertionError("a folder without a model was accepted")


def test_bench_without_chromium_says_so(tmp_path: Path):
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "build.py", "bench", "--out", str(tmp_path / "b.json")], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "SNAPTAG_CHROMIUM": str(tmp_path / "no")})
    assert proc.returncode == 2, proc.stderr
    assert "no Chromium at" in proc.stderr and "Traceback" not in proc.stderr


def test_serve_says_so_when_the_port_is_taken_or_the_host_is_not_ours(dist):
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "build.py", "serve", "--port", str(port)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and f"port {port} is in use" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "build.py", "serve", "--host", "192.0.2.77"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "not an address of this machine" in proc.stderr


def test_train_names_a_missing_data_or_pool_folder(tmp_path):
    import subprocess
    import sys

    for args, message in ((["--data", str(tmp_path / "nope")], "no such folder"),
                          (["--data", str(tmp_path), "--pool", str(tmp_path / "pool")], "--pool")):
        proc = subprocess.run([sys.executable, "build.py", "train", *args], cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def raw_request(server, data: bytes) -> bytes:
    """Send raw bytes to `server` and read its whole answer."""
    import socket

    with socket.create_connection(server.server_address[:2], timeout=10) as conn:
        conn.sendall(data)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_serve_answers_bad_requests_with_a_400_and_lists_no_directories(dist):
    from tools.serve import MAX_THREADS, TIMEOUT_S, serving

    with serving(dist) as server:
        bad_length = (b"POST /examples/upload-form/upload HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n"
                      b"Connection: close\r\n\r\n")
        assert raw_request(server, bad_length).startswith(b"HTTP/1.0 400")  # was: a traceback, no answer
        assert raw_request(server, b"GET /index.html%00.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                           ).startswith(b"HTTP/1.0 400")
        assert b"400 - Bad request syntax" in raw_request(server, b"GARBAGE\r\n\r\n")  # HTTP/0.9-style reply
        listing = raw_request(server, b"GET /worker/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert listing.startswith(b"HTTP/1.0 404") and b"worker.js" not in listing
        page = raw_request(server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert page.startswith(b"HTTP/1.0 200") and b"snaptag" in page  # index.html, not a listing
        assert server.RequestHandlerClass.func.timeout == TIMEOUT_S and server.slots._initial_value == MAX_THREADS


def test_serve_warns_when_it_listens_beyond_this_machine(dist):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "build.py", "serve", "--host", "0.0.0.0", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        while not lines or "on your network" not in lines[-1]:  # the last line it prints before serving
            lines.append(proc.stdout.readline())
            assert lines[-1], lines  # it stopped early
    finally:
        proc.kill()
        proc.wait()
    assert any("warning: --host 0.0.0.0" in line and "reachable from other machines" in line for line in lines), lines
