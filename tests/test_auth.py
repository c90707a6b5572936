"""Auth kinds, login, token renewal, and secrets kept out of everything a human reads."""
import io
import logging
import os
import pickle
import subprocess
import sys
import threading

import pytest
import requests

import restish
from restish.auth import Basic, Bearer, Headers, MaxOAuth
from servers import WSGIServer
from token_server import TokenApp

PASSWORD = "s3cret-pw"


@pytest.fixture
def refreshing():
    """A token server that also issues refresh tokens."""
    app = TokenApp(refresh=True)
    with WSGIServer(app) as server:
        app.url = server.url
        yield app


def client(url, **kw):
    return restish.Client(url, resources=None, retries=0, **kw)


# -- the auth kinds on the wire -----------------------------------------------


def test_basic_auth_against_httpbin(httpbin):
    api = client(httpbin, auth=Basic("bob", "pa55"))
    assert api["basic-auth"]["bob"]["pa55"].get() == {"authenticated": True, "user": "bob"}
    wrong = client(httpbin, auth=Basic("bob", "nope"))
    with pytest.raises(restish.Unauthorized):
        wrong["basic-auth"]["bob"]["pa55"].get()


def test_bearer_against_httpbin(httpbin):
    assert client(httpbin, auth=Bearer("tok-1")).bearer.get() == {"authenticated": True, "token": "tok-1"}
    with pytest.raises(restish.Unauthorized):
        client(httpbin).bearer.get()


def test_headers_and_maxoauth_headers_are_sent(httpbin):
    echo = client(httpbin, auth=Headers({"X-Api-Key": "k1", "X-Tenant": "t"})).anything.get()
    assert echo["headers"]["X-Api-Key"] == "k1" and echo["headers"]["X-Tenant"] == "t"
    echo = client(httpbin, auth=MaxOAuth("alice", "tok-2")).anything.get()
    assert {k: echo["headers"][k] for k in ("X-Oauth-Token", "X-Oauth-Username", "X-Oauth-Scope")} == {
        "X-Oauth-Token": "tok-2", "X-Oauth-Username": "alice", "X-Oauth-Scope": "widgetcli"}


def test_any_requests_authbase_works(httpbin):
    class Signed(requests.auth.AuthBase):
        def __call__(self, r):
            r.headers["X-Signature"] = "sig"
            return r

    assert client(httpbin, auth=Signed()).anything.get()["headers"]["X-Signature"] == "sig"
    api = client(httpbin, auth=requests.auth.HTTPBasicAuth("u", "p"))
    assert api["basic-auth"]["u"]["p"].get()["authenticated"] is True


def test_restish_auth_needs_no_import_of_its_own():
    script = "import restish; print(restish.auth.Bearer('t'), restish.retry.Retry(2).total)"
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert ran.stdout.split() == ["<Bearer", "***>", "2"], ran.stderr


# -- login ------------------------------------------------------------------


def test_login_installs_maxoauth_with_the_bundled_map_and_returns_the_token(tokens):
    told = []
    api = restish.Client(tokens.url, retries=0, on_token=told.append)   # the bundled (MAX) map
    token = api.login("alice", PASSWORD, token_url=tokens.url + "/token")
    assert token == "access-1-alice" and told == [token]
    assert isinstance(api.auth, MaxOAuth) and api.auth.username == "alice"
    assert client(tokens.url, auth=api.auth).things.get()["user"] == "alice"
    form = tokens.requests[0][3]
    assert form == {"grant_type": "password", "username": "alice", "password": PASSWORD, "scope": "widgetcli"}


def test_login_installs_bearer_on_a_client_of_another_map(tokens):
    api = client(tokens.url)   # permissive; an OpenAPI or hand-written map alike
    token = api.login("alice", PASSWORD, token_url=tokens.url + "/token")
    assert isinstance(api.auth, Bearer) and api.auth.token == token
    assert api.things.get()["user"] == "alice"
    assert tokens.requests[-1][2]["Authorization"] == f"Bearer {token}"   # what the server received
    assert tokens.requests[0][3] == {"grant_type": "password", "username": "alice", "password": PASSWORD}


