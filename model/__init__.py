"""snaptag model toolchain (CPython only): data, architectures, training, export, evaluation."""
