"""Stage 2, the data: class folders, splits, the `other` pool and the data card."""