def test_login_refuses_a_plain_http_token_endpoint_for_an_https_api(tokens):
    with pytest.raises(restish.LoginError, match="plain http while the API is https"):
        client("https://api.invalid").login("alice", PASSWORD, token_url=tokens.url + "/token")
    assert tokens.hits("/token") == 0


def test_login_discovers_the_token_url_through_info_without_auth(tokens):
    api = client(tokens.url, auth=Bearer("old-token"))
    token = api.login("alice", PASSWORD)
    method, path, headers, _ = tokens.requests[0]
    assert (method, path) == ("GET", "/info") and "Authorization" not in headers
    assert tokens.grants() == ["password"]
    # The client held a Bearer: it keeps that kind, with the new token.
    assert isinstance(api.auth, Bearer) and api.auth.token == token
    assert api.things.get()["user"] == "alice"


def test_login_without_info_asks_for_token_url(httpbin):
    with pytest.raises(restish.LoginError, match="token_url="):
        client(httpbin).login("alice", PASSWORD)


def test_refused_login_names_server_and_user_never_the_password(tokens):
    api = client(tokens.url)
    with pytest.raises(restish.LoginError) as info:
        api.login("alice", "wrong-" + PASSWORD)
    message = str(info.value)
    assert "'alice'" in message and tokens.url + "/token" in message and "refused" in message
    assert PASSWORD not in message and info.value.__cause__ is None
    assert api.auth is None and api._grant is None


@pytest.mark.parametrize("mode, words", [("html", "text/html"), ("500", "500")])
def test_broken_token_endpoint_is_a_clear_login_error(tokens, mode, words):
    tokens.mode = mode
    with pytest.raises(restish.LoginError, match=words) as info:
        client(tokens.url).login("alice", PASSWORD)
    assert "'alice'" in str(info.value) and PASSWORD not in str(info.value)


def test_unreachable_token_endpoint_is_a_login_error(tokens):
    with pytest.raises(restish.LoginError, match="connection failed"):
        client(tokens.url).login("alice", PASSWORD, token_url="http://127.0.0.1:9/token")


def test_login_without_a_terminal_raises(tokens, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("alice\n"))
    with pytest.raises(restish.LoginError, match="username.*not a TTY"):
        client(tokens.url).login()
    with pytest.raises(restish.LoginError, match="password.*not a TTY"):
        client(tokens.url).login("alice")


def on_a_terminal(script, prompts):
    """Run ``script`` on a pseudo-terminal, answering each ``(prompt, reply)``: ``(the word it
    printed after OUT, everything it printed after that)``."""
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(sys.executable, ["-c", script], timeout=20, encoding="utf-8")
    try:
        for prompt, reply in prompts:
            child.expect(prompt)
            child.sendline(reply)
        child.expect("OUT (\\S+)")
        out = child.match.group(1)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return out, child.before


def test_login_asks_on_a_terminal(tokens):
    script = (f"import restish; api = restish.Client({tokens.url!r}, resources=None); "
              "print('OUT', api.login())")
    token, rest = on_a_terminal(script, [("Username: ", "alice"), ("Password for alice: ", PASSWORD)])
    assert token == "access-1-alice"
    assert PASSWORD not in rest  # getpass did not echo it


def test_login_against_the_demo_api():
    demo = pytest.importorskip("restish.demo")
    with WSGIServer(demo.make_app()) as server:
        api = client(server.url)
        with pytest.raises(restish.Unauthorized):
            api.people.get()
        token = api.login("alice", "demo")
        assert token and isinstance(api.auth, Bearer)
        api.people.get()  # the demo accepts the token as a Bearer
        bundled = restish.Client(server.url)
        bundled.login("alice", "demo")
        assert isinstance(bundled.auth, MaxOAuth) and bundled.people.get() is not None
        with pytest.raises(restish.LoginError, match="'alice'"):
            client(server.url).login("alice", "not-demo")


