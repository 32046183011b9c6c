"""Build dist/: the app, the worker, the model and the vendored runtimes, all addressed by relative URLs,
plus a service worker that precaches every file (versioned by content, so a new build replaces the old)."""

from __future__ import annotations

import filecmp
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tools.model_files import BuildError, model_files
from tools.precompress import precompress
from tools.pyc import compiled
from tools.stdlib import trimmed

PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm")
# Pyodide's package index, without its 357 packages: dist/ ships none of their wheels, so it could load none.
LOCK = "pyodide/pyodide-lock.json"
# Pyodide's standard library, trimmed (tools/stdlib.py), partly compiled (tools/pyc.py)
STDLIB_ZIP = "pyodide/python_stdlib.zip"
TFJS_FILES = {
    "@tensorflow/tfjs-core/dist/tf-core.min.js": "tf-core.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js": "tf-backend-wasm.min.js",
    "@tensorflow/tfjs-converter/dist/tf-converter.min.js": "tf-converter.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm": "tfjs-backend-wasm.wasm",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm": "tfjs-backend-wasm-simd.wasm",
}
# Single-file ES modules copied as they are: the zip writer of Download sorted, and the upload widgets of the
# examples (examples/dropzone/, examples/filepond/).
VENDORED = {
    "client-zip/index.js": "client-zip/index.js",
    "client-zip/LICENSE.txt": "client-zip/LICENSE.txt",
    "dropzone/dist/dropzone.mjs": "dropzone/dropzone.mjs",
    "dropzone/dist/dropzone.css": "dropzone/dropzone.css",
    "dropzone/LICENSE": "dropzone/LICENSE",
    "filepond/dist/filepond.esm.min.js": "filepond/filepond.esm.min.js",
    "filepond/dist/filepond.min.css": "filepond/filepond.min.css",
    "filepond/LICENSE": "filepond/LICENSE",
}
UPPY_CSS = ("@uppy/core/dist/style.min.css", "@uppy/dashboard/dist/style.min.css")
SITE_FILES = ("index.html", "pyscript.toml", "app/main.py", "app/page/snaptag.css")
# What the app never loads (sw.js caches these when first used, not at install): the example pages, their widgets,
# the tfjs binary for browsers without SIMD, PyScript's editor and terminal and its MicroPython.
LAZY = ("examples/", "vendor/uppy/", "vendor/dropzone/", "vendor/filepond/", "worker/uppy.js", "app/page/uppy.js",
        "vendor/tfjs/tfjs-backend-wasm.wasm", "pyscript/codemirror", "pyscript/xterm", "pyscript/mpy")
CACHE = ".snaptag"  # in node_modules/: what the build makes from the packages (the Uppy bundle, compressed copies)
PYTHON_ZIP = "app.zip"  # every module of app/, unpacked into Pyodide's working directory (pyscript.toml)


@dataclass
class BuildResult:
    files: int
    copied: int
    bytes: int
    version: str


def ensure_node_modules(root: Path) -> Path:
    """`npm ci` from the committed package-lock.json when node_modules is missing or older than the lock."""
    modules = root / "node_modules"
    stamp = modules / ".package-lock.json"
    lock = root / "package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return modules
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise BuildError("Node.js and npm are needed to vendor Pyodide, PyScript and tfjs: install Node 18+ "
                         "(e.g. `apt-get install nodejs npm`) and run `python build.py` again.")
    print("npm ci (vendoring pyodide, @pyscript/core, tfjs from package-lock.json)")
    proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"npm ci failed:\n{proc.stderr[-2000:]}")
    return modules


