"""``restish demo``: serve the demo API on 127.0.0.1, or run the scripted tour against it."""
from __future__ import annotations

import socketserver
import sys
import threading
from typing import TextIO
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from .app import make_app

__all__ = ["DemoServer", "serve", "run"]


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64  # the default backlog of 5 stalls bursts of connections


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


class DemoServer:
    """A threaded stdlib server running a fresh demo app in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self._server = _ThreadingWSGIServer((host, port), _QuietHandler)
        self._server.verbose = verbose  # type: ignore[attr-defined]
        self._server.set_app(make_app())
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="restish-demo", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> "DemoServer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()


def serve(host: str = "127.0.0.1", port: int = 0) -> DemoServer:
    """Start the demo API; returns the running server (``.url``, ``.shutdown()``)."""
    return DemoServer(host, port)


def run(port: int | None = None, tour: bool = False, out: TextIO = sys.stdout) -> int:
    """The ``restish demo`` command. Returns the exit code: 2 for a port it cannot listen on."""
    if port is not None and not 0 <= port <= 65535:  # bind() would raise OverflowError
        print(f"restish demo: --port must be between 0 and 65535, not {port}", file=sys.stderr)
        return 2
    try:
        server = DemoServer(port=port or 0, verbose=not tour)
    except OSError as exc:
        print(f"restish demo: cannot listen on 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
        return 2
    with server:
        if tour:
            from .tour import run_tour
            return run_tour(server.url, out)
        _announce(server.url, out)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            return 0
    return 0


def _announce(url: str, out: TextIO) -> None:
    out.write(
        f"restish demo API serving on {url}  (Ctrl-C to stop)\n\n"
        f"Log in with any username and the password 'demo':\n\n"
        f"    >>> import restish\n"
        f"    >>> api = restish.Client({url!r})\n"
        f"    >>> api.login('alice', 'demo')\n"
        f"    >>> api.people['alice'].post(displayName='Alice')\n\n"
        f"or from the shell:  restish shell {url}\n"
        f"or with curl:       curl -d grant_type=password -d username=alice -d password=demo {url}/token\n"
    )
    out.flush()
