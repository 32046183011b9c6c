"""snaptag app logic. Pure Python (no `js`): runs in Pyodide and, unchanged, under CPython (tests, toolchain)."""
