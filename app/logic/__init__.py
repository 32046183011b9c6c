"""snaptag's rules, pure Python: no js, no pyodide. They run in the page (Pyodide) and under CPython (tests,
`build.py evaluate` / `fewshot`, training), so both apply one rule."""
