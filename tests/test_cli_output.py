"""The command's answer side: error bodies, -v and -p, --download / -o, --all, --session,
--version and argument errors; run as a subprocess against loopback servers."""
import json
import os
import stat
import subprocess
import sys
import uuid

import pytest

from cli_run import TOKEN, out_json, restish
from paging_server import PagingServer
from restish.demo.serve import DemoServer
from servers import WSGIServer, pattern_bytes
from token_server import TokenApp


@pytest.fixture(scope="module")
def demo():
    with DemoServer() as server:
        yield server.url


@pytest.fixture(scope="module")
def pages():
    with PagingServer() as server:
        yield server


# -- 4xx / 5xx bodies ------------------------------------------------------------------

def test_an_error_body_is_printed_pretty_on_stdout_and_the_error_on_stderr(fault):
    body = {"detail": [{"loc": ["body", "age"], "msg": "must be >= 0"}]}
    done = restish("--url", fault.url, "--no-map", "POST", "status/422", f"body=={json.dumps(body)}")
    assert done.returncode == 1
    assert json.loads(done.stdout) == body and done.stdout.startswith(b'{\n  "detail"')  # pretty
    err = done.stderr.decode()
    assert err.count("\n") == 1 and err.startswith(f"restish: POST {fault.url}/status/422") and "must be >= 0" in err


def test_an_error_text_body_is_printed_as_text(fault):
    done = restish("--url", fault.url, "--no-map", "GET", "status/503", "body=down for maintenance", "--retries", "0")
    assert done.returncode == 1 and done.stdout == b"down for maintenance\n"


# -- -v and -p ------------------------------------------------------------------------

def test_verbose_shows_the_request_body_with_secrets_masked(fault):
    done = restish("--url", fault.url, "--no-map", "-v", "--token", TOKEN, "POST", "json", "name=Ann",
                   "password=hunter22")
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert f"> POST {fault.url}/json" in err and "> Authorization: ***" in err
    assert '> {"name": "Ann", "password": "***"}' in err and "hunter22" not in err and TOKEN not in err
    assert "< 200 OK" in err and json.loads(done.stdout)["json"]["password"] == "hunter22"  # sent as given


@pytest.mark.parametrize("letters, present, absent", [
    ("h", ["< 200 OK", "< Content-Type: application/json"], ["> GET", '"method"']),
    ("H", ["> GET ", "> User-Agent: restish/"], ["< 200", '"method"']),
    ("Hb", ["> GET ", '"method": "GET"'], ["< 200"]),
    ("b", ['"method": "GET"'], ["> GET", "< 200"]),
])
def test_print_chooses_the_parts_on_stdout(fault, letters, present, absent):
    done = restish("--url", fault.url, "--no-map", "-p", letters, "GET", "json")
    out = done.stdout.decode()
    assert done.returncode == 0 and done.stderr == b""
    assert all(part in out for part in present), out
    assert not any(part in out for part in absent), out


def test_print_B_shows_the_request_body(fault):
    out = restish("--url", fault.url, "--no-map", "-p", "B", "PUT", "json", "a:=1").stdout.decode()
    assert out == '> {"a": 1}\n\n'


def test_print_letters_are_checked(fault):
    done = restish("--url", fault.url, "--no-map", "-p", "Hx", "GET", "json")
    assert done.returncode == 2 and b"-p/--print 'Hx'" in done.stderr


def test_verbose_escapes_control_characters_a_server_puts_in_headers(fault):
    done = restish("--url", fault.url, "--no-map", "-v", "GET", "with-headers?h=X-Evil:%1B[2Jboom")
    assert done.returncode == 0 and b"\x1b" not in done.stderr
    assert "< X-Evil: \\x1b[2Jboom" in done.stderr.decode()


def test_verbose_says_each_retry(fault):
    key = uuid.uuid4().hex
    ok = restish("--url", fault.url, "--no-map", "-v", "--retries", "2", "GET", f"flaky/{key}", "fail==2")
    err = ok.stderr.decode()
    assert ok.returncode == 0 and fault.hits(key) == 3
    assert err.count(f"restish: retrying GET /flaky/{key}?fail=2 after 503 in ") == 2, err
    key = uuid.uuid4().hex
    failed = restish("--url", fault.url, "--no-map", "-v", "--retries", "1", "GET", f"flaky/{key}", "fail==5")
    err = failed.stderr.decode()
    assert failed.returncode == 1 and err.count("restish: retrying GET") == 1 and fault.hits(key) == 2, err


def test_verbose_after_a_transport_error_shows_what_was_tried(fault):
    done = restish("--url", fault.url, "--no-map", "-v", "--retries", "0", "POST", "drop", "a=1")
    err = done.stderr.decode()
    assert done.returncode == 3
    assert f"> POST {fault.url}/drop" in err and '> {"a": "1"}' in err


# -- --download / -o ----------------------------------------------------------------------

def test_output_file_gets_the_body_and_stdout_nothing(fault, tmp_path):
    target = tmp_path / "blob.bin"
    done = restish("--url", fault.url, "--no-map", "-o", str(target), "GET", "bytes", "n=3000000")
    assert done.returncode == 0 and done.stdout == b""
    assert target.read_bytes() == pattern_bytes(3_000_000)
    assert f"saved 3000000 bytes to {str(target)!r}".encode() in done.stderr and b"[###" not in done.stderr


