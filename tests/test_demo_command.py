"""``restish demo``: the README's port when it is free, the README's people, what its output says."""
import io
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import restish
from restish.demo.serve import DemoServer
from restish.demo.tour import run_tour

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def serve_with_demo_port(port):
    """``restish demo`` as a process, its preferred port set to ``port``; returns (process, lines before the URL)."""
    code = f"import restish.demo.serve as s; s.DEMO_PORT = {port}; raise SystemExit(s.run())"
    proc = subprocess.Popen([sys.executable, "-u", "-c", code], cwd=REPO, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:  # the announcement comes once the socket listens
        lines.append(line)
        if "serving on" in line and "API" in line:
            break
    return proc, "".join(lines)


def stop(proc):
    proc.terminate()
    proc.wait(30)
    proc.stdout.close()


def test_the_demo_takes_its_port_when_free():
    with socket.socket() as probe:  # a port free a moment ago stands in for 8081
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc, text = serve_with_demo_port(port)
    try:
        assert f"restish demo API serving on http://127.0.0.1:{port}" in text
        assert "not free" not in text
    finally:
        stop(proc)


def test_a_busy_port_is_said_clearly_and_another_one_served():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        proc, text = serve_with_demo_port(port)
        try:
            assert f"port {port} is not free" in text
            url = re.search(r"serving on (http://127\.0\.0\.1:\d+)", text).group(1)
            assert url != f"http://127.0.0.1:{port}"
            api = restish.Client(url)
            api.login("alice", "demo")
            assert api.people["alice"].get()["displayName"] == "Alice"  # the README's user is there
        finally:
            stop(proc)


def test_every_line_of_the_announcement_runs_as_written():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc, text = serve_with_demo_port(port)
    try:
        for line in proc.stdout:
            text += line
            if line.startswith("or with curl"):
                break
        code = [line.split(">>> ", 1)[1] for line in text.splitlines() if ">>> " in line]
        assert code[-1] == "api.people['alice'].get()"
        namespace = {}
        for statement in code:
            exec(statement, namespace)
        assert namespace["api"].last_response.status_code == 200
        assert f"restish shell http://127.0.0.1:{port} --login --user alice:demo" in text
    finally:
        stop(proc)


def test_seeding_is_for_the_command_only():
    with DemoServer() as bare, DemoServer(seed=True) as seeded:
        for server, code in ((bare, 404), (seeded, 200)):
            api = restish.Client(server.url)
            api.login("bob", "demo")
            if code == 404:
                with pytest.raises(restish.NotFound):
                    api.people["alice"].get()
            else:
                assert api.people["alice"].get()["username"] == "alice"


def test_the_tour_shows_the_token_login_returns():
    with DemoServer(seed=True) as server:
        out = io.StringIO()
        assert run_tour(server.url, out) == 0, out.getvalue()
        shown = re.search(r">>> api.login\('alice', 'demo'\).*\n'([^']+)'\n", out.getvalue()).group(1)
        assert shown in server.app.store.tokens  # the very token the server issued
        assert ">>> type(api.auth).__name__" in out.getvalue() and "'MaxOAuth'" in out.getvalue()
