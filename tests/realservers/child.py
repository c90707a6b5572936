"""Running a server script (drf_app.py, fastapi_app.py) as a child process.

:class:`ChildServer` starts ``python SCRIPT ARGS...``, reads the
``LISTENING <port>`` line the script prints once its socket listens (the port
came from the kernel: port 0, no race), then sends one GET to ``ready_path``
and waits for any answer, with a deadline: connections queue on the listening
socket until the app serves them, so there is no polling and no sleep.
Leaving it (or ``stop()``) closes the child's stdin, then terminates it, then
kills it, each with a bounded wait. The script's side is :mod:`announce`.
"""
from __future__ import annotations

import collections
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from servers import _Running

START_TIMEOUT = 60.0   # seconds for a child to listen and then answer its first request
STOP_TIMEOUT = 10.0
_BANNER = "LISTENING "      # what announce.py prints before the port


class ChildServer(_Running):
    """``python script *args`` serving on 127.0.0.1; ``.url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self, script: Path, *args: str, ready_path: str = "/") -> None:
        self.name = Path(script).stem
        self.lines: collections.deque[str] = collections.deque(maxlen=80)
        started = time.monotonic()
        self._process = subprocess.Popen(
            [sys.executable, str(script), *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self._port: queue.Queue[int] = queue.Queue()
        threading.Thread(target=self._drain, name=f"{self.name} output", daemon=True).start()
        try:
            port = self._port.get(timeout=START_TIMEOUT)
            if port == 0:
                raise RuntimeError(f"{self.name} exited before listening")
            self.url = f"http://127.0.0.1:{port}"
            self._answers(ready_path, START_TIMEOUT - (time.monotonic() - started))
        except BaseException as exc:
            self.stop()
            detail = "\n".join(self.lines)
            raise RuntimeError(f"{self.name} did not start: {exc}\n{detail}") from None
        self.startup_seconds = time.monotonic() - started

    def _drain(self) -> None:
        for line in self._process.stdout:  # type: ignore[union-attr]
            line = line.rstrip()
            self.lines.append(line)
            if line.startswith(_BANNER):
                self._port.put(int(line[len(_BANNER):]))
        self._port.put(0)

    def _answers(self, path: str, timeout: float) -> None:
        try:
            urllib.request.urlopen(self.url + path, timeout=max(timeout, 1.0)).close()
        except urllib.error.HTTPError:
            pass  # any status is an answer

    def stop(self) -> None:
        """Close stdin (the child exits), else terminate, else kill; bounded."""
        process = self._process
        if process.poll() is None:
            try:
                process.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
            for end in (lambda: None, process.terminate, process.kill):
                end()
                try:
                    process.wait(STOP_TIMEOUT / 3)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if process.stdout:
            process.stdout.close()
