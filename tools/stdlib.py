"""Pyodide's standard library trimmed to what snaptag can import (a smaller first visit, issue 19).

Kept: every module reachable by an import statement (anywhere in a file, even inside a function or a `try`)
from snaptag's Python (app/), PyScript's Python and every Python snippet in Pyodide's and PyScript's JavaScript,
followed through the standard library itself; plus the codecs Python looks up by name at run time. That
over-approximates what can run: a module left out is one that no code the page ships imports by name.
"""

from __future__ import annotations

import ast
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
            dots = len(source) - len(source.lstrip("."))
            base = _absolute(source.lstrip("."), dots, package)
            targets = [base, *(f"{base}.{n.split()[0]}" for n in names.strip("()").split(",") if n.split())]
        for target in targets:
            found |= _with_parents(target)
    return found


def at_import(text: str, package: str = "") -> set[str]:
    """Module names that the import statements run when a module is imported may load: those outside any def or
    lambda (under an `if` or a `try` too). Source this CPython cannot parse: every import statement (`imports`)."""
    try:
        todo = list(ast.parse(text).body)
    except SyntaxError:
        return imports(text, package)
    found: set[str] = set()
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            for alias in node.names:
                found |= _with_parents(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module or "", node.level, package)
            for target in [base, *(f"{base}.{a.name}" for a in node.names if a.name != "*")]:
                found |= _with_parents(target)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo += ast.iter_child_nodes(node)
    return found


def _absolute(module: str, level: int, package: str) -> str:
    """`from ..a import b` (level 2, module a) in `package` -> its absolute module name."""
    if not level:
        return module
    parent = package.split(".")[: len(package.split(".")) - level + 1] if package else []
    return ".".join([*parent, module]).strip(".")


def _with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[: i + 1]) for i in range(len(parts)) if parts[i]}


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
    return _closure(stdlib, modules, seeds | set(ALWAYS) | whole, imports)


def startup(stdlib: zipfile.ZipFile, kept: set[str], seeds: set[str]) -> set[str]:
    """The `kept` modules that importing `seeds` runs (`at_import`, followed through): what a page's start
    imports, at most (tools/pyc.py compiles these ahead)."""
    modules = {m: f for m, f in _modules(stdlib.namelist()).items() if m in kept}
    whole = {m for m in modules if m.split(".")[0] in WHOLE}  # Pyodide's C core imports these as it starts
    return _closure(stdlib, modules, seeds | set(ALWAYS) | whole, at_import)


def _closure(stdlib: zipfile.ZipFile, modules: dict[str, tuple[str, bool]], start: set[str],
             follow: Callable[[str, str], set[str]]) -> set[str]:
    """The `modules` reachable from `start` by what `follow` finds in each (and each one's package)."""
    todo, found = [m for m in start if m in modules], set()
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        file, is_package = modules[name]
        text = stdlib.read(file).decode("utf-8", "replace")
        package = name if is_package else name.rpartition(".")[0]
        todo += [m for m in follow(text, package) | {package} if m in modules and m not in found]
    return found


@dataclass
class Trimmed:
    data: bytes  # the trimmed zip
    files: int  # files kept
    total: int  # files in the original
    startup: list[str]  # the kept .py files that a page's start may import (`startup`)


def trimmed(stdlib_zip: Path, sources: Iterable[Path]) -> Trimmed:
    """`sources`: the Python and JavaScript files whose imports seed it. A kept package keeps its data files
    (anything not .py below it)."""
    seeds: set[str] = set()
    for path in sources:
        seeds |= imports(path.read_text(errors="replace"))
    with zipfile.ZipFile(stdlib_zip) as src:
        kept = keep(src, seeds)
        modules = _modules(src.namelist())
        files = {modules[m][0] for m in kept}
        folders = tuple(modules[m][0][: -len("__init__.py")] for m in kept if modules[m][1])
        files |= {n for n in src.namelist() if not n.endswith((".py", "/")) and n.startswith(folders)}
        early = sorted(modules[m][0] for m in startup(src, kept, seeds))  # before writestr reuses src's ZipInfos
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as out:
            for info in src.infolist():
                if info.filename in files:
                    out.writestr(info, src.read(info.filename), compress_type=info.compress_type)
        return Trimmed(buf.getvalue(), len(files), len([n for n in src.namelist() if not n.endswith("/")]), early)
