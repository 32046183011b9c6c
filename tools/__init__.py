"""Build, serve and bench the static site (CPython)."""