# -- renewal ----------------------------------------------------------------


def test_401_renews_with_the_password_grant_and_retries_once(tokens):
    told = []
    api = client(tokens.url, on_token=told.append)
    api.login("alice", PASSWORD)
    tokens.expire()
    assert api.things.post(n=1)["body"] == '{"n": 1}'  # the body went again
    assert tokens.grants() == ["password", "password"]
    assert told == ["access-1-alice", "access-2-alice"]
    assert tokens.hits("/things") == 2


def test_401_renews_with_the_refresh_token_and_forgets_the_password(refreshing):
    api = client(refreshing.url)
    api.login("alice", PASSWORD)
    assert api._grant._password is None
    refreshing.expire()
    assert api.things.get()["user"] == "alice"
    assert refreshing.grants() == ["password", "refresh_token"]
    assert PASSWORD not in repr(api._grant) and "refresh-" not in repr(api._grant)


def test_failed_refresh_surfaces_the_original_401_without_a_loop(refreshing, caplog):
    api = client(refreshing.url)
    api.login("alice", PASSWORD)
    refreshing.expire()
    refreshing.revoke_refresh()
    with caplog.at_level(logging.WARNING, logger="restish"), pytest.raises(restish.Unauthorized) as info:
        api.things.get()
    assert info.value.error == "InvalidOAuthCredentials"
    assert refreshing.grants() == ["password", "refresh_token"]
    assert refreshing.hits("/things") == 1
    assert "token renewal as 'alice'" in caplog.text and "refused" in caplog.text


def test_a_renewed_upload_is_sent_again_whole(tokens):
    api = client(tokens.url)
    api.login("alice", PASSWORD)
    tokens.expire()
    body = api.things.post(upload_file=("a.txt", io.BytesIO(b"upload-content" * 1000)), note="n")["body"]
    assert body.count("upload-content") == 1000 and '"note": "n"' in body
    assert tokens.grants() == ["password", "password"] and tokens.hits("/things") == 2


def test_an_upload_from_a_pipe_is_never_sent_twice(tokens):
    api = client(tokens.url)
    api.login("alice", PASSWORD)
    tokens.expire()
    read_end, write_end = os.pipe()
    os.write(write_end, b"piped" * 100)
    os.close(write_end)
    with open(read_end, "rb") as pipe, pytest.raises(restish.Unauthorized):
        api.things.post(upload_file=("p.bin", pipe))
    assert tokens.hits("/things") == 1 and tokens.grants() == ["password"]


def test_no_login_means_no_renewal(tokens):
    api = client(tokens.url, auth=MaxOAuth("alice", "stale"))
    with pytest.raises(restish.Unauthorized):
        api.things.get()
    assert tokens.hits("/things") == 1 and tokens.grants() == []


def test_a_renewed_request_that_fails_again_is_not_retried_again(tokens):
    api = client(tokens.url)
    api.login("alice", PASSWORD)
    tokens.expire()
    tokens.users["alice"] = "changed"  # the kept password no longer works
    with pytest.raises(restish.Unauthorized):
        api.things.get()
    assert tokens.grants() == ["password", "password"] and tokens.hits("/things") == 1


def test_concurrent_401s_renew_once(tokens):
    api = client(tokens.url)
    api.login("alice", PASSWORD)
    tokens.expire()
    barrier = threading.Barrier(6)
    results, errors = [], []

    def call():
        barrier.wait(5)
        try:
            results.append(api.things.get()["user"])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == [] and results == ["alice"] * 6
    assert tokens.grants() == ["password", "password"]


# -- secrets ------------------------------------------------------------------

SECRET = "Zq9-very-secret-value"
AUTHS = {
    "Basic": lambda: Basic("bob", SECRET),
    "Bearer": lambda: Bearer(SECRET),
    "Headers": lambda: Headers({"X-Tenant-Key": SECRET}),
    "MaxOAuth": lambda: MaxOAuth("bob", SECRET),
}


