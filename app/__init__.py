"""snaptag app logic. Pure Python (no `js`): runs in Pyodide and, unchanged, under CPython for tests and the toolchain."""
