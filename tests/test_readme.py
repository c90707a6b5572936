"""The README's Python examples and its commands aimed at the demo, run as written and in order.

``http://localhost:8081`` (where ``restish demo`` serves) is replaced by the URL of a
demo started on a free port with the same people. ``>>>`` blocks run as doctests, so
their shown results are checked too. A block is left out only when a
``.. test_readme: skip, <why>`` comment stands right before it.
"""
import doctest
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from restish.demo.serve import DemoServer
from restish.demo.tour import tiny_png

README = Path(__file__).resolve().parent.parent / "README.rst"
BLOCK = re.compile(r"(?:^\.\. test_readme: skip, (?P<skip>.+)\n\n)?^\.\. code-block:: python\n\n"
                   r"(?P<body>(?:^(?: {4}.*)?\n)+)", re.M)


def blocks():
    """``[(line, code or None when skipped, why skipped)]`` of every Python block of the README."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start("body")) + 1, textwrap.dedent(m.group("body")), m.group("skip"))
            for m in BLOCK.finditer(text)]


def test_every_python_block_is_run_or_says_why_not():
    found = blocks()
    text = README.read_text(encoding="utf-8")
    assert len(found) == text.count(".. code-block:: python") >= 8
    skipped = [why for _, _, why in found if why]
    assert "a signature with placeholders" in skipped
    assert all(len(why.split()) >= 3 for why in skipped), skipped  # each says why
    assert len(skipped) <= len(found) // 3


def test_the_examples_run_in_order_against_the_demo(tmp_path, monkeypatch):
    (tmp_path / "me.png").write_bytes(tiny_png())  # the picture the upload examples send
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    ran = 0
    with DemoServer(seed=True) as server:
        for line, code, skipped in blocks():
            if skipped:
                continue
            code = code.replace("http://localhost:8081", server.url)
            if code.lstrip().startswith(">>>"):
                _doctest(code, namespace, line)
            else:
                exec(compile(code, f"README.rst, block at line {line}", "exec"), namespace)
            ran += 1
        assert ran >= 6
        assert server.app.store.avatars["alice"][0] == tiny_png()  # the uploads arrived
        contents = [a["object"].get("content") for a in server.app.store.activities.values()]
        assert contents.count("hi") == 2  # the intro's and the navigation's (the demo section's is in-process)
    assert (tmp_path / "copy.png").read_bytes() == tiny_png()       # and came back streamed
    assert namespace["tokens"] and namespace["users"][0]["username"] == "alice"


def _doctest(code, namespace, line):
    test = doctest.DocTestParser().get_doctest(code, namespace, f"README.rst:{line}", "README.rst", line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, clear_globs=False)
    if runner.failures:
        pytest.fail(f"README.rst, block at line {line}: {runner.failures} example(s) failed (see the output above)")


def test_the_commands_against_the_demo_run_as_written(tmp_path):
    """The README's ``restish --url http://localhost:8081 ...`` lines, in order, as a shell would split them."""
    text = README.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.split("#")[0].strip() for line in text.splitlines()
             if line.strip().startswith("restish --url http://localhost:8081")]
    assert len(lines) >= 2
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "PYTHONPATH": str(README.parent), "NO_COLOR": "1"}
    with DemoServer(seed=True) as server:
        outputs = []
        for line in lines:
            argv = shlex.split(line.replace("http://localhost:8081", server.url))
            done = subprocess.run([sys.executable, "-m", "restish", *argv[1:]], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, (line, done.stdout, done.stderr)
            outputs.append(done.stdout)
        stored = [a for a in server.app.store.activities.values() if a["object"].get("content") == "hi"]
    assert len(stored) == 1  # the first line posted it once
    assert '"content": "hi"' in outputs[-1]  # and the session's token read it back
