// Python's first start, off the main thread. On a browser's first visit, Pyodide's WebAssembly runs in V8's
// baseline tier and its start-up is one main-thread task of seconds (docs/design.md). Starting it once in this
// throwaway worker compiles it to optimised code that the browser keeps (in memory and in its code cache), so
// the page's own start on the main thread then takes tens of milliseconds per task. api.js runs this once per
// browser, before PyScript starts, and terminates it after.
import { loadPyodide } from '../pyodide/pyodide.mjs';

// Besides the interpreter's start, the page's start compiles Python source (PyScript's package and snaptag's
// app/): compiling app/ here makes the parser and compiler hot too.
const WARM_SOURCE = `
import ast, asyncio, csv, hashlib, json, pathlib, uuid, zipfile
for _ in range(3):
    for path in sorted(pathlib.Path("app").rglob("*.py")):
        compile(path.read_text(), str(path), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
`;

try {
  const py = await loadPyodide({ indexURL: new URL('../pyodide/', import.meta.url).href });
  const app = await fetch(new URL('../app.zip', import.meta.url));
  if (app.ok) py.unpackArchive(await app.arrayBuffer(), 'zip');
  py.runPython(WARM_SOURCE);
  self.postMessage({ ok: true });
} catch (err) {
  self.postMessage({ ok: false, message: String(err?.message || err) });
}
