"""Stage 4, packaging: the serving graph, tfjs export with parity checks, storage precision, metadata."""
