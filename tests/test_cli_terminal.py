"""What the command does on a real terminal (a pseudo-terminal from pexpect): colour,
NO_COLOR, the download progress bar, and no binary data on the screen."""
import json
import os
import re
import sys

import pytest

from cli_run import ROOT, clean_env
from servers import pattern_bytes

pexpect = pytest.importorskip("pexpect")

ANSI = re.compile(rb"\x1b\[[0-9;]*m")


def on_terminal(*args, env=None, cwd=None):
    """Run ``python -m restish ARGS`` with stdin, stdout and stderr on one pseudo-terminal;
    returns (exit status, everything it wrote, as bytes)."""
    child = pexpect.spawn(sys.executable, ["-m", "restish", *args], env=clean_env(**(env or {})),
                          cwd=cwd, timeout=30)
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def test_binary_body_is_not_written_to_a_terminal_but_text_is(fault):
    status, seen = on_terminal("--url", fault.url, "--no-map", "GET", "bytes", "n=5000")
    assert status == 0
    assert b"binary body (5000 bytes, application/octet-stream) not written to the terminal" in seen
    assert pattern_bytes(64)[:32] not in seen
    # Bytes that are UTF-8 text, whatever their Content-Type, are shown.
    status, seen = on_terminal("--url", fault.url, "--no-map", "GET", "status/200", "body==caf\u00e9 au lait",
                               "ctype==application/octet-stream")
    assert status == 0 and "caf\u00e9 au lait".encode() in seen and b"binary" not in seen


def test_binary_error_body_is_not_written_to_a_terminal_either(fault):
    # The server decodes the query: the body it answers holds a NUL byte and \x01.
    status, seen = on_terminal("--url", fault.url, "--no-map", "GET",
                               "status/500?body=%00%01&ctype=application/octet-stream", "--retries", "0")
    assert status == 1 and b"binary body (2 bytes, application/octet-stream)" in seen
    assert b"\x00" not in seen and b"\x01" not in seen  # nor in the one-line error: shown escaped


def test_json_is_coloured_by_pygments_on_a_terminal(fault):
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import JsonLexer
    body = {"name": "caf\u00e9", "n": [1, 2.5, True, None]}
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    status, seen = on_terminal("--url", fault.url, "--no-map", "GET", "status/200", f"body=={json.dumps(body)}",
                               env={**env, "NO_COLOR": ""})  # an empty NO_COLOR does not count
    expected = highlight(json.dumps(body, indent=2, ensure_ascii=False), JsonLexer(), TerminalFormatter())
    assert status == 0 and seen.replace(b"\r\n", b"\n") == expected.encode()


def test_plain_json_with_no_color_or_without_pygments(fault, tmp_path):
    status, plain = on_terminal("--url", fault.url, "--no-map", "GET", "json", env={"NO_COLOR": "1"})
    assert status == 0 and b'"method": "GET"' in plain and not ANSI.search(plain)
    (tmp_path / "pygments").mkdir()  # a pygments that cannot be imported: restish[cli] not installed
    (tmp_path / "pygments" / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), ROOT])
    child = pexpect.spawn(sys.executable, ["-m", "restish", "--url", fault.url, "--no-map", "GET", "json"],
                          env=env, timeout=30)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and b'"method": "GET"' in child.before and not ANSI.search(child.before)


def test_download_draws_a_progress_bar_on_a_terminal(fault, tmp_path):
    target = tmp_path / "big.bin"
    status, seen = on_terminal("--url", fault.url, "--no-map", "-o", str(target), "GET", "bytes", "n=3000000")
    assert status == 0, seen
    assert re.search(rb"\r\[#{30}\] 100% 3\.0/3\.0 MB\r?\n", seen), seen[-300:]
    assert target.read_bytes() == pattern_bytes(3_000_000)


def test_download_of_unknown_length_shows_the_count(fault, tmp_path):
    status, seen = on_terminal("--url", fault.url, "--no-map", "-o", str(tmp_path / "x"), "GET", "bytes",
                               "n=2000000", "chunked=1")
    assert status == 0 and b"\r2.0 MB\r\n" in seen and b"saved 2000000 bytes" in seen
