"""The page's DOM layer (Pyodide only: imports js). The logic it calls lives in the pure modules of app/."""