@pytest.fixture
def everything_logged(caplog):
    """Capture restish's logs with bodies on; return a function giving all their text."""
    bodies = logging.getLogger("restish.bodies")
    bodies.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="restish")
    yield lambda: "\n".join(record.getMessage() for record in caplog.records)
    bodies.setLevel(logging.NOTSET)


@pytest.mark.parametrize("kind", sorted(AUTHS))
def test_no_secret_in_reprs_messages_logs_or_curl(kind, fault, everything_logged):
    auth = AUTHS[kind]()
    api = client(fault.url, auth=auth)
    with pytest.raises(restish.Unauthorized) as info:
        api.status["401"].get()
    seen = [repr(auth), repr(api), str(info.value), repr(info.value), everything_logged(),
            restish.to_curl(api.json.prepare("post", a=1))]
    assert "***" in seen[0] and "***" in seen[-1]
    sent = fault.requests[-1][2]
    on_the_wire = [v for k, v in sent.items() if k in ("Authorization", "X-Tenant-Key", "X-Oauth-Token")]
    assert len(on_the_wire) == 1 and SECRET in on_the_wire[0] or kind == "Basic"
    for secret in (SECRET, *on_the_wire):
        assert not [text for text in seen if secret in text]


def test_no_password_or_token_in_login_reprs_messages_or_logs(tokens, everything_logged):
    api = client(tokens.url)
    token = api.login("alice", PASSWORD)
    with pytest.raises(restish.LoginError) as info:
        client(tokens.url).login("alice", PASSWORD + "-wrong")
    tokens.expire()
    api.things.get()  # renews: the password goes out once more
    seen = [repr(api), repr(api.auth), repr(api._grant), str(info.value), everything_logged(),
            restish.to_curl(api.things.prepare("get"))]
    assert "grant_type=password" in seen[4]  # the token requests were logged, bodies and all
    for secret in (PASSWORD, token, api.auth.token):
        assert not [text for text in seen if secret in text]


# -- header values HTTP cannot carry -----------------------------------------------

TOKEN = "Zq9-secret"
BAD_VALUES = {"line break": TOKEN + "\n", "inner line break": TOKEN + "\r\nX-Evil: 1",
              "not Latin-1": TOKEN + "\u20ac"}
HEADER_AUTHS = {
    "Bearer": (lambda v: Bearer(v), "Authorization"),
    "MaxOAuth": (lambda v: MaxOAuth("bob", v), "X-Oauth-Token"),
    "Headers": (lambda v: Headers({"X-Tenant-Key": v}), "X-Tenant-Key"),
}


@pytest.mark.parametrize("bad", sorted(BAD_VALUES))
@pytest.mark.parametrize("kind", sorted(HEADER_AUTHS))
def test_an_auth_header_http_cannot_carry_is_an_invalid_value(kind, bad, fault):
    make, header = HEADER_AUTHS[kind]
    before = fault.hits("/json")
    with pytest.raises(restish.InvalidValue) as info:
        client(fault.url, auth=make(BAD_VALUES[bad])).json.get()
    message = str(info.value)
    # Checked once, when the auth is built: no verb or URL to name yet.
    assert message.startswith(f"{kind} auth: header {header!r}: its value"), message
    assert TOKEN not in message and TOKEN not in repr(info.value) and info.value.__cause__ is None
    assert fault.hits("/json") == before  # refused before anything was sent


def test_basic_auth_outside_latin1_is_an_invalid_value(fault):
    with pytest.raises(restish.InvalidValue, match="Basic auth: a credential has characters outside Latin-1") as info:
        client(fault.url, auth=Basic("bob", TOKEN + "\u20ac")).json.get()
    assert TOKEN not in str(info.value) and info.value.__cause__ is None and info.value.__suppress_context__
    with pytest.raises(restish.InvalidValue, match="Basic auth"):
        client(fault.url, auth=("b\u00f8b\u20ac", "pw")).json.get()  # a requests tuple too
    # Basic base64-encodes its credentials: a line break or Latin-1 in them travels fine.
    echo = client(fault.url, auth=Basic("b\u00f8b", TOKEN + "\n")).json.get()
    assert echo["headers"]["Authorization"].startswith("Basic ")


