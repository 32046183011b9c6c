"""A progress bar for long CLI steps: redrawn in place on a terminal, a line every 10 % in a log."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, label: str, out: TextIO, width: int = 30) -> None:
        self.total, self.label, self.out, self.width = max(1, total), label, out, width
        self.done, self.start, self._logged = 0, time.monotonic(), -1
        self.tty = out.isatty()

    def advance(self, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        frac = self.done / self.total
        elapsed = time.monotonic() - self.start
        eta = elapsed / frac - elapsed if frac > 0 else 0.0
        bar = "#" * round(frac * self.width) + "." * (self.width - round(frac * self.width))
        line = f"{self.label} [{bar}] {self.done}/{self.total} {elapsed:.0f}s elapsed, {eta:.0f}s left"
        if self.tty:
            self.out.write("\r" + line)
        elif int(frac * 10) > self._logged:
            self._logged = int(frac * 10)
            self.out.write(line + "\n")
        self.out.flush()

    def close(self) -> None:
        if self.tty:
            self.out.write("\n")
            self.out.flush()
