"""The command's request side: httpie's items, stdin bodies, PATH as a URL, --timeout,
--retries, --verify, --form and --no-expand; checked on what the server received."""
import json
import subprocess
import sys
import time
import uuid

import pytest

from cli_run import TOKEN, clean_env, out_json, restish


def echo(fault, *args, **kw):
    """Run ``restish --url FAULT --no-map ARGS`` and return the fault server's /json echo."""
    return out_json(restish("--url", fault.url, "--no-map", *args, **kw))


# -- items -----------------------------------------------------------------------

def test_every_httpie_item_kind_reaches_the_server(fault, tmp_path):
    (tmp_path / "bio.txt").write_text("caf\u00e9 = line\n", encoding="utf-8")
    (tmp_path / "tags.json").write_text('["a", {"b": null}]')
    got = echo(fault, "POST", "json", "name=Ann", "n:=3", "ok:=true", "q==1", "q==x y", "X-Trace:abc",
               f"bio=@{tmp_path / 'bio.txt'}", f"tags:=@{tmp_path / 'tags.json'}", "url=http://x/?a=b")
    assert got["json"] == {"name": "Ann", "n": 3, "ok": True, "bio": "caf\u00e9 = line\n",
                           "tags": ["a", {"b": None}], "url": "http://x/?a=b"}
    assert got["query"] == {"q": ["1", "x y"]} and got["headers"]["X-Trace"] == "abc"
    assert got["headers"]["Content-Type"] == "application/json"


def test_escapes_and_the_longest_separator_win(fault):
    got = echo(fault, "-H", "X-Gone: 1", "POST", "json", "a\\=b=c", "k:=1", "m\\:x=2", "X-Empty;", "X-Gone:")
    assert got["json"] == {"a=b": "c", "k": 1, "m:x": "2"}
    assert got["headers"]["X-Empty"] == ""
    assert "X-Gone" not in got["headers"]  # 'Header:' with no value unsets it, as in httpie


def test_query_verb_fields_are_the_query_even_with_reserved_names(fault):
    got = echo(fault, "GET", "json", "a=1", "timeout=5", "many:=[1, 2]", "data==x")
    assert got["method"] == "GET" and got["body"] == ""
    assert got["query"] == {"a": "1", "timeout": "5", "many": ["1", "2"], "data": "x"}


def test_a_body_field_named_like_an_option_is_refused_before_sending(fault):
    before = fault.hits("/json")
    done = restish("--url", fault.url, "--no-map", "POST", "json", "timeout=5")
    assert done.returncode == 2 and b"'timeout' has the name of a restish option" in done.stderr
    assert fault.hits("/json") == before


def test_upload_item_and_fields_round_trip_through_httpbin(httpbin, tmp_path):
    (tmp_path / "notes.txt").write_text("hello file")
    got = out_json(restish("--url", httpbin, "--no-map", "POST", "post", f"doc@{tmp_path / 'notes.txt'}",
                           "title=T"))
    assert got["files"] == {"doc": "hello file"} and json.loads(got["form"]["json_data"]) == {"title": "T"}


def test_bad_items_name_the_item(fault, tmp_path):
    for item, expected in (("bio=@/no/such.txt", b"cannot read '/no/such.txt' for 'bio=@/no/such.txt'"),
                           ("n:=@/no/such.json", b"cannot read"), ("=x", b"malformed item '=x'"),
                           ("file@", b"needs the path")):
        done = restish("--url", fault.url, "--no-map", "POST", "json", item)
        assert done.returncode == 2 and expected in done.stderr, (item, done.stderr)


# -- stdin -----------------------------------------------------------------------

def test_json_piped_on_stdin_is_the_body_as_is(fault):
    body = b'{"x": 1,   "y": [true]}'
    got = echo(fault, "POST", "json", input=body)
    assert got["body"] == body.decode() and got["headers"]["Content-Type"] == "application/json"


