"""The base of every error that means "your input or setup is wrong", not "snaptag has a bug".

The CLI prints such errors as one line without a traceback; the page shows their message. Pure Python, so the page
(Pyodide), the toolchain and the tests share it.
"""


class UserError(Exception):
    """Bad input or setup; the message says what is wrong and what to do."""