def uppy_bundle(root: Path, modules: Path) -> dict[str, Path]:
    """dist/vendor/uppy/: the pinned @uppy packages as one ES module and one stylesheet (for examples/uppy/),
    made by esbuild from tools/uppy_bundle.js into node_modules/.snaptag/ when the lock or the entry is newer."""
    entry, out = root / "tools" / "uppy_bundle.js", modules / CACHE
    files = {"uppy.min.js": out / "uppy.min.js", "uppy.min.css": out / "uppy.min.css",
             "LICENSE": modules / "@uppy" / "core" / "LICENSE"}
    newest = max((root / "package-lock.json").stat().st_mtime, entry.stat().st_mtime)
    if not all(p.exists() and p.stat().st_mtime >= newest for p in (files["uppy.min.js"], files["uppy.min.css"])):
        out.mkdir(exist_ok=True)
        proc = subprocess.run([str(modules / ".bin" / "esbuild"), str(entry), "--bundle", "--format=esm", "--minify",
                               "--legal-comments=eof", f"--outfile={files['uppy.min.js']}", "--log-level=warning"],
                              cwd=root, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BuildError(f"bundling Uppy with esbuild failed:\n{proc.stderr[-2000:]}")
        files["uppy.min.css"].write_text("".join((modules / css).read_text() + "\n" for css in UPPY_CSS))
    return {f"vendor/uppy/{name}": path for name, path in files.items()}


def plan(root: Path, model: Path | None = None) -> dict[str, Path]:
    """dist-relative path -> source file. `model`: an exported model (folder or zip) other than model/cafe."""
    modules = ensure_node_modules(root)
    files: dict[str, Path] = {name: root / name for name in SITE_FILES}
    files |= {f"worker/{p.name}": p for p in sorted((root / "worker").glob("*.js"))}  # the image worker's
    files |= {f"app/page/{p.name}": p for p in sorted((root / "app" / "page").glob("*.js"))}  # the page's
    files |= {p.relative_to(root).as_posix(): p for p in sorted((root / "examples").rglob("*"))
              if p.is_file() and "__pycache__" not in p.parts}
    files |= model_files(root, model)
    files |= {f"pyodide/{n}": modules / "pyodide" / n for n in PYODIDE_FILES}
    pyscript = modules / "@pyscript" / "core" / "dist"
    files |= {f"pyscript/{p.name}": p for p in sorted(pyscript.iterdir()) if p.suffix in (".js", ".css")
              and p.name != "service-worker.js"}
    files |= {f"vendor/tfjs/{dst}": modules / src for src, dst in TFJS_FILES.items()}
    files |= uppy_bundle(root, modules)
    files |= {f"vendor/{dst}": modules / src for src, dst in VENDORED.items()}
    for rel, src in files.items():
        if not src.is_file():
            raise BuildError(f"missing {src} (for dist/{rel})")
    return files


def python_zip(root: Path) -> bytes:
    """app/ as one zip (what PyScript fetches: one request, not one per module). Same sources, same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted((root / "app").rglob("*.py")):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED  # compressed as a whole (tools/precompress.py): 50 vs 76 KB
            zf.writestr(info, path.read_bytes())
    return buf.getvalue()


def stdlib_zip(root: Path, files: dict[str, Path]) -> bytes:
    """Pyodide's python_stdlib.zip without the modules nothing shipped can import (tools/stdlib.py): the app's
    Python and the Python inside Pyodide's and PyScript's JavaScript seed it; those a start imports compiled ahead
    (tools/pyc.py)."""
    runtime = [src for rel, src in files.items() if rel.startswith(("pyodide/", "pyscript/")) and rel.endswith("js")]
    sources = [*sorted((root / "app").rglob("*.py")), *sorted((root / "examples").rglob("*.py")), *runtime]
    pyodide = root / "node_modules" / "pyodide"
    kept = trimmed(pyodide / "python_stdlib.zip", sources)
    return compiled(pyodide, kept.data, kept.startup, root / "node_modules" / CACHE / "pyc")


def _same(src: Path, dst: Path) -> bool:
    """Whether dst/ already holds src's bytes. By content, not by date: a build that brings an older file back
    (another --model, a checkout) must write it, with the time of this build (docs/deploy.md: hosts validate by
    date)."""
    return dst.exists() and src.stat().st_size == dst.stat().st_size and filecmp.cmp(src, dst, shallow=False)


def digests(dist: Path, rels: list[str]) -> dict[str, str]:
    """dist-relative path -> SHA-256 hex of the file: the build's one reading of its files (the service worker
    lists them, the precompressed copies are cached by them)."""
    return {rel: hashlib.sha256((dist / rel).read_bytes()).hexdigest() for rel in sorted(rels)}


def service_worker(files: list[tuple[str, str, bool]], version: str) -> str:
    """sw.js for this build: (url, sha256, lazy) of every file it caches and checks (lazy: when first used)."""
    template = (Path(__file__).parent / "sw_template.js").read_text()
    return template.replace("__VERSION__", version).replace("__FILES__", json.dumps(files, indent=1))


def write_service_worker(dist: Path, hashes: dict[str, str]) -> tuple[str, bool]:
    """(the build's version, whether sw.js changed) for the files of `hashes` (`digests`) in dist/. The version
    hashes them all."""
    version = hashlib.sha256("".join(rel + h for rel, h in hashes.items()).encode()).hexdigest()[:16]
    listed = [("./", hashes["index.html"], False),
              *[(f"./{rel}", digest, rel.startswith(LAZY)) for rel, digest in hashes.items()]]
    sw = service_worker(listed, version)
    sw_path = dist / "sw.js"
    changed = not sw_path.exists() or sw_path.read_text() != sw
    if changed:
        sw_path.write_text(sw)
    return version, changed


def build_site(root: Path, dist: Path, model: Path | None = None) -> BuildResult:
    files = plan(root, model)
    dist.mkdir(parents=True, exist_ok=True)
    copied = 0
    for rel, src in files.items():
        dst = dist / rel
        if not _same(src, dst):
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)  # dated now: a host's Last-Modified moves on
            copied += 1
    lock = json.loads((root / "node_modules" / LOCK).read_text())
    made = {PYTHON_ZIP: python_zip(root), STDLIB_ZIP: stdlib_zip(root, files),
            LOCK: json.dumps({**lock, "packages": {}}, indent=1).encode()}
    for rel, data in made.items():
        if not (dist / rel).exists() or (dist / rel).read_bytes() != data:
            (dist / rel).parent.mkdir(parents=True, exist_ok=True)
            (dist / rel).write_bytes(data)
            copied += 1
    served = [*files, *made]
    hashes = digests(dist, served)
    version, changed = write_service_worker(dist, hashes)
    copied += changed
    encoded = precompress(dist, {**hashes, **digests(dist, ["sw.js"])}, root / "node_modules" / CACHE / "compressed")
    keep = {*served, *encoded, "sw.js"}
    for stale in [p for p in dist.rglob("*") if p.is_file() and p.relative_to(dist).as_posix() not in keep]:
        stale.unlink()
    size = sum((dist / rel).stat().st_size for rel in served)
    print(f"built {dist}: {len(served) + 1} files, {size / 1e6:.1f} MB, {copied} updated, version {version} "
          f"(and {len(encoded)} precompressed copies)")
    return BuildResult(len(served) + 1, copied, size, version)
