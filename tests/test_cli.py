"""The ``restish`` command, run as a real subprocess against loopback servers."""
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import uuid

import pytest
import requests

from cli_run import TOKEN, clean_env, out_json, restish
from restish.cli import main
from restish.cli.output import show_result
from restish.cli.progress import ProgressBar
from restish.demo.serve import DemoServer

COLOURED_KEY = "\x1b\\[[0-9;]+m%s\x1b\\[[0-9;]+m"  # a JSON token wrapped in ANSI colour (pygments)


@pytest.fixture(scope="module")
def demo():
    with DemoServer() as server:
        yield server.url


@pytest.fixture
def login(demo):
    """Options that log in as a fresh demo user who exists."""
    user = f"u{uuid.uuid4().hex[:8]}"
    options = ["--url", demo, "--login", "--user", f"{user}:demo"]
    out_json(restish(*options, "POST", f"people/{user}", "displayName=Tester"))
    return options, user


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- fast start --------------------------------------------------------------

def test_help_is_fast_path_without_requests_or_yaml():
    code = ("import sys; from restish.cli import main; rc = main(['--help']); "
            "print('LOADED', rc, 'requests' in sys.modules, 'yaml' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "METHOD PATH" in done.stdout and "shell" in done.stdout
    assert done.stdout.strip().endswith("LOADED 0 False False"), done.stdout[-200:]


def test_module_and_help_exit_zero():
    done = restish("--help")
    assert done.returncode == 0 and b"exit codes" in done.stdout


# -- one-shot calls ------------------------------------------------------------

def test_demo_call_with_key_subkey_items(login):
    options, user = login
    posted = out_json(restish(*options, "post", f"people/{user}/activities", "object_content=hello"))
    assert posted["object"] == {"objectType": "note", "content": "hello"}
    listed = out_json(restish(*options, "GET", f"people/{user}/activities", "--qs", "limit=1"))
    assert [a["id"] for a in listed] == [posted["id"]]


def test_json_items_and_strings(httpbin):
    sent = out_json(restish("--url", httpbin, "--no-map", "POST", "post", "n:=3",
                            'obj:={"a": [1, null]}', "flag:=true", "s=3", "url=http://x/?a=b"))
    assert sent["json"] == {"n": 3, "obj": {"a": [1, None]}, "flag": True, "s": "3", "url": "http://x/?a=b"}


def test_qs_repeated_key_sends_a_list(httpbin):
    echoed = out_json(restish("--url", httpbin, "--no-map", "GET", "get", "--qs", "a=1", "--qs", "a=2",
                              "--qs", "b=x y", "c=3"))
    assert echoed["args"] == {"a": ["1", "2"], "b": "x y", "c": "3"}


def test_data_literal_and_from_file(httpbin, tmp_path):
    body = tmp_path / "body.json"
    body.write_text('[1, "two"]')
    assert out_json(restish("--url", httpbin, "--no-map", "PUT", "put", "--data", '{"k": 1}'))["json"] == {"k": 1}
    assert out_json(restish("--url", httpbin, "--no-map", "PUT", "put", "--data", f"@{body}"))["json"] == [1, "two"]


def test_raw_writes_the_body_bytes_as_is(httpbin):
    done = restish("--url", httpbin, "--no-map", "--raw", "GET", "json")
    assert done.returncode == 0
    assert done.stdout == requests.get(f"{httpbin}/json", timeout=10).content


def test_non_json_text_printed_as_text(httpbin):
    done = restish("--url", httpbin, "--no-map", "GET", "html")
    assert done.returncode == 0 and done.stdout.lstrip().startswith(b"<!DOCTYPE html>")


def test_env_url_token_and_header(httpbin):
    echoed = out_json(restish("--no-map", "GET", "headers", "-H", "X-Trace: abc",
                              env={"RESTISH_URL": httpbin, "RESTISH_TOKEN": TOKEN}))
    assert echoed["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert echoed["headers"]["X-Trace"] == "abc"


def test_user_password_is_basic_auth(httpbin):
    assert out_json(restish("--url", httpbin, "--no-map", "--user", "ann:pw", "GET", "basic-auth/ann/pw")) == \
        {"authenticated": True, "user": "ann"}


def test_user_without_password_and_no_tty_is_a_usage_error(httpbin):
    done = restish("--url", httpbin, "--no-map", "GET", "get", env={"RESTISH_USER": "ann"}, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and b"not a terminal" in done.stderr


def test_verbose_shows_exchange_with_token_masked(httpbin):
    done = restish("--url", httpbin, "--no-map", "-v", "--token", TOKEN, "GET", "get")
    err = done.stderr.decode()
    assert done.returncode == 0
    assert f"> GET {httpbin}/get" in err and "< 200 OK" in err and "< Content-Type: application/json" in err
    assert "> Authorization: ***" in err and TOKEN not in err


def test_dry_run_prints_curl_and_sends_nothing(fault):
    key = f"dry{uuid.uuid4().hex[:8]}"
    done = restish("--url", fault.url, "--no-map", "--dry-run", "--token", TOKEN, "POST", f"flaky/{key}", "a=1")
    out = done.stdout.decode()
    assert done.returncode == 0 and out.startswith("curl -X POST")
    assert f"{fault.url}/flaky/{key}" in out and "'Authorization: ***'" in out and TOKEN not in out
    assert fault.hits(key) == 0


def test_file_upload_round_trips_bytes(login, tmp_path):
    options, user = login
    data = os.urandom(300_000)
    (tmp_path / "face.png").write_bytes(data)
    stored = out_json(restish(*options, "POST", f"people/{user}/avatar", "--file", f"file={tmp_path / 'face.png'}"))
    assert stored["size"] == len(data)
    fetched = restish(*options, "--raw", "GET", f"people/{user}/avatar")
    assert fetched.returncode == 0 and fetched.stdout == data
    assert b"[###" not in fetched.stderr  # stderr is a pipe here: no progress bar


def test_upload_progress_bar_and_colour_on_a_terminal(login, tmp_path, monkeypatch):
    pexpect = pytest.importorskip("pexpect")
    monkeypatch.delenv("NO_COLOR", raising=False)
    options, user = login
    (tmp_path / "big.png").write_bytes(os.urandom(2_000_000))
    child = pexpect.spawn(sys.executable, ["-m", "restish", *options, "POST", f"people/{user}/avatar",
                                           "--file", f"file={tmp_path / 'big.png'}"],
                          env=clean_env(), encoding="utf-8", timeout=30)
    child.expect(r"\] 100% 2\.0/2\.0 MB")
    child.expect(COLOURED_KEY % '"size"')  # stdout is a terminal too: coloured
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


# -- exit codes ----------------------------------------------------------------

def test_server_error_exits_1_with_the_message(fault):
    done = restish("--url", fault.url, "--no-map", "GET", "status/404", "body=gone")
    assert done.returncode == 1
    assert done.stderr.decode().strip() == f"restish: GET {fault.url}/status/404?body=gone -> 404 Not Found: gone"


def test_transport_error_exits_3():
    done = restish("--url", closed_port_url(), "GET", "people")
    assert done.returncode == 3 and b"refused" in done.stderr and b"Traceback" not in done.stderr


def test_interrupt_exits_130(fault):
    before = fault.hits("/slow")
    proc = subprocess.Popen([sys.executable, "-m", "restish", "--url", fault.url, "--no-map",
                             "GET", "slow", "seconds=20"], stderr=subprocess.PIPE, env=clean_env())
    try:
        assert fault.wait_hits("/slow", before + 1, timeout=30)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 130
        assert b"Traceback" not in proc.stderr.read()
    finally:
        proc.kill()
        proc.wait(10)


BAD_INPUT = {
    "malformed item": (["GET", "people", "novalue"], "malformed item 'novalue'"),
    "empty key": (["GET", "people", "=x"], "malformed item"),
    "invalid := json": (["POST", "people/a", "n:={nope"], "invalid JSON in item 'n'"),
    "invalid --data": (["POST", "people/a", "--data", "{nope"], "invalid JSON in --data"),
    "unreadable --data file": (["POST", "people/a", "--data", "@/no/such.json"], "cannot read --data file"),
    "unreadable --file": (["POST", "people/a/avatar", "--file", "file=/no/such.png"], "no such file"),
    "malformed --file": (["POST", "people/a/avatar", "--file", "nofield"], "malformed --file"),
    "malformed --qs": (["GET", "people", "--qs", "novalue"], "malformed --qs"),
    "malformed -H": (["GET", "people", "-H", "NoColon"], "malformed -H"),
    "unknown path": (["GET", "peple"], "did you mean 'people'?"),
    "deeper unknown path": (["GET", "people/a/activites"], "did you mean 'activities'?"),
    "verb not allowed": (["PATCH", "people/a"], "method not allowed"),
    "dot segment": (["GET", "people/.."], "'..'"),
    "unknown method": (["FETCH", "people"], "unknown METHOD 'FETCH'"),
    "unknown option": (["--bogus", "GET", "people"], "unrecognized arguments: --bogus"),
    "missing path": (["GET"], "missing PATH after GET"),
    "bad map": (["--resources", "/no/such.yaml", "GET", "people"], "/no/such.yaml"),
}


@pytest.mark.parametrize("args, expected", BAD_INPUT.values(), ids=list(BAD_INPUT))
def test_bad_input_is_one_line_and_exit_2(fault, args, expected):
    paths = ("/people", "/people/a", "/people/a/avatar", "/peple", "/people/a/activites")
    before = sum(fault.hits(path) for path in paths)
    done = restish("--url", fault.url, *args)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err
    assert sum(fault.hits(path) for path in paths) == before  # refused before any I/O


def test_missing_url_is_exit_2():
    done = restish("GET", "people")
    assert done.returncode == 2
    assert done.stderr == (b"restish: no URL: give --url URL, set RESTISH_URL, "
                           b"or make PATH a full URL (http://...)\n")


# -- routes, openapi, output helpers ---------------------------------------------

def test_routes_table_is_aligned():
    done = restish("routes")
    lines = done.stdout.decode().splitlines()
    assert done.returncode == 0 and lines[0].split() == ["ROUTE", "VERBS", "RPC", "NAMES", "DOC"]
    row = next(line for line in lines if line.startswith("/people/{username} "))
    assert row.split("  ")[0] == "/people/{username}"
    assert row.index("GET POST PUT DELETE") == lines[0].index("VERBS")
    assert row.index("getUser, addUser") == lines[0].index("RPC NAMES")
    assert all(len(line) == len(line.rstrip()) for line in lines)


def test_routes_of_another_map(tmp_path):
    (tmp_path / "r.yaml").write_text("/things/{id}:\n  methods: [GET, PATCH]\n  doc: A thing.\n"
                                     "  names: {get: getThing}\n")
    done = restish("routes", "--resources", str(tmp_path / "r.yaml"))
    assert done.stdout.decode().splitlines()[1].split() == ["/things/{id}", "GET", "PATCH", "getThing", "A", "thing."]


def test_routes_lists_every_rpc_name_of_a_merged_route(tmp_path):
    (tmp_path / "r.yaml").write_text("/c/{basehead}:\n  methods: [GET]\n  names: {get: [byBasehead, compare]}\n"
                                     "  templates: {compare: '/c/{base}...{head}'}\n")
    done = restish("routes", "--resources", str(tmp_path / "r.yaml"))
    assert done.stdout.decode().splitlines()[1].split() == ["/c/{basehead}", "GET", "byBasehead,", "compare"]


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_json_coloured_only_on_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    plain, terminal = io.StringIO(), _Terminal()
    for out in (plain, terminal):
        show_result({"name": "x", "n": 1, "ok": True}, None, False, out)
    assert json.loads(plain.getvalue()) == {"name": "x", "n": 1, "ok": True}
    assert "\x1b[" not in plain.getvalue()
    coloured = terminal.getvalue()
    assert re.search(COLOURED_KEY % '"name"', coloured) and re.search(COLOURED_KEY % "true", coloured)
    assert json.loads(re.sub("\x1b\\[[0-9;]*m", "", coloured)) == {"name": "x", "n": 1, "ok": True}


def test_progress_bar_ends_at_100_percent():
    stream = io.StringIO()
    bar = ProgressBar(stream)
    for done in (0, 500_000, 1_000_000):
        bar(done, 1_000_000)
    assert stream.getvalue().endswith("] 100% 1.0/1.0 MB\n") and stream.getvalue().startswith("\r[")


def test_main_in_process_reports_usage_errors(capsys):
    assert main(["GET", "people", "bad"]) == 2
    assert capsys.readouterr().err.startswith("restish: ")


# -- secrets that HTTP cannot carry, login, dry runs (audit of issue 6) --------------------

SECRET = "SECRETTOK"


def one_clean_line(done, code):
    err = done.stderr.decode()
    assert done.returncode == code, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert SECRET.encode() not in done.stdout + done.stderr
    return err


@pytest.mark.parametrize("args, env, start", [
    ([], {"RESTISH_TOKEN": SECRET + "\n"}, "Bearer auth: header 'Authorization': "),
    (["--token", SECRET + "\u20ac"], {}, "Bearer auth: header 'Authorization': "),
    (["--user", "bob", "--token", SECRET + "\r\nX-Evil: 1"], {}, "MaxOAuth auth: header 'X-Oauth-Token': "),
    (["--user", f"b\u00f8b:{SECRET}\u20ac"], {}, "Basic auth: a credential "),
], ids=["env token with a newline", "token outside latin-1", "maxoauth token with CRLF", "basic outside latin-1"])
def test_an_auth_value_http_cannot_carry_is_exit_2_without_the_secret(fault, args, env, start):
    before = fault.hits("/json")
    err = one_clean_line(restish("--url", fault.url, "--no-map", *args, "GET", "json", env=env), 2)
    # The auth is checked when built, before any request: the message names it and the header.
    assert err.startswith(f"restish: {start}"), err
    assert fault.hits("/json") == before


@pytest.mark.parametrize("header, problem", [
    (f"X-Key: {SECRET}\nX-Evil: 1", "line break"),
    (f"X-Key: {SECRET}\u20ac", "outside Latin-1"),
    (f"X Key: {SECRET}", "not a valid header name"),
])
def test_a_header_http_cannot_carry_is_exit_2_without_its_value(fault, header, problem):
    before = fault.hits("/json")
    err = one_clean_line(restish("--url", fault.url, "--no-map", "-H", header, "GET", "json"), 2)
    assert "bad -H" in err and problem in err and fault.hits("/json") == before


def test_dry_run_with_login_sends_nothing(fault, tokens):
    k = f"dry{uuid.uuid4().hex[:8]}"
    for url, extra in ((fault.url, []), (fault.url, ["--token-url", tokens.url + "/token"])):
        before = [fault.hits(p) for p in ("/info", "/token", k)]
        done = restish("--url", url, "--no-map", "--login", "--user", "alice", "--dry-run", *extra,
                       "POST", f"flaky/{k}", "a=1", stdin=subprocess.DEVNULL)
        out = done.stdout.decode()
        assert done.returncode == 0, done.stderr.decode()
        # --no-map: the token would travel as a Bearer (the bundled map's client: MaxOAuth headers)
        assert out.startswith("curl -X POST") and "'Authorization: ***'" in out and "<token" not in out
        assert [fault.hits(p) for p in ("/info", "/token", k)] == before
    assert tokens.requests == []


def test_token_url_logs_in_where_there_is_no_info(fault, tokens):
    done = restish("--url", fault.url, "--no-map", "--login", "--user", "alice:s3cret-pw",
                   "--token-url", tokens.url + "/token", "GET", "json")
    echoed = out_json(done)
    assert echoed["headers"]["Authorization"] == "Bearer access-1-alice" and tokens.grants() == ["password"]
    assert "s3cret-pw" not in done.stderr.decode()
    done = restish("--url", fault.url, "--token-url", tokens.url + "/token", "GET", "json")
    assert done.returncode == 2 and b"--token-url" in done.stderr


def test_login_exit_codes(tokens):
    base = ["--url", tokens.url, "--no-map", "--login"]
    refused = restish(*base, "--user", "alice:wrong-pw", "GET", "things")
    assert refused.returncode == 1 and b"refused" in refused.stderr and b"wrong-pw" not in refused.stderr
    unreachable = restish("--url", closed_port_url(), "--no-map", "--login", "--user", "alice:pw", "GET", "x")
    assert unreachable.returncode == 3 and b"Traceback" not in unreachable.stderr
    no_token_endpoint = restish(*base, "--user", "alice:pw", "--token-url", closed_port_url() + "/token", "GET", "x")
    assert no_token_endpoint.returncode == 3
    # No password and no terminal to ask it on: a usage error, as for Basic auth, and nothing sent.
    sent = len(tokens.requests)
    for options in (["--login", "--user", "alice"], ["--user", "alice"]):
        done = restish("--url", tokens.url, "--no-map", *options, "GET", "things", stdin=subprocess.DEVNULL)
        assert done.returncode == 2 and b"not a terminal" in done.stderr
    assert len(tokens.requests) == sent


def test_verbose_masks_tokens_a_server_hands_out_in_location_headers(tokens):
    login = ["--url", tokens.url, "--no-map", "--login", "--user", "alice:s3cret-pw", "-v"]
    shared = restish(*login, "POST", "share")
    granted = restish(*login, "GET", "authorize", f"redirect_uri={tokens.url}/info", "state=s1")
    err = shared.stderr.decode() + granted.stderr.decode()
    assert shared.returncode == 0 and granted.returncode == 0, err
    assert f"< Location: {tokens.url}/info?access_token=***" in err
    assert f"< Content-Location: {tokens.url}/info#access_token=***" in err
    assert f"< Location: {tokens.url}/info#access_token=***&token_type=***&state=s1" in err  # implicit grant
    assert len(tokens.tokens) == 4  # two logins, the shared token, the implicit grant's
    seen = (shared.stdout + shared.stderr + granted.stdout + granted.stderr).decode()
    assert not [token for token in tokens.tokens if token in seen], seen


def test_data_with_body_items_is_refused(fault):
    before = fault.hits("/json")
    done = restish("--url", fault.url, "--no-map", "POST", "json", "--data", '{"a": 1}', "b=2")
    assert done.returncode == 2 and b"--data sends exactly that body" in done.stderr and b"(b)" in done.stderr
    assert fault.hits("/json") == before
    # On a GET, items are the query and --data the body: nothing is lost.
    echoed = out_json(restish("--url", fault.url, "--no-map", "GET", "json", "--data", '{"a": 1}', "b=2"))
    assert echoed["query"] == {"b": "2"} and echoed["json"] == {"a": 1}


def test_verbose_shows_every_redirect_hop_with_secrets_masked(fault):
    target = f"{fault.url}/json?access_token={SECRET}"
    done = restish("--url", fault.url, "--no-map", "-v", "--token", SECRET, "GET", "redirect",
                   f"to={target}")
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert err.count("> GET ") == 2 and "< 302 Found" in err and "< 200 OK" in err
    assert err.index("< 302") < err.index(f"> GET {fault.url}/json?access_token=***")
    assert f"< Location: {fault.url}/json?access_token=***" in err and err.count("> Authorization: ***") == 2
    # The first URL holds the secret percent-encoded in to=; it is masked there too.
    first_line = err.split("\n", 1)[0]
    assert first_line.startswith("> GET ") and "%3D***" in first_line and SECRET not in err


def test_a_503_to_an_upload_from_stdin_exits_1_with_the_servers_answer(fault):
    """stdin is a pipe: the upload cannot be sent again, so the 503 is not retried, and it
    surfaces as the server's answer (exit 1), not as a failure to rewind (exit 3)."""
    k = uuid.uuid4().hex
    done = restish("--url", fault.url, "--no-map", "PUT", f"flaky/{k}", "--file", "file=/dev/stdin",
                   input=b"piped once")
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert f"PUT {fault.url}/flaky/{k} -> 503" in err and "hit 1" in err and "Unrewindable" not in err
    assert fault.hits(k) == 1


def test_no_map_login_against_the_demo_sends_a_bearer(demo):
    # Permissive mode: the token from the demo's /token travels as Authorization: Bearer.
    done = restish("--url", demo, "--no-map", "--login", "--user", "ada:demo", "POST", "people/ada",
                   "displayName=Ada")
    assert done.returncode == 0, done.stderr.decode()
    done = restish("--url", demo, "--no-map", "--login", "--user", "ada:demo", "-v", "GET", "people/ada")
    assert done.returncode == 0 and out_json(done)["displayName"] == "Ada"
    sent = done.stderr.decode().split("\n< ", 1)[0]   # -v: the request as sent, secrets masked
    assert "> Authorization: ***" in sent and "X-Oauth" not in sent
