"""Every Client argument is checked when the client is built; verify= never turns TLS off by accident."""
import pytest
import requests

import restish
from test_cli import restish as run


@pytest.mark.parametrize("verify", ["", 0, 0.0, (), [], "false", "no", 1, "/no/such/ca-bundle.pem"])
def test_a_verify_that_is_not_true_false_or_a_bundle_is_refused(verify):
    with pytest.raises(restish.InvalidValue, match=r"Client\(verify=...\)"):
        restish.Client("https://h", resources=None, verify=verify)


def test_verify_accepts_a_bundle_file_or_directory(tls_fault, tmp_path):
    for verify in (tls_fault.ca_path, str(tmp_path), False, True, None):
        restish.Client("https://h", resources=None, verify=verify).close()
    with restish.Client(tls_fault.url, resources=None, retries=0, verify=tls_fault.ca_path) as api:
        assert api.json.get()["method"] == "GET"


def test_a_session_keeps_its_own_verify_unless_verify_is_given(tls_fault):
    session = requests.Session()
    session.verify = tls_fault.ca_path   # trusts the test CA, which the system bundle does not
    with restish.Client(tls_fault.url, resources=None, retries=0, session=session) as api:
        assert api.json.get()["path"] == "/json"
    with restish.Client(tls_fault.url, resources=None, retries=0, session=session, verify=True) as api:
        with pytest.raises(restish.ConnectionError, match="TLS error"):
            api.json.get()  # verify= given: the system bundle, which does not know the test CA


def test_a_missing_ca_bundle_variable_is_an_invalid_value_naming_the_call(tls_fault, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/no/such/bundle.pem")
    with restish.Client(tls_fault.url, resources=None, retries=0) as api:
        with pytest.raises(restish.InvalidValue, match=r"^GET /json: the CA bundle '/no/such/bundle.pem'"):
            api.json.get()
    done = run("--url", tls_fault.url, "--no-map", "GET", "json", env={"REQUESTS_CA_BUNDLE": "/no/such/bundle.pem"})
    assert done.returncode == 2 and b"Traceback" not in done.stderr and b"/no/such/bundle.pem" in done.stderr


@pytest.mark.parametrize("kwargs, words", [
    ({"auth": "tok"}, "auth=...) must be a requests auth object"),
    ({"auth": 5}, "auth=...) must be a requests auth object"),
    ({"headers": [("X-A", "1")]}, "headers=...) must be a mapping"),
    ({"headers": {"X-A\n": "1"}}, "not a valid header name"),
    ({"session": "s"}, "session=...) must be a requests.Session"),
    ({"timeout": float("inf")}, "timeout must be a positive number"),
    ({"timeout": (1, float("inf"))}, "timeout must be a positive number"),
    ({"timeout": float("nan")}, "timeout must be a positive number"),
    ({"app": "not an app"}, "app=...) must be callable"),
    ({"on_token": 3}, "on_token=...) must be callable"),
    ({"expand": "yes"}, "expand=...) must be True, False or None"),
    ({"retries": -1}, "retries must be a count"),
])
def test_a_wrong_argument_is_an_invalid_value_when_the_client_is_built(kwargs, words):
    with pytest.raises(restish.InvalidValue) as info:
        restish.Client("http://h", resources=None, **kwargs)
    assert words in str(info.value)
    assert "tok" not in str(info.value).replace("token", "")  # an auth value is never shown


def test_a_headers_auth_name_with_a_line_break_is_refused_when_built():
    with pytest.raises(restish.InvalidValue, match=r"Headers auth: header 'X-Key\\n': not a valid header name"):
        restish.auth.Headers({"X-Key\n": "secret-value"})