@pytest.mark.parametrize("auth", [None, Headers({"X-Tenant": "t1"}), MaxOAuth("bob", "old-token")])
def test_a_user_name_no_header_can_carry_is_refused_before_the_password_is_sent(tokens, auth):
    tokens.users[" alice"] = PASSWORD  # MaxOAuth sends the user name in a header: no leading space there
    # Without auth, the bundled map's client is the one that gets MaxOAuth headers.
    api = restish.Client(tokens.url, retries=0, auth=auth) if auth is None else client(tokens.url, auth=auth)
    refused = "^login at .*/token: MaxOAuth auth: header 'X-Oauth-Username'"
    with pytest.raises(restish.InvalidValue, match=refused) as info:
        api.login(" alice", PASSWORD)
    assert PASSWORD not in str(info.value) and api.auth is auth and api._grant is None
    assert tokens.hits("/token") == 0  # the password never left


@pytest.mark.parametrize("make, kind, header", [
    (lambda: MaxOAuth(None, TOKEN), "MaxOAuth", "X-Oauth-Username"),
    (lambda: MaxOAuth("bob", None), "MaxOAuth", "X-Oauth-Token"),
    (lambda: MaxOAuth("bob", TOKEN, scope=None), "MaxOAuth", "X-Oauth-Scope"),
    (lambda: Headers({"X-Key": None}), "Headers", "X-Key"),
    (lambda: Headers({"X-Key": 42}), "Headers", "X-Key"),
    (lambda: Bearer(None), "Bearer", "Authorization"),
    (lambda: Bearer(b"token"), "Bearer", "Authorization"),
])
def test_none_is_no_auth_header_value(make, kind, header):
    """None removes a header in Client(headers=); in auth it is a missing credential, refused when built."""
    with pytest.raises(restish.InvalidValue, match=rf"^{kind} auth: header {header!r}: .*must be a str") as info:
        make()
    assert TOKEN not in str(info.value)


def test_setting_a_bearer_token_to_none_keeps_the_old_one():
    auth = Bearer(TOKEN)
    with pytest.raises(restish.InvalidValue, match="^Bearer auth: header 'Authorization'"):
        auth.token = None
    assert auth.token == TOKEN


def test_a_subclass_of_restish_auth_is_checked_at_every_call(fault):
    class Stamped(Bearer):  # restish trusts its own classes' values, not a subclass's own __call__
        def __call__(self, r):
            r.headers["X-Signature"] = TOKEN + "\n"
            return super().__call__(r)

    with pytest.raises(restish.InvalidValue, match=r"Stamped auth: header 'X-Signature': its value") as info:
        client(fault.url, auth=Stamped(TOKEN)).json.get()
    assert str(info.value).startswith(f"GET {fault.url}/json: ") and TOKEN not in str(info.value)


def test_a_custom_authbase_setting_a_bad_header_is_caught_too(fault):
    class Signer(requests.auth.AuthBase):
        def __call__(self, r):
            r.headers["X-Signature"] = TOKEN + "\n"
            return r

    with pytest.raises(restish.InvalidValue, match=r"Signer auth: header 'X-Signature': its value has a line break") as info:
        client(fault.url, auth=Signer()).json.prepare("get")
    assert TOKEN not in str(info.value)


def test_a_token_endpoint_answering_an_unsendable_token_is_a_login_error(tokens):
    tokens.mode = "bad-token"
    api = client(tokens.url)
    with pytest.raises(restish.LoginError, match="cannot be sent in an HTTP header"):
        api.login("alice", PASSWORD)
    assert api.auth is None and api._grant is None


# -- secrets echoed by the token endpoint ------------------------------------------

ODD_PASSWORD = 'p@ss w&rd!"\u00e9/+'


def spellings(secret):
    """What a server echoing a secret may show (written out here, not taken from restish)."""
    from urllib.parse import quote, quote_plus
    import json
    return {secret, quote_plus(secret), quote(secret), quote(secret, safe=""),
            json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}