def test_text_piped_on_stdin_goes_as_is_without_a_json_type(fault):
    got = echo(fault, "PUT", "json", "Content-Type:text/plain", input=b"not json\n")
    assert got["body"] == "not json\n" and got["headers"]["Content-Type"] == "text/plain"


def test_data_at_dash_reads_stdin_for_any_verb(fault):
    got = echo(fault, "GET", "json", "--data", "@-", "q==1", input=b'[1, 2]')
    assert got["json"] == [1, 2] and got["query"] == {"q": "1"}


def test_stdin_is_left_alone_with_body_items_or_ignore_stdin(fault):
    assert echo(fault, "POST", "json", "a=1", input=b'{"x": 1}')["json"] == {"a": "1"}
    assert echo(fault, "POST", "json", "--ignore-stdin", input=b'{"x": 1}')["body"] == ""


def test_a_silent_stdin_pipe_is_a_bounded_usage_error(fault):
    before = fault.hits("/json")
    proc = subprocess.Popen([sys.executable, "-m", "restish", "--url", fault.url, "--no-map", "--timeout", "0.5",
                             "POST", "json"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=clean_env())
    try:
        code = proc.wait(timeout=30)  # stdin stays open and silent all along
        err = proc.stderr.read()
    finally:
        proc.kill()
        proc.stdin.close()
        proc.wait(10)
    assert code == 2 and b"stdin is a pipe but nothing came in 0.5 s" in err, err
    assert fault.hits("/json") == before


# -- PATH --------------------------------------------------------------------------

def test_path_carries_a_query(fault):
    got = echo(fault, "GET", "json?x=1&x=2&e=", "y==3")
    assert got["path"] == "/json" and got["query"] == {"x": ["1", "2"], "e": "", "y": "3"}


def test_percent_encoded_segments_are_not_encoded_twice(fault):
    got = echo(fault, "GET", "json/a%20b/c%2Fd")
    assert fault.requests[-1][1] == "/json/a%20b/c%2Fd"
    assert got["path"] == "/json/a%20b/c%2Fd"


def test_a_trailing_slash_is_kept_in_permissive_mode(fault):
    assert echo(fault, "GET", "json/a/")["path"] == "/json/a/"
    assert out_json(restish("GET", f"{fault.url}/json/b/?x=1"))["path"] == "/json/b/"
    assert echo(fault, "GET", "json/c")["path"] == "/json/c"


def test_full_url_without_a_base_url(fault):
    got = out_json(restish("GET", f"{fault.url}/json?x=1", "y==2"))
    assert got["path"] == "/json" and got["query"] == {"x": "1", "y": "2"}


def test_full_url_under_the_base_url_goes_through_the_map(fault, tmp_path):
    (tmp_path / "map.yaml").write_text("/json/{id}:\n  methods: [GET]\n")
    ok = out_json(restish("--url", fault.url, "--resources", str(tmp_path / "map.yaml"), "GET", f"{fault.url}/json/7"))
    assert ok["path"] == "/json/7"
    unknown = restish("--url", fault.url, "--resources", str(tmp_path / "map.yaml"), "GET", f"{fault.url}/jsn/7")
    assert unknown.returncode == 2 and b"did you mean 'json'" in unknown.stderr


def test_full_url_elsewhere_is_permissive_and_gets_no_environment_credentials(fault, httpbin):
    env = {"RESTISH_URL": httpbin, "RESTISH_TOKEN": TOKEN}
    got = out_json(restish("GET", f"{fault.url}/json/any/thing", env=env))
    assert got["path"] == "/json/any/thing" and "Authorization" not in got["headers"]
    # Under RESTISH_URL the token goes as usual; a token given on the command line goes anywhere.
    assert out_json(restish("--no-map", "GET", f"{httpbin}/headers", env=env))["headers"]["Authorization"] \
        == f"Bearer {TOKEN}"
    assert out_json(restish("--token", TOKEN, "GET", f"{fault.url}/json", env=env))["headers"]["Authorization"] \
        == f"Bearer {TOKEN}"


# -- --timeout, --retries, --verify ----------------------------------------------------

def test_timeout_bounds_the_wait(fault):
    before = fault.hits("/slow")
    started = time.monotonic()
    done = restish("--url", fault.url, "--no-map", "--timeout", "0.5", "--retries", "0", "GET", "slow", "seconds=20")
    assert done.returncode == 3 and b"Traceback" not in done.stderr
    assert time.monotonic() - started < 10
    assert fault.hits("/slow") == before + 1  # --retries 0: one try


@pytest.mark.parametrize("retries, code, hits", [("0", 1, 1), ("2", 0, 3)])
def test_retries_sets_the_number_of_tries(fault, retries, code, hits):
    key = uuid.uuid4().hex
    done = restish("--url", fault.url, "--no-map", "--retries", retries, "GET", f"flaky/{key}", "fail==2")
    assert done.returncode == code, done.stderr
    assert fault.hits(key) == hits


@pytest.mark.parametrize("value", ["maybe", "", "0", "/no/such/ca.pem"])
def test_verify_refuses_what_is_not_yes_no_or_a_ca_path(fault, value):
    before = fault.hits("/json")
    done = restish("--url", fault.url, "--no-map", f"--verify={value}", "GET", "json")
    expected = f"--verify: use yes, no, or an existing CA bundle file or directory, not {value!r}".encode()
    assert done.returncode == 2 and expected in done.stderr, done.stderr
    assert fault.hits("/json") == before


def test_verify_no_and_a_ca_path_are_accepted(fault, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("")  # an existing file: checked when an https URL is called, not used for http
    for value in ("no", "yes", str(ca)):
        assert echo(fault, "--verify", value, "GET", "json")["method"] == "GET"


@pytest.mark.parametrize("option, value, expected", [
    ("--timeout", "0", "must be a positive number of seconds, not '0'"),
    ("--timeout", "inf", "must be a positive number of seconds, not 'inf'"),
    ("--timeout", "soon", "not a number of seconds: 'soon'"),
    ("--retries", "-1", "must be a whole number (0 or more), not '-1'"),
    ("--retries", "many", "must be a whole number (0 or more), not 'many'"),
])
def test_bad_timeout_and_retries_are_usage_errors(fault, option, value, expected):
    before = fault.hits("/json")
    done = restish("--url", fault.url, "--no-map", f"{option}={value}", "GET", "json")
    assert done.returncode == 2 and f"{option}: {expected}".encode() in done.stderr, done.stderr
    assert done.stderr.count(b"\n") == 1 and fault.hits("/json") == before


# -- --form, --no-expand -----------------------------------------------------------------

def test_form_sends_fields_urlencoded(fault):
    got = echo(fault, "--form", "POST", "json", "a=1", "b=x y", "n:=2", "ok:=true", "many:=[1, 2]")
    assert got["body"] == "a=1&b=x+y&n=2&ok=true&many=1&many=2"
    assert got["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_form_with_files_sends_plain_multipart_fields(httpbin, tmp_path):
    (tmp_path / "notes.txt").write_text("hello file")
    got = out_json(restish("--url", httpbin, "--no-map", "--form", "POST", "post", f"doc@{tmp_path / 'notes.txt'}",
                           "title=T", "n:=2"))
    assert got["files"] == {"doc": "hello file"} and got["form"] == {"title": "T", "n": "2"}


def test_form_with_a_piped_body_sends_it_as_a_form(fault):
    got = echo(fault, "--form", "POST", "json", input=b"a=1&b=2")
    assert got["body"] == "a=1&b=2" and got["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_no_expand_and_expand(fault, tmp_path):
    (tmp_path / "map.yaml").write_text("/json:\n  methods: [POST]\n")
    base = ["--url", fault.url, "--resources", str(tmp_path / "map.yaml"), "POST", "json", "object_content=x"]
    assert out_json(restish(*base))["json"] == {"object": {"content": "x"}}
    assert out_json(restish(*base, "--no-expand"))["json"] == {"object_content": "x"}
    assert out_json(restish(*base[:2], "--no-map", *base[4:], "--expand"))["json"] == {"object": {"content": "x"}}
