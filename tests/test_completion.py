"""Tab completion after item access, in real interpreters driven on a pseudo-terminal:
IPython with ``%load_ext restish``, ``python -i`` (readline) and ``restish shell``."""
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

import restish
from restish.completion import complete
from restish.demo import make_app
from restish.demo.serve import DemoServer

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 30
# A client over the in-process demo: completing sends nothing, so no server is needed.
SETUP = "import restish; api = restish.Client('http://demo.local', app=restish.demo.make_app())"
ITEM_CHILDREN = {"activities", "avatar", "comments", "conversations", "device", "subscriptions",
                 "timeline", "tokens"}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|[\x07\x08]")


def environment(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESTISH_", "PYTHON"))}
    env.update(PYTHONPATH=str(REPO), NO_COLOR="1", PROMPT_TOOLKIT_NO_CPR="1", **extra)
    return env


def spawn(*args, **env):
    return pexpect.spawn(sys.executable, list(args), cwd=str(REPO), env=environment(**env),
                         encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 200))


def words(text):
    return set(re.findall(r"[A-Za-z_]+", ANSI.sub(" ", text)))


def assert_item_menu(listed):
    """What TAB after ``api.people['alice'].`` lists: the children and only the allowed verbs."""
    assert ITEM_CHILDREN <= listed and {"get", "post", "put", "delete"} <= listed
    assert not {"patch", "head", "options"} & listed


def readline_menu(child):
    """Press TAB twice after ``api.people['alice'].`` at a readline prompt; the words listed."""
    child.send("api.people['alice'].\t\t")
    child.expect_exact(">>> ")  # readline lists the candidates, then prompts again
    return words(child.before)


@pytest.fixture
def api():
    return restish.Client("http://demo.local", app=make_app())


# -- what complete() offers, and what it never touches ----------------------------


def test_after_item_access_children_and_only_the_allowed_verbs(api):
    found = complete("x = api.people['alice'].", {"api": api})
    names = {c.text for c in found.candidates}
    assert ITEM_CHILDREN <= names
    assert {"get", "post", "put", "delete"} <= names and not {"patch", "head", "options"} & names
    kinds = {c.text: c.kind for c in found.candidates}
    assert kinds["activities"] == "resource" and kinds["post"] == "verb" and kinds["path"] == "attribute"


def test_a_prefix_keys_and_rpc_names(api):
    assert [c.text for c in complete("api.people['alice'].ac", {"api": api}).candidates] == ["activities"]
    assert complete('api.people["alice"].activities.p', {"api": api}).prefix == "p"
    keys = complete("api.contexts['pu", {"api": api})
    assert [c.text for c in keys.candidates] == ["public"] and keys.prefix == "pu"
    rpc = {c.text: c.kind for c in complete("api.getUser", {"api": api}).candidates}
    assert {"getUser", "getUsers", "getUserActivities"} <= rpc.keys() and set(rpc.values()) == {"rpc"}


def test_keywords_inside_a_call_are_the_signatures():
    kinto = restish.Client.from_openapi(str(REPO / "tests" / "data" / "kinto-swagger2.json"), url="http://k")
    namespace = {"kinto": kinto}
    found = complete("print(kinto.get_collections(bucket_id='b', _l", namespace)
    assert found.prefix == "_l" and [c.text for c in found.candidates] == ["_limit="]
    names = {c.text for c in complete("kinto.get_collections(", namespace).candidates}
    assert {"bucket_id=", "_limit=", "_sort="} <= names
    assert "bucket_id=" not in {c.text for c in complete("kinto.get_collections(bucket_id='b', ", namespace).candidates}
    assert "_limit=" in {c.text for c in complete("kinto.buckets['b'].collections.get(", namespace).candidates}


def test_nothing_but_restish_objects_is_touched(api):
    touched = []

    class Spy:
        def __getattr__(self, name):
            touched.append(name)
            return self

        def __getitem__(self, key):
            touched.append(key)
            return self

    namespace = {"spy": Spy(), "api": api}
    assert complete("spy.a['b'].", namespace) is None
    assert complete("api.session.", namespace) is None           # a requests.Session: not ours
    assert complete("api.people['alice'].get().", namespace) is None  # a call is never made
    assert complete("api.nothing['x'].", namespace) is None         # not in the map
    assert touched == []