@pytest.fixture
def odd(tokens):
    tokens.users["alice"] = ODD_PASSWORD
    return tokens


@pytest.mark.parametrize("mode", ["echo-form", "echo-json", "echo-400"])
def test_a_login_error_never_shows_the_password_in_any_encoding(odd, mode, everything_logged):
    odd.mode = mode
    with pytest.raises(restish.LoginError) as info:
        client(odd.url).login("alice", ODD_PASSWORD, token_url=odd.url + "/token")
    message = str(info.value)
    assert "'alice'" in message and odd.url + "/token" in message
    assert "password=***" in message or '"password": "***"' in message  # the echo arrived, masked
    for text in (message, everything_logged()):
        assert not [s for s in spellings(ODD_PASSWORD) if s in text], text


def test_a_short_password_is_scrubbed_too(tokens):
    # Values harvested from a request's fields are scrubbed from 4 characters on; login's
    # own secrets whatever their length.
    tokens.users["alice"], tokens.mode = "Zq9", "echo-400"
    with pytest.raises(restish.LoginError) as info:
        client(tokens.url).login("alice", "Zq9")
    assert "password=***" in str(info.value) and "Zq9" not in str(info.value)


@pytest.mark.parametrize("pad", range(140, 162, 2))
def test_a_password_cut_in_two_by_a_short_description_leaves_no_head(odd, pad):
    odd.mode, odd.pad = "echo-long", pad  # descriptions are cut at 200 characters: around the password
    with pytest.raises(restish.LoginError) as info:   # the bundled map's client: the form ends with a scope
        restish.Client(odd.url, retries=0).login("alice", ODD_PASSWORD, token_url=odd.url + "/token")
    message = str(info.value)
    assert message.endswith("\u2026")  # it was cut
    tail = message.split("password=", 1)[1] if "password=" in message else ""
    assert tail in ("", "\u2026") or tail.startswith("*"), message
    # Nowhere in the message, not only after "password=": no 5 characters of any spelling.
    heads = {s[i:i + 5] for s in spellings(ODD_PASSWORD) for i in range(len(s) - 4)}
    assert not [head for head in heads if head in message], message


def test_a_failed_refresh_that_echoes_the_form_logs_no_token(refreshing, caplog):
    api = client(refreshing.url)
    api.login("alice", PASSWORD)
    refresh_token = api._grant._refresh_token
    assert spellings(refresh_token) != {refresh_token}  # it has characters URL encoding changes
    refreshing.expire()
    refreshing.mode = "echo-400"
    with caplog.at_level(logging.WARNING, logger="restish"), pytest.raises(restish.Unauthorized):
        api.things.get()
    assert "refused" in caplog.text and "refresh_token=***" in caplog.text
    assert not [s for s in spellings(refresh_token) if s in caplog.text], caplog.text


def test_login_that_gets_no_answer_is_also_a_transport_error(tokens):
    with pytest.raises(restish.TransportError) as info:
        client(tokens.url).login("alice", PASSWORD, token_url="http://127.0.0.1:9/token")
    assert isinstance(info.value, restish.LoginError) and "'alice'" in str(info.value)
    with pytest.raises(restish.TransportError) as info:
        client("http://127.0.0.1:9").login("alice", PASSWORD)  # /info unreachable
    assert isinstance(info.value, restish.LoginError) and "--token-url" in str(info.value)


# -- login keeps a Headers auth ---------------------------------------------------


def test_login_keeps_custom_headers_and_adds_maxoauth(tokens):
    api = client(tokens.url, auth=Headers({"X-Tenant": "t1"}))
    token = api.login("alice", PASSWORD)
    assert isinstance(api.auth, MaxOAuth) and "X-Tenant=***" in repr(api.auth)
    assert tokens.requests[-1][3]["scope"] == "widgetcli"
    api.things.get()
    sent = tokens.requests[-1][2]
    assert sent["X-Tenant"] == "t1" and sent["X-Oauth-Token"] == token and sent["X-Oauth-Username"] == "alice"
    tokens.expire()
    api.things.get()  # renewed: the custom header is still there
    assert tokens.grants() == ["password", "password"] and tokens.requests[-1][2]["X-Tenant"] == "t1"


