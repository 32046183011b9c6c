// Python compiled ahead for tools/pyc.py, by Pyodide's own interpreter (node_modules/pyodide under Node), so the
// .pyc files carry the page's magic number: node pyc.mjs PYODIDE_DIR IN.zip OUT.zip NAMES.json
// OUT is IN with each listed .py replaced by its .pyc (docstrings and asserts left out, `-OO`, except in Pyodide's
// own packages, whose docstrings it reads), every entry stored uncompressed with a fixed date: the file is
// compressed as a whole (.br/.gz, tools/precompress.py), and the same input gives the same bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [pyodideDir, input, output, namesFile] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(`${pyodideDir}/pyodide.mjs`).href);
const py = await loadPyodide({ indexURL: `${pyodideDir}/` });
py.FS.writeFile('/tmp/in.zip', readFileSync(input));
py.globals.set('names', readFileSync(namesFile, 'utf8'));
py.runPython(`
import importlib._bootstrap_external as bootstrap
import json
import os
import zipfile

names = set(json.loads(names))
where = os.path.dirname(os.__file__)  # the stdlib zip's path in Pyodide: what tracebacks name
with zipfile.ZipFile('/tmp/in.zip') as src, zipfile.ZipFile('/tmp/out.zip', 'w', zipfile.ZIP_STORED) as out:
    for info in src.infolist():
        name, data = info.filename, src.read(info)
        if name in names:
            level = 0 if name.startswith(('_pyodide/', 'pyodide/')) else 2
            code = compile(data, f'{where}/{name}', 'exec', dont_inherit=True, optimize=level)
            name, data = name + 'c', bootstrap._code_to_timestamp_pyc(code, 0, 0)
        out.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
`);
writeFileSync(output, py.FS.readFile('/tmp/out.zip'));
