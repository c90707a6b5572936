"""The progress bar the command draws on a terminal for uploads and ``--download``."""
from __future__ import annotations

import time
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """A ``progress=`` callable drawing ``[#####.....]  42% 1.2/2.9 MB`` on a terminal stream."""

    WIDTH = 30
    INTERVAL = 0.1  # seconds between redraws, so a fast transfer does not flood the terminal

    def __init__(self, stream: TextIO) -> None:
        self._stream, self._drawn = stream, 0.0
        self._done: int | None = None  # the last count not yet shown as finished

    def __call__(self, done: int, total: int | None) -> None:
        finished = total is not None and done >= total
        self._done = None if finished else done
        now = time.monotonic()
        if not finished and now - self._drawn < self.INTERVAL:
            return
        self._drawn = now
        if total:
            filled = self.WIDTH * done // total
            bar = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {100 * done // total:3d}% "
            text = f"{bar}{_mb(done)}/{_mb(total)} MB"
        else:
            text = f"{_mb(done)} MB"
        self._stream.write(f"\r{text}" + ("\n" if finished else ""))
        self._stream.flush()

    def end(self) -> None:
        """Show the final count and end the line, when the total was unknown (no 100% came)."""
        if self._done is not None:
            self._stream.write(f"\r{_mb(self._done)} MB\n")
            self._stream.flush()
            self._done = None


def _mb(count: int) -> str:
    return f"{count / 1e6:.1f}"