# -- where login() gets its token, and a refused renewal --------------------------------

def password_flow_doc(token_url, swagger=False):
    """A one-path OpenAPI (or Swagger) document whose OAuth2 password flow names ``token_url``."""
    if swagger:
        return {"swagger": "2.0", "host": "h", "paths": {"/things": {"get": {}}}, "securityDefinitions": {
            "oauth": {"type": "oauth2", "flow": "password", "tokenUrl": token_url}}}
    return {"openapi": "3.1.0", "paths": {"/things": {"get": {}}}, "components": {"securitySchemes": {
        "basic": {"type": "http", "scheme": "basic"},
        "oauth": {"type": "oauth2", "flows": {"password": {"tokenUrl": token_url, "scopes": {}}}}}}}


@pytest.mark.parametrize("token_url, swagger", [("token", False), ("/token", False), (None, True)])
def test_login_finds_the_documents_token_url(tokens, token_url, swagger):
    doc = password_flow_doc(token_url or f"{tokens.url}/token", swagger)   # relative: to the API's URL
    api = restish.Client.from_openapi(doc, url=tokens.url, retries=0)
    token = api.login("alice", PASSWORD)
    assert api.things.get()["user"] == "alice" and isinstance(api.auth, Bearer) and api.auth.token == token
    assert tokens.hits("/info") == 0 and tokens.grants() == ["password"]
    assert pickle.loads(pickle.dumps(api)).routes.token_url == api.routes.token_url   # kept by a copy


@pytest.mark.parametrize("token_url", ["token", "/token"])
def test_a_relative_token_url_is_read_against_the_apis_url(tokens, token_url):
    # As a document's tokenUrl is: the API's URL is the base.
    api = client(tokens.url)
    token = api.login("alice", PASSWORD, token_url=token_url)
    assert api.things.get()["user"] == "alice" and tokens.grants() == ["password"] and token


@pytest.mark.parametrize("token_url, documented", [
    ("http://[::1/token", False), ("http://127.0.0.1:99999/token", False), ("ftp://h/token", False),
    ("http://[::1/token", True),
])
def test_a_token_url_restish_cannot_send_to_is_a_login_error(tokens, token_url, documented):
    if documented:
        api = restish.Client.from_openapi(password_flow_doc(token_url, False), url=tokens.url, retries=0)
    else:
        api = client(tokens.url)
    with pytest.raises(restish.LoginError, match=r"^login: the token endpoint .* is not an http\(s\) URL"):
        api.login("alice", PASSWORD, token_url=None if documented else token_url)
    assert tokens.requests == []


def test_a_refused_renewal_says_to_log_in_again(refreshing):
    api = client(refreshing.url)
    api.login("alice", PASSWORD)
    refreshing.expire()
    refreshing.revoke_refresh()
    with pytest.raises(restish.Unauthorized) as info:
        api.things.get()
    assert str(info.value).endswith("; call login() again") and "token renewal as 'alice'" in str(info.value)
    assert "refresh-" not in str(info.value)
    api.login("alice", PASSWORD)   # as it says
    assert api.things.get()["user"] == "alice"


def test_a_refused_renewal_asks_for_the_password_on_a_terminal(refreshing):
    script = (f"import restish, urllib.request as u; api = restish.Client({refreshing.url!r}, resources=None, "
              f"retries=0); api.login('alice', {PASSWORD!r}); "
              f"u.urlopen(u.Request({refreshing.url!r} + '/expire-all', method='POST')); "
              "print('OUT', api.things.get()['user'])")
    user, _ = on_a_terminal(script, [("The session of alice has ended; password: ", PASSWORD)])
    assert user == "alice" and refreshing.grants() == ["password", "refresh_token", "password"]