# -- real interpreters --------------------------------------------------------------


def test_stdlib_repl_completes_after_item_access():
    child = spawn("-i", "-c", SETUP, TERM="dumb")
    try:
        child.expect_exact(">>> ")
        assert_item_menu(readline_menu(child))
        child.send("\x15api.getUser(us\t")  # a keyword of the RPC name's signature
        child.expect_exact("username=")
        child.send("\x15api.people['alice'].act\t")  # completes the unique name, then Enter shows the proxy
        child.sendline("")
        child.expect_exact("<ResourceCollection /people/alice/activities GET POST HEAD>")
        child.sendline("import rlcompleter, readline; readline.get_completer().__class__.__name__")
        child.expect_exact("'ReadlineCompleter'")
        child.send("rlcomp\t")  # anything else is still the stock completer's
        child.sendline("")
        child.expect_exact("<module 'rlcompleter' from")
        leave_readline(child)
    finally:
        child.terminate(force=True)


def leave_readline(child):
    child.expect_exact(">>> ")  # readline reads again: Ctrl-D sent before that may be lost
    child.sendeof()
    child.expect(pexpect.EOF)


def ipython_menu(child, text):
    """Type ``text``, press TAB, return the words of the completion menu, and clear the line."""
    child.send(text + "\t")  # the keys are read in order: TAB completes the whole text
    child.expect_exact("subscriptions")
    shown = child.before + child.after
    child.expect_exact("\x1b[?25h")  # prompt_toolkit shows the cursor again once the menu is drawn
    shown += child.before
    child.send("\x1b")   # close the menu
    child.send("\x15")   # and clear the line (Ctrl-U)
    return words(shown)


def test_ipython_extension_completes_after_item_access_under_the_default_policy():
    pytest.importorskip("IPython")
    child = spawn("-m", "IPython", "--no-banner", "--colors=nocolor", "--no-confirm-exit",
                  "--HistoryManager.hist_file=:memory:", "--InteractiveShell.autocall=0", TERM="xterm")
    try:
        child.expect(r"In \[1\]")
        child.sendline("%load_ext restish")
        child.expect(r"In \[2\]")
        child.sendline(SETUP)
        child.expect(r"In \[3\]")
        assert_item_menu(ipython_menu(child, "api.people['alice']."))
        child.sendline("print('policy', get_ipython().Completer.evaluation)")
        child.expect_exact("policy limited")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.terminate(force=True)


@pytest.fixture(scope="module")
def demo():
    with DemoServer(seed=True) as server:
        yield server.url


def test_restish_shell_ipython_loads_the_extension(demo):
    pytest.importorskip("IPython")
    child = spawn("-m", "restish", "shell", demo, "--login", "--user", "alice:demo", TERM="xterm")
    try:
        child.expect_exact("try: api.people.get()")
        child.expect(r"In \[(\x1b\[[0-9;]*m)*1")
        assert_item_menu(ipython_menu(child, "api.people['alice']."))
        child.sendline("api.people.get()[0]['username']")  # the banner's first hint works
        child.expect_exact("'alice'")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.terminate(force=True)


def test_restish_shell_plain_completes_after_item_access(demo):
    child = spawn("-m", "restish", "shell", demo, "--plain", TERM="dumb")
    try:
        child.expect_exact("try: api.login(), then api.people.get();")
        child.expect_exact(">>> ")
        assert_item_menu(readline_menu(child))
        child.send("\x15")  # Ctrl-U: clear the line
        child.sendline("print('logged in', bool(api.login('alice', 'demo')))")  # the first hint
        child.expect_exact("logged in True")
        child.sendline("api.people.get()[0]['username']")
        child.expect_exact("'alice'")
        leave_readline(child)
    finally:
        child.terminate(force=True)
