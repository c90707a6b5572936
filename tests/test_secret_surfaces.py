"""Secrets on secondary surfaces: pickles, urllib3's log lines, echoed passwords, chained errors."""
import base64
import copy
import gc
import pickle
import subprocess
import sys

import pytest
import requests

import restish
from restish.auth import Basic, Bearer, Headers, MaxOAuth

SECRET = "s3cr3t-pickle-value"


def _session_with_auth():
    session = requests.Session()
    session.auth = ("ann", SECRET)
    return session


KINDS = {
    "Basic": lambda url: restish.Client(url, resources=None, retries=0, auth=Basic("ann", SECRET)),
    "Bearer": lambda url: restish.Client(url, resources=None, retries=0, auth=Bearer(SECRET)),
    "Headers": lambda url: restish.Client(url, resources=None, retries=0, auth=Headers({"X-Api-Key": SECRET})),
    "MaxOAuth": lambda url: restish.Client(url, resources=None, retries=0, auth=MaxOAuth("ann", SECRET)),
    "tuple": lambda url: restish.Client(url, resources=None, retries=0, auth=("ann", SECRET)),
    "URL user info": lambda url: restish.Client(url.replace("://", f"://ann:{SECRET}@"), resources=None, retries=0),
    "secret header": lambda url: restish.Client(url, resources=None, retries=0, headers={"X-Api-Key": SECRET}),
    "session auth": lambda url: restish.Client(url, resources=None, retries=0, session=_session_with_auth()),
}


def sent(answer):
    """What the server received that may carry the secret."""
    headers = {k.lower(): v for k, v in answer["headers"].items()}
    return headers.get("authorization", "") + headers.get("x-api-key", "") + headers.get("x-oauth-token", "")


def holds_secret(data: bytes, secret: str = SECRET) -> bool:
    return secret.encode() in data or base64.b64encode(f"ann:{secret}".encode()) in data


@pytest.mark.parametrize("kind", KINDS)
def test_a_pickled_client_holds_no_secret_and_works_in_this_process(fault, kind):
    api = KINDS[kind](fault.url)
    expected = sent(api.json.get())
    assert SECRET in expected or base64.b64encode(f"ann:{SECRET}".encode()).decode() in expected
    data = pickle.dumps(api)
    assert not holds_secret(data), kind
    for again in (pickle.loads(data), copy.deepcopy(api)):
        assert sent(again.json.get()) == expected  # the same credentials, from this process
        again.close()
    api.close()


def test_a_restored_client_keeps_the_token_login_installed(tokens):
    api = restish.Client(tokens.url, resources=None, retries=0)
    token = api.login("alice", "s3cret-pw", token_url=tokens.url + "/token")
    data = pickle.dumps(api)
    assert token.encode() not in data and b"s3cret-pw" not in data
    again = pickle.loads(data)
    assert again.things.get()["user"] == "alice"  # still logged in: it was silently logged out
    assert tokens.requests[-1][2]["Authorization"] == f"Bearer {token}"


def test_away_from_its_credentials_a_restored_client_says_so(fault):
    api = KINDS["Bearer"](fault.url)
    data = pickle.dumps(api)
    script = ("import pickle, sys, restish\n"
              "api = pickle.loads(sys.stdin.buffer.read())\n"
              "try:\n    api.json.get()\nexcept restish.LoginError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", script], input=data, capture_output=True, timeout=60)
    assert b"unpickled where its credentials are not" in done.stdout, done.stderr
    hits = fault.hits("/json")
    del api
    gc.collect()
    again = pickle.loads(data)  # the original is gone: so are its credentials
    with pytest.raises(restish.LoginError, match=r"^GET http://127\.0\.0\.1:\d+/json: this client was unpickled"):
        again.json.get()
    assert fault.hits("/json") == hits  # nothing went out without its auth


def test_a_client_without_secrets_restores_anywhere(fault):
    api = restish.Client(fault.url, resources=None, retries=0, headers={"X-Trace": "1"})
    again = pickle.loads(pickle.dumps(api))
    del api
    gc.collect()
    assert again.json.get()["headers"]["X-Trace"] == "1"


def test_urllib3_debug_lines_are_redacted(fault, caplog):
    import logging
    api = restish.Client(fault.url, resources=None, retries=restish.retry.Retry(1, backoff_factor=0))
    with caplog.at_level(logging.DEBUG):
        api.json.get(qs={"access_token": SECRET, "page": 2})
        with pytest.raises(restish.ServiceUnavailable):
            api.flaky["pickle-log"].get(qs={"fail": 5, "api_key": SECRET})
    api.close()
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert any("access_token=***" in line for line in lines) and any("Retry" in line for line in lines)
    assert not [line for line in lines if SECRET in line]


def test_a_basic_password_the_server_echoes_is_masked(fault):
    api = restish.Client(fault.url, resources=None, retries=0, auth=Basic("ann", SECRET))
    with pytest.raises(restish.BadRequest) as info:
        api.status["400"].get(qs={"body": f"bad password {SECRET} for ann"})
    assert SECRET not in str(info.value) and SECRET not in info.value.description
    assert "bad password *** for ann" in str(info.value)


def test_a_login_error_holds_no_request_in_its_chain(tokens):
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/token"
    api = restish.Client(tokens.url, resources=None, retries=0)
    with pytest.raises(restish.LoginError) as info:
        api.login("alice", SECRET, token_url=closed)
    seen, error = [], info.value
    while error is not None and len(seen) < 20:
        seen.append(error)
        error = error.__cause__ or error.__context__
    for error in seen:
        assert getattr(error, "request", None) is None and SECRET not in repr(vars(error))


@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_the_login_password_never_follows_a_redirect_off_its_origin(fault, code):
    from urllib.parse import quote
    away = fault.url.replace("127.0.0.1", "localhost") + f"/json/away-{code}"
    api = restish.Client(fault.url, resources=None, retries=0)
    with pytest.raises(restish.LoginError) as info:
        api.login("ann", SECRET, token_url=f"{fault.url}/redirect?status={code}&to={quote(away)}")
    assert SECRET not in str(info.value)
    assert fault.hits(f"/json/away-{code}") == 0  # the form, password and all, never went there


def test_an_https_api_never_sends_the_password_to_a_plain_http_token_endpoint(tls_fault, fault):
    api = restish.Client(tls_fault.url, resources=None, retries=0, verify=tls_fault.ca_path)
    with pytest.raises(restish.LoginError, match="plain http"):
        api.login("ann", SECRET, token_url=f"{fault.url}/json/token-in-clear")
    assert fault.hits("/json/token-in-clear") == 0
