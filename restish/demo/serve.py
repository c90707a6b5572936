"""``restish demo``: serve the demo API on 127.0.0.1, or run the scripted tour against it."""
from __future__ import annotations

import socketserver
import sys
import threading
from typing import TextIO
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from .app import make_app

__all__ = ["DemoServer", "serve", "run", "DEMO_PORT", "SEED_USERS"]

DEMO_PORT = 8081  # the port the README's examples use; `restish demo` takes it when it is free
SEED_USERS = {"alice": "Alice"}  # username -> displayName: the people the README's examples use


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64  # the default backlog of 5 stalls bursts of connections


IDLE_TIMEOUT = 30.0  # seconds a connection may wait for the rest of a request


class _QuietHandler(WSGIRequestHandler):
    @property
    def timeout(self) -> float:  # type: ignore[override]  # StreamRequestHandler sets it on the socket
        return self.server.idle_timeout  # type: ignore[attr-defined]

    def handle(self) -> None:
        # A connection idle past the timeout, or one the client dropped, ends quietly:
        # each holds a thread, so none may wait for ever.
        try:
            super().handle()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


class DemoServer:
    """A threaded stdlib server running a fresh demo app in a daemon thread.

    ``seed``: the app starts with the people of :data:`SEED_USERS`, so that the
    README's examples (``api.people['alice']...``) run as written. A connection
    that sends nothing for ``idle_timeout`` seconds, in its request line, headers
    or body, is closed (a body cut off so gets a 408).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False,
                 seed: bool = False, idle_timeout: float = IDLE_TIMEOUT) -> None:
        self._server = _ThreadingWSGIServer((host, port), _QuietHandler)
        self._server.verbose = verbose  # type: ignore[attr-defined]
        self._server.idle_timeout = idle_timeout  # type: ignore[attr-defined]
        self.app = make_app()
        for username, display_name in SEED_USERS.items() if seed else ():
            self.app.store.add_user(username, display_name)
        self._server.set_app(self.app)
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
    """The ``restish demo`` command. Returns the exit code: 2 for a port it cannot listen on.

    Without ``port``, the server takes :data:`DEMO_PORT` when it is free and any
    free port otherwise, saying so; the tour takes any free port. ``port=0``: any free port.
    """
    if port is not None and not 0 <= port <= 65535:  # bind() would raise OverflowError
        print(f"restish demo: --port must be between 0 and 65535, not {port}", file=sys.stderr)
        return 2
    busy = None
    try:
        if port is None and not tour:
            try:
                server = DemoServer(port=DEMO_PORT, verbose=True, seed=True)
            except OSError as exc:
                busy = exc.strerror
                server = DemoServer(port=0, verbose=True, seed=True)
        else:
            server = DemoServer(port=port or 0, verbose=not tour, seed=True)
    except OSError as exc:
        print(f"restish demo: cannot listen on 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
        return 2
    if busy:
        out.write(f"restish demo: port {DEMO_PORT} is not free ({busy}); serving on {server.url} instead.\n"
                  f"The README's examples say http://localhost:{DEMO_PORT}: use {server.url} in them.\n\n")
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
        f"    >>> api.people['alice'].get()\n\n"
        f"People already there: {', '.join(SEED_USERS)}.\n"
        f"or from the shell:  restish shell {url} --login --user alice:demo\n"
        f"or with curl:       curl -d grant_type=password -d username=alice -d password=demo {url}/token\n"
    )
    out.flush()
