"""Pyodide's standard library trimmed to what snaptag can import (a smaller first visit, issue 19).

Kept: every module reachable by an import statement (anywhere in a file, even inside a function or a `try`)
from snaptag's Python (app/), PyScript's Python and every Python snippet in Pyodide's and PyScript's JavaScript,
followed through the standard library itself; plus the codecs Python looks up by name at run time. That
over-approximates what can run: a module left out is one that no code the page ships imports by name.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

IMPORT = re.compile(r"(?:^|[\s;:(\"'n])(?:from\s+(\.+[\w.]*|[A-Za-z_][\w.]*)\s+import\s+(\([^)]*\)|[\w \t,.*]+)"
                    r"|import\s+([A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*))")
MAIN = re.compile(r"^if __name__ == ['\"]__main__['\"]:", re.M)  # what runs only as a script: not followed
# What can't work in a page (no processes, sockets, terminal or debugger), so it is not followed either: code
# that imports one of these at run time raises ImportError, as its work would fail in the browser anyway.
DENY = ("multiprocessing", "concurrent.futures.process", "_pyrepl", "pydoc", "pdb", "doctest", "unittest", "xmlrpc",
        "socketserver", "webbrowser", "tty", "pty", "ftplib", "imaplib", "smtplib", "poplib", "http.server",
        "wsgiref", "idlelib", "tkinter", "turtle", "ensurepip", "venv")
# Looked up by name (codecs.lookup -> encodings.<name>), never imported by a statement.
CODECS = ("aliases", "utf_8", "utf_8_sig", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be",
          "ascii", "latin_1", "charmap", "cp437", "cp1252", "idna", "punycode", "raw_unicode_escape",
          "unicode_escape", "base64_codec", "hex_codec")
ALWAYS = ("site", "_sitebuiltins", "encodings", *(f"encodings.{c}" for c in CODECS))
WHOLE = ("_pyodide", "pyodide")  # Pyodide's own packages: its C core imports their modules (e.g. _pyodide.docstring)


def imports(text: str, package: str = "") -> set[str]:
    """Module names an import statement in `text` may load: `import a.b` -> a, a.b; `from a import b` -> a, a.b
    (b may be a submodule); relative imports resolved against `package`."""
    found: set[str] = set()
    for source, names, plain in IMPORT.findall(MAIN.split(text)[0]):
        if plain:
            targets = [name.strip() for name in plain.split(",")]
        else:
            base = source
            if source.startswith("."):
                dots = len(source) - len(source.lstrip("."))
                parent = package.split(".")[: len(package.split(".")) - dots + 1] if package else []
                base = ".".join([*parent, source.lstrip(".")]).strip(".")
            targets = [base, *(f"{base}.{n.split()[0]}" for n in names.strip("()").split(",") if n.split())]
        for target in targets:
            parts = target.split(".")
            found |= {".".join(parts[: i + 1]) for i in range(len(parts)) if parts[i]}
    return found


def _modules(names: Iterable[str]) -> dict[str, tuple[str, bool]]:
    """Module name -> (its file in the zip, whether it is a package)."""
    out = {}
    for name in names:
        if name.endswith("/__init__.py"):
            out[name[: -len("/__init__.py")].replace("/", ".")] = (name, True)
        elif name.endswith(".py"):
            out[name[:-3].replace("/", ".")] = (name, False)
    return out


def keep(stdlib: zipfile.ZipFile, seeds: set[str]) -> set[str]:
    """The modules of `stdlib` reachable from `seeds` (module names, stdlib or not)."""
    modules = _modules(stdlib.namelist())
    modules = {m: f for m, f in modules.items() if not any(m == d or m.startswith(d + ".") for d in DENY)}
    whole = {m for m in modules if m.split(".")[0] in WHOLE}
    todo, kept = [s for s in seeds | set(ALWAYS) | whole if s in modules], set()
    while todo:
        name = todo.pop()
        if name in kept:
            continue
        kept.add(name)
        file, is_package = modules[name]
        text = stdlib.read(file).decode("utf-8", "replace")
        package = name if is_package else name.rpartition(".")[0]
        found = imports(text, package) | {name.rpartition(".")[0]} - {""}
        todo += [m for m in found if m in modules and m not in kept]
    return kept


def trimmed(stdlib_zip: Path, sources: Iterable[Path]) -> tuple[bytes, int, int]:
    """(the trimmed zip, files kept, files in the original). `sources`: the Python and JavaScript files whose
    imports seed it. A kept package keeps its data files (anything not .py below it)."""
    seeds: set[str] = set()
    for path in sources:
        seeds |= imports(path.read_text(errors="replace"))
    with zipfile.ZipFile(stdlib_zip) as src:
        kept = keep(src, seeds)
        modules = _modules(src.namelist())
        files = {modules[m][0] for m in kept}
        folders = tuple(modules[m][0][: -len("__init__.py")] for m in kept if modules[m][1])
        files |= {n for n in src.namelist() if not n.endswith((".py", "/")) and n.startswith(folders)}
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as out:
            for info in src.infolist():
                if info.filename in files:
                    out.writestr(info, src.read(info.filename), compress_type=info.compress_type)
        return buf.getvalue(), len(files), len([n for n in src.namelist() if not n.endswith("/")])
