"""Pyodide's standard library with the modules a page's start imports compiled ahead (.pyc), for a faster first
visit (issue 19).

Pyodide ships its standard library as source, so every start compiles each module it imports, in WebAssembly:
with those compiled ahead, a first visit reached its first category in about half the time (docs/numbers.md).
tools/stdlib.py decides which (`Trimmed.startup`); Pyodide itself compiles them under Node (tools/pyc.mjs), so
the bytecode is the page's Python's. The rest stays source (compiled if ever imported). The result is cached in
node_modules/ by content, like the compressed copies."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from pathlib import Path

from app.logic.errors import UserError

SCRIPT = Path(__file__).with_name("pyc.mjs")


def compiled(pyodide: Path, data: bytes, names: list[str], cache: Path) -> bytes:
    """The zip `data` with the .py files `names` compiled (tools/pyc.mjs). `pyodide`: node_modules/pyodide."""
    key = hashlib.sha256(b"\0".join([data, json.dumps(names).encode(), (pyodide / "package.json").read_bytes(),
                                      SCRIPT.read_bytes()])).hexdigest()
    done = cache / f"{key}.zip"
    if not done.exists():
        cache.mkdir(parents=True, exist_ok=True)
        print(f"compiling {len(names)} standard library modules ahead (Pyodide under Node; cached)", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            src, out, listed = Path(tmp, "in.zip"), Path(tmp, "out.zip"), Path(tmp, "names.json")
            src.write_bytes(data)
            listed.write_text(json.dumps(names))
            proc = subprocess.run(["node", str(SCRIPT), str(pyodide.resolve()), str(src), str(out), str(listed)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise UserError(f"compiling the standard library failed:\n{proc.stderr[-2000:]}")
            out.replace(done)
    return done.read_bytes()
