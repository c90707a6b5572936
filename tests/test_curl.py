"""restish.to_curl: a ready-to-paste command, secrets shown as ***."""
import json
import shlex
import shutil
import subprocess

import pytest
import requests
from requests_toolbelt import MultipartEncoder

import restish
from restish.auth import Basic, Bearer, Headers, MaxOAuth

SECRET = "Zq9-curl-secret"


def client(url, **kw):
    return restish.Client(url, resources=None, retries=0, **kw)


def test_the_command_line_shape(httpbin):
    api = client(httpbin, headers={"X-Trace": "it's"})
    command = restish.to_curl(api.anything["a b"].prepare("post", name="O'Neil", qs={"x": "1 2"}))
    words = shlex.split(command)
    assert words[:3] == ["curl", "-X", "POST"]
    assert words[-1] == f"{httpbin}/anything/a%20b?x=1+2"
    assert "--compressed" in words
    headers = [words[i + 1] for i, w in enumerate(words) if w == "-H"]
    assert "X-Trace: it's" in headers and "Content-Type: application/json" in headers
    assert not [h for h in headers if h.lower().startswith(("content-length", "accept-encoding"))]
    assert json.loads(words[words.index("--data-binary") + 1]) == {"name": "O'Neil"}


@pytest.mark.skipif(shutil.which("curl") is None, reason="no curl here")
def test_pasted_into_a_shell_it_sends_what_restish_sends(httpbin):
    api = client(httpbin, headers={"X-Trace": "it's"})
    prepared = api.anything["a b"].prepare("put", name="O'Neil", nested_list=[1, 2], qs={"x": "1 2"})
    ran = subprocess.run(restish.to_curl(prepared), shell=True, capture_output=True, timeout=30, check=True)
    by_curl = json.loads(ran.stdout)
    by_restish = api.anything["a b"].put(name="O'Neil", nested_list=[1, 2], qs={"x": "1 2"})
    for key in ("method", "url", "args", "json"):
        assert by_curl[key] == by_restish[key]
    for name in ("Content-Type", "X-Trace", "User-Agent"):
        assert by_curl["headers"][name] == by_restish["headers"][name]


def test_head_uses_curl_head():
    prepared = client("http://h.example").things.prepare("head")
    assert shlex.split(restish.to_curl(prepared))[:2] == ["curl", "--head"]


@pytest.mark.parametrize("auth", [Basic("bob", SECRET), Bearer(SECRET), Headers({"X-Tenant-Key": SECRET}),
                                  MaxOAuth("bob", SECRET)], ids=repr)
def test_every_auth_kind_is_masked(auth):
    prepared = client("http://h.example", auth=auth).things.prepare("get")
    command = restish.to_curl(prepared)
    sent = [v for k, v in prepared.headers.items() if k in ("Authorization", "X-Tenant-Key", "X-Oauth-Token")]
    assert sent and not [v for v in sent if v in command] and SECRET not in command
    assert "***" in command


def test_url_credentials_secret_params_and_fields_are_masked():
    api = client("http://user:pw-in-url@h.example")
    prepared = api.things.prepare("post", password=SECRET, user="bob", qs={"access_token": SECRET, "page": 2})
    command = restish.to_curl(prepared)
    assert SECRET not in command and "pw-in-url" not in command
    words = shlex.split(command)
    # The client sends URL credentials as Basic auth and keeps them out of its URLs.
    assert words[-1] == "http://h.example/things?access_token=***&page=2"
    assert "Authorization: ***" in words
    assert json.loads(words[words.index("--data-binary") + 1]) == {"password": "***", "user": "bob"}
    # A request that still holds user info in its URL (plain requests) shows it masked.
    plain = requests.Request("GET", "http://user:pw-in-url@h.example/x").prepare()
    assert shlex.split(restish.to_curl(plain))[-1] == "http://***@h.example/x"


def test_form_bodies_are_masked():
    prepared = requests.Request("POST", "http://h.example/token",
                                data={"grant_type": "password", "password": SECRET}).prepare()
    assert "--data-binary 'grant_type=password&password=***'" in restish.to_curl(prepared)


def test_multipart_and_binary_bodies_are_placeholders():
    encoder = MultipartEncoder({"file": ("a.bin", b"\x00" * 10, "application/octet-stream")})
    prepared = requests.Request("POST", "http://h.example/up", data=encoder,
                                headers={"Content-Type": encoder.content_type}).prepare()
    words = shlex.split(restish.to_curl(prepared))
    body = words[words.index("--data-binary") + 1]
    assert body == f"<multipart/form-data body, {encoder.len} bytes, not shown>"
    prepared = client("http://h.example").things.prepare("post", data=b"\xff\xfe")
    assert "<binary body, 2 bytes, not shown>" in restish.to_curl(prepared)
