"""How a flat set of labelled photos becomes train/ val/ test/: by each photo's content hash, so the same photo
always lands in the same split whatever its name. Pure Python: `build.py train` on a flat DIR/<class>/ folder
and teach mode's dataset export use this one rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

SPLITS = ("train", "val", "test")


def content_hash(data: bytes) -> str:
    """A photo's identity, whatever its name: the SHA-256 of its bytes, hex (the worker's `sha256` too)."""
    return hashlib.sha256(data).hexdigest()


def assign(hashes: Sequence[str], labels: Sequence[object]) -> list[str]:
    """Hash bucket 0 of 10 -> test, 1 -> val, the rest -> train (about 80/10/10); a label with 3+ photos gets
    at least one in test and one in val, taken from its train photos with the smallest hashes."""
    split = ["test" if int(h, 16) % 10 == 0 else "val" if int(h, 16) % 10 == 1 else "train" for h in hashes]
    for label in dict.fromkeys(labels):
        members = sorted((i for i, lab in enumerate(labels) if lab == label), key=lambda i: hashes[i])
        for target in ("test", "val"):
            if len(members) >= 3 and target not in {split[i] for i in members}:
                spare = [i for i in members if split[i] == "train"]
                split[spare[0]] = target
    return split
