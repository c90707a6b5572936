"""``restish shell`` driven on a real pseudo-terminal with pexpect."""
import os
import sys
import uuid

import pexpect
import pytest

from restish.demo.serve import DemoServer

TIMEOUT = 30


@pytest.fixture(scope="module")
def demo():
    with DemoServer() as server:
        yield server.url


def spawn_shell(*args, env=None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RESTISH_")}
    environ.update(TERM="dumb", NO_COLOR="1", **(env or {}))
    child = pexpect.spawn(sys.executable, ["-m", "restish", "shell", *args], env=environ,
                          encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 200))
    return child


def close(child):
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_plain_repl_tab_completes_the_map_and_calls(demo):
    user = f"u{uuid.uuid4().hex[:8]}"
    child = spawn_shell(demo, "--login", "--user", f"{user}:demo", env={"RESTISH_SHELL": "python"})
    try:
        child.expect_exact("restish shell: api = <restish.Client")
        child.expect_exact(">>> ")
        child.send("api.peo\t")
        child.expect_exact("api.people")  # readline completed the name from the map
        child.sendline(f"[{user!r}].post(displayName='Shell User')['displayName']")
        child.expect_exact("'Shell User'")
        child.expect_exact(">>> ")
        child.sendline("api.peple")
        child.expect_exact("did you mean 'people'?")
        child.expect_exact(">>> ")
        close(child)
    finally:
        child.terminate(force=True)


def test_plain_flag_and_url_from_environment(demo):
    child = spawn_shell("--plain", env={"RESTISH_URL": demo})
    try:
        child.expect_exact(">>> ")
        child.sendline("api.url")
        child.expect_exact(repr(demo))
        close(child)
    finally:
        child.terminate(force=True)


def test_ipython_shell_has_api(demo):
    pytest.importorskip("IPython")
    child = spawn_shell(demo, "--no-map")
    try:
        child.expect_exact("restish shell: api = <restish.Client")
        child.expect(r"In \[\d+\]")
        child.sendline("print('URL=' + api.url)")
        child.expect_exact(f"URL={demo}")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.terminate(force=True)


def test_shell_without_url_is_a_usage_error():
    child = spawn_shell("--plain")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2 and "no URL" in child.before
