"""A real Kinto for the tests: Mozilla's JSON storage service, memory backend.

``kinto init`` writes an ini file in a fresh directory; :class:`KintoServer`
runs ``kinto start`` on it as a subprocess with ``--port 0`` and reads the port
waitress picked from its "Serving on" line, so there is no port race and no
sleeping: readiness is that line, awaited with a deadline. A reader thread
keeps draining Kinto's output (it logs every request) and remembers the last
lines for error messages.

The ini enables the accounts plugin (anyone may create an account; accounts
sign in with Basic auth) and lets any authenticated user create buckets.
``pyramid.paster.get_app(ini)`` on the same file gives the in-process app.
"""
from __future__ import annotations

import collections
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

__all__ = ["KintoServer", "kinto_ini"]

KINTO = Path(sys.executable).with_name("kinto")
START_TIMEOUT = 60.0   # seconds for `kinto init` and for the server to say it serves
STOP_TIMEOUT = 10.0
_SERVING = re.compile(r"Serving on http://127\.0\.0\.1:(\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def kinto_ini(directory: Path) -> Path:
    """``kinto init`` in ``directory`` (memory backends), adjusted for the tests; returns the ini."""
    ini = Path(directory) / "kinto.ini"
    subprocess.run([str(KINTO), "init", "--ini", str(ini), "--backend", "memory", "--cache-backend", "memory"],
                   check=True, capture_output=True, timeout=START_TIMEOUT, cwd=directory)
    text = ini.read_text()
    text, count = re.subn(r"(?m)^kinto\.bucket_create_principals = .*$",
                          "kinto.bucket_create_principals = system.Authenticated", text)
    if count != 1:
        raise RuntimeError(f"{ini}: no bucket_create_principals line to adjust; has `kinto init` changed?")
    ini.write_text(text)
    return ini


class KintoServer:
    """``kinto start`` on 127.0.0.1 with a free port; ``.url`` ends with ``/v1``."""

    def __init__(self, directory: Path) -> None:
        self.ini = kinto_ini(directory)
        self.lines: collections.deque[str] = collections.deque(maxlen=50)
        self._process = subprocess.Popen(
            [str(KINTO), "start", "--ini", str(self.ini), "--port", "0"], cwd=directory,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        self._port: queue.Queue[int] = queue.Queue()
        threading.Thread(target=self._drain, name="kinto output", daemon=True).start()
        try:
            port = self._port.get(timeout=START_TIMEOUT)
        except queue.Empty:
            self.stop()
            raise RuntimeError("kinto did not start within "
                               f"{START_TIMEOUT:.0f}s:\n" + "\n".join(self.lines)) from None
        if port == 0:  # the output ended: kinto exited
            self.stop()
            raise RuntimeError("kinto exited before serving:\n" + "\n".join(self.lines))
        self.url = f"http://127.0.0.1:{port}/v1"

    def _drain(self) -> None:
        for line in self._process.stdout:  # type: ignore[union-attr]
            line = _ANSI.sub("", line.rstrip())
            self.lines.append(line)
            match = _SERVING.search(line)
            if match:
                self._port.put(int(match.group(1)))
        self._port.put(0)

    def stop(self) -> None:
        """Terminate kinto; kill it if it has not exited within STOP_TIMEOUT."""
        self._process.terminate()
        try:
            self._process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(STOP_TIMEOUT)

    def __enter__(self) -> "KintoServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<KintoServer {getattr(self, 'url', '(starting)')}>"