def test_download_names_the_file_safely_and_never_overwrites(fault, tmp_path):
    disposition = 'h=Content-Disposition: attachment; filename="../../evil.txt"'
    for _ in range(2):
        done = restish("--url", fault.url, "--no-map", "--download", "GET", "with-headers", disposition,
                       "body=hello", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == ["evil-1.txt", "evil.txt"]
    assert (tmp_path / "evil.txt").read_text() == "hello" and not (tmp_path.parent / "evil.txt").exists()


def test_download_without_a_disposition_is_named_after_the_url(fault, tmp_path):
    done = restish("--url", fault.url, "--no-map", "--download", "GET", "bytes", "n=10", "ctype=image/png",
                   cwd=tmp_path)
    assert done.returncode == 0 and os.listdir(tmp_path) == ["bytes.png"]


def test_download_of_an_error_writes_no_file_and_prints_the_body(fault, tmp_path):
    done = restish("--url", fault.url, "--no-map", "-o", str(tmp_path / "x"), "GET", "status/404")
    assert done.returncode == 1 and json.loads(done.stdout)["error"] == "NotFound"
    assert os.listdir(tmp_path) == []


# -- --all -------------------------------------------------------------------------------

def test_all_prints_every_item_of_every_page_once_one_a_line(pages):
    key = uuid.uuid4().hex
    done = restish("--url", pages.url, "--no-map", "--all", "GET", "link", "total==25", "per_page==10",
                   f"key=={key}")
    lines = done.stdout.decode().splitlines()
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in lines] == [{"id": i} for i in range(25)]
    assert pages.hits(key) == 3


def test_all_is_for_get_listings(pages):
    done = restish("--url", pages.url, "--no-map", "--all", "POST", "link")
    assert done.returncode == 2 and b"--all follows the pages of a GET listing" in done.stderr


# -- --session ------------------------------------------------------------------------------

def test_session_keeps_the_login_token_private_and_never_the_password(demo, tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    user = f"s{uuid.uuid4().hex[:8]}"
    first = restish("--url", demo, "--session", "me", "--login", "--user", f"{user}:demo", "POST",
                    f"people/{user}", env=env)
    assert first.returncode == 0, first.stderr
    port = demo.rsplit(":", 1)[1]
    path = tmp_path / "restish" / "sessions" / f"127.0.0.1_{port}" / "me.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    kept = json.loads(path.read_text())
    assert kept["auth"]["kind"] == "maxoauth" and kept["auth"]["username"] == user and kept["auth"]["token"]
    assert "demo" not in path.read_text().replace(demo, "")
    # A later call, with no credentials at all, is authenticated by the session.
    again = out_json(restish("--url", demo, "--session", "me", "GET", f"people/{user}", env=env))
    assert again["username"] == user
    without = restish("--url", demo, "GET", f"people/{user}", env=env)
    assert without.returncode == 1 and b"401" in without.stderr


def test_session_keeps_the_token_a_renewal_brings(tmp_path):
    """The first protected call finds its fresh token expired: the client logs in again
    (the password is in memory for this call only) and tells the session the new token."""
    app = TokenApp()
    expired = []

    def expiring(environ, start_response):
        if environ["PATH_INFO"] == "/things" and not expired:
            expired.append(True)
            app.expire()
        return app(environ, start_response)

    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    with WSGIServer(expiring) as server:
        app.url = server.url
        base = ["--url", server.url, "--no-map", "--session", "s"]
        first = out_json(restish(*base, "--login", "--user", "alice:s3cret-pw", "GET", "things", env=env))
        assert first["user"] == "alice" and app.grants() == ["password", "password"]
        kept = json.loads(next(tmp_path.glob("restish/sessions/*/s.json")).read_text())
        assert kept["auth"] == {"kind": "bearer", "token": "access-2-alice"}
        assert "s3cret-pw" not in json.dumps(kept)
        # The renewed token serves the next call, with no credentials given.
        assert out_json(restish(*base, "GET", "things", env=env))["user"] == "alice"
        assert app.grants() == ["password", "password"]


def test_session_keeps_cookies_per_host(httpbin, tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    base = ["--url", httpbin, "--no-map", "--session", "jar"]
    assert restish(*base, "GET", "cookies/set", "flavour==oat", env=env).returncode == 0
    assert out_json(restish(*base, "GET", "cookies", env=env))["cookies"] == {"flavour": "oat"}
    assert out_json(restish("--url", httpbin, "--no-map", "--session", "other", "GET", "cookies",
                            env=env))["cookies"] == {}


def test_session_names_are_checked(fault, tmp_path):
    done = restish("--url", fault.url, "--no-map", "--session", "../x", "GET", "json",
                   env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert done.returncode == 2 and b"--session '../x'" in done.stderr and os.listdir(tmp_path) == []


# -- --version and argument errors -------------------------------------------------------------

def test_version_is_fast_path():
    code = ("import sys; from restish.cli import main; rc = main(['--version']); "
            "print('LOADED', rc, 'requests' in sys.modules, 'yaml' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    import restish
    assert done.stdout.splitlines() == [f"restish {restish.__version__}", "LOADED 0 False False"]


@pytest.mark.parametrize("args, message", [
    ([], "restish: missing METHOD and PATH, e.g. restish GET people (see restish --help)"),
    (["info"], "restish: missing METHOD before 'info' (one of GET POST PUT PATCH DELETE HEAD OPTIONS), "
               "e.g. restish GET info"),
    (["GET"], "restish: missing PATH after GET, e.g. restish GET people (see restish --help)"),
    (["shel"], "restish: unknown METHOD 'shel': use one of GET POST PUT PATCH DELETE HEAD OPTIONS; "
               "did you mean the subcommand 'restish shell'?"),
])
def test_argument_errors_name_what_is_missing(args, message):
    done = restish(*args)
    assert done.returncode == 2 and done.stderr.decode() == message + "\n"


def test_shell_takes_url_as_an_option(fault):
    done = restish("shell", "--url", fault.url, "--plain", "--no-map")
    assert done.returncode == 0, done.stderr
    assert f"<restish.Client {fault.url} (permissive)>".encode() in done.stdout + done.stderr
