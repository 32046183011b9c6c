"""Precompressed copies (`<file>.br`, `<file>.gz`) of the build's large text and binary files, for static hosts
that serve them (nginx `gzip_static`/`brotli_static`, most CDNs) and for `python build.py serve`. Made by Node's
zlib (tools/precompress.mjs: brotli needs no Python package) and cached by content hash in node_modules/, so
a rebuild or a second build folder costs nothing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from app.logic.errors import UserError

# Not .zip (compressed already), except the build's own (the app, the standard library): stored, so that they are
# compressed as a whole, across files (app.zip: 48 KB brotli stored, 76 KB as deflated entries).
SUFFIXES = (".wasm", ".js", ".mjs", ".json", ".css", ".html", ".bin", ".toml", ".py", "app.zip", "python_stdlib.zip")
MIN_BYTES = 1024
ENCODED = (".br", ".gz")


def wanted(rel: str, size: int) -> bool:
    return rel.endswith(SUFFIXES) and size >= MIN_BYTES


def precompress(dist: Path, hashes: dict[str, str], cache: Path) -> list[str]:
    """Writes dist/<rel>.br and .gz beside every file of `hashes` (dist-relative path -> SHA-256) that is worth
    it; returns their dist-relative paths."""
    digests = {rel: digest for rel, digest in hashes.items() if wanted(rel, (dist / rel).stat().st_size)}
    cache.mkdir(parents=True, exist_ok=True)
    missing = sorted({d for d in digests.values() if not all((cache / (d + e)).exists() for e in ENCODED)})
    if missing:
        by_digest = {d: dist / rel for rel, d in digests.items()}
        print(f"precompressing {len(missing)} files (brotli and gzip; cached for later builds)", flush=True)
        args = [str(a) for d in missing for a in (by_digest[d], cache / d)]
        proc = subprocess.run(["node", str(Path(__file__).with_name("precompress.mjs")), *args],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise UserError(f"precompressing failed:\n{proc.stderr[-2000:]}")
    written = []
    for rel, digest in digests.items():
        for ext in ENCODED:
            src, dst = cache / (digest + ext), dist / (rel + ext)
            fresh = dst.exists() and dst.stat().st_mtime >= (dist / rel).stat().st_mtime
            if not fresh or dst.stat().st_size != src.stat().st_size:
                shutil.copyfile(src, dst)
            written.append(rel + ext)
    return written
