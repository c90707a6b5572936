"""Redirects: auth of every kind stays with its origin (two httpbin servers, two ports)."""
import pytest
import requests

import restish
from restish.auth import Basic, Bearer, Headers, MaxOAuth


class Signed(requests.auth.AuthBase):
    """Someone's own auth: a header whose name says nothing about secrets."""

    def __call__(self, r):
        r.headers["X-Signature"] = "sig-value"
        return r


AUTHS = {
    "Basic": (lambda: Basic("bob", "pw"), "Authorization"),
    "Bearer": (lambda: Bearer("tok"), "Authorization"),
    "Headers": (lambda: Headers({"X-Tenant": "t-1"}), "X-Tenant"),
    "MaxOAuth": (lambda: MaxOAuth("bob", "tok"), "X-Oauth-Token"),
    "MaxOAuth-username": (lambda: MaxOAuth("bob", "tok"), "X-Oauth-Username"),
    "AuthBase": (lambda: Signed(), "X-Signature"),
}


def client(url, **kw):
    return restish.Client(url, resources=None, retries=0, **kw)


def via_redirect(api, target, **qs):
    return api["redirect-to"].get(qs={"url": target, **qs})


@pytest.mark.parametrize("kind", sorted(AUTHS))
def test_auth_is_dropped_when_a_redirect_leaves_the_origin(httpbin, httpbin2, kind):
    make, header = AUTHS[kind]
    api = client(httpbin, auth=make())
    assert header in api.anything.get()["headers"]
    echo = via_redirect(api, f"{httpbin2}/anything")
    assert echo["url"].startswith(httpbin2) and header not in echo["headers"]
    assert [r.status_code for r in api.last_response.history] == [302]


@pytest.mark.parametrize("kind", sorted(AUTHS))
def test_auth_is_kept_on_a_same_origin_redirect(httpbin, kind):
    make, header = AUTHS[kind]
    echo = via_redirect(client(httpbin, auth=make()), "/anything")
    assert header in echo["headers"]


def test_secret_named_client_headers_are_dropped_too(httpbin, httpbin2):
    api = client(httpbin, headers={"X-Api-Key": "k", "X-Trace": "t"})
    echo = via_redirect(api, f"{httpbin2}/anything")
    assert "X-Api-Key" not in echo["headers"] and echo["headers"]["X-Trace"] == "t"


def test_origin_cookies_stay_home(httpbin, httpbin2):
    api = client(httpbin)
    api.cookies.set.get(qs={"sid": "cookie-secret"})  # httpbin sets it and redirects to /cookies
    assert api.session.cookies.get("sid") == "cookie-secret"
    assert via_redirect(api, "/cookies") == {"cookies": {"sid": "cookie-secret"}}
    # Same host, other port: the cookie jar would send it (cookies ignore ports); restish does not.
    assert via_redirect(api, f"{httpbin2}/cookies") == {"cookies": {}}


def test_a_users_own_session_gets_the_same_protection(httpbin, httpbin2):
    session = requests.Session()
    session.headers["X-Team-Token"] = "from-session"
    api = client(httpbin, session=session, auth=MaxOAuth("bob", "tok"))
    echo = via_redirect(api, f"{httpbin2}/anything")
    assert not {"X-Oauth-Token", "X-Oauth-Username", "X-Team-Token"} & set(echo["headers"])
    assert "X-Oauth-Token" in via_redirect(api, "/anything")["headers"]


def test_auth_stays_dropped_on_later_hops(httpbin, httpbin2):
    api = client(httpbin, auth=Bearer("tok"))
    there_and_back = f"{httpbin2}/redirect-to?url={httpbin}/anything"
    echo = via_redirect(api, there_and_back)
    assert echo["url"].startswith(httpbin) and "Authorization" not in echo["headers"]
    assert [r.status_code for r in api.last_response.history] == [302, 302]


@pytest.mark.parametrize("code, method", [(303, "GET"), (307, "POST"), (308, "POST")])
def test_methods_and_bodies_follow_requests_rules(httpbin, code, method):
    echo = client(httpbin)["redirect-to"].post(
        data={"n": 1}, qs={"url": "/anything", "status_code": code})
    assert echo["method"] == method
    assert echo["json"] == ({"n": 1} if method == "POST" else None)


def test_too_many_redirects_is_a_transport_error(httpbin):
    api = client(httpbin)
    api.session.max_redirects = 3
    with pytest.raises(restish.TransportError, match="too many redirects"):
        api.redirect["5"].get()
    assert api.redirect["3"].get()["url"].endswith("/get")


def test_a_401_after_leaving_the_origin_does_not_renew(httpbin, httpbin2):
    api = client(httpbin, auth=Basic("u", "p"))
    api._grant = object()  # would blow up if renewal were tried
    with pytest.raises(restish.Unauthorized):
        via_redirect(api, f"{httpbin2}/basic-auth/u/p")


# -- a redirect never changes a verb or drops a body silently (fault server: any verb) ----------

BODY_VERBS = ("POST", "PUT", "PATCH", "DELETE")


def elsewhere(fault, path):
    """The fault server under another origin (host localhost, not 127.0.0.1): requests sent
    there are counted, but for restish it is somewhere else."""
    return fault.url.replace("127.0.0.1", "localhost") + path


@pytest.mark.parametrize("code", [307, 308])
@pytest.mark.parametrize("method", BODY_VERBS)
def test_a_same_origin_redirect_keeps_the_verb_and_the_body(fault, method, code):
    target = f"/json/kept-{method}-{code}"  # 307/308: "send it there", whatever the path
    echo = getattr(client(fault.url).redirect, method.lower())(data={"n": 1}, qs={"to": target, "status": code})
    assert (echo["method"], echo["path"], echo["json"]) == (method, target, {"n": 1})
    assert echo["headers"]["Content-Type"] == "application/json"
    assert fault.hits(target) == 1


@pytest.mark.parametrize("code", [301, 302, 307, 308])
@pytest.mark.parametrize("method", BODY_VERBS)
def test_a_slash_redirect_keeps_the_verb_and_the_body(fault, method, code):
    echo = getattr(client(fault.url).slash[f"{method}-{code}"], method.lower())(data={"n": 1}, qs={"status": code})
    assert (echo["method"], echo["path"], echo["json"]) == (method, f"/slash/{method}-{code}/", {"n": 1})
    assert echo["query"] == {"status": str(code)} and fault.hits(f"/slash/{method}-{code}/") == 1


@pytest.mark.parametrize("code", [301, 302])
@pytest.mark.parametrize("method", BODY_VERBS)
def test_a_301_or_302_to_another_path_is_a_redirect_error_not_a_guess(fault, method, code):
    # "DELETE /things/5 -> 302 /things" (a web app's Post/Redirect/Get): sending the DELETE
    # again there would delete the collection, sending a GET would pass for success.
    target = f"/json/list-{method}-{code}"
    with pytest.raises(restish.RedirectError) as info:
        getattr(client(fault.url).redirect, method.lower())(data={"n": 1}, qs={"to": target, "status": code})
    assert f"{code} redirect to {fault.url}{target}: " in str(info.value)
    assert "only a slash redirect" in str(info.value)
    assert fault.hits(target) == 0


def test_a_redirected_upload_is_sent_again_whole(fault, tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 50_000)
    api = client(fault.url)
    direct = api.upload.post(upload_file=str(path))
    moved = api.redirect.post(upload_file=str(path), qs={"to": "/upload/moved", "status": 307})
    assert moved["bytes"] == direct["bytes"] > 50_000 and fault.hits("/upload/moved") == 1


@pytest.mark.parametrize("code", [301, 302, 307, 308])
@pytest.mark.parametrize("method", BODY_VERBS)
def test_a_body_verb_redirected_to_another_origin_raises(fault, method, code):
    target = elsewhere(fault, f"/json/away-{method}-{code}")
    with pytest.raises(restish.RedirectError) as info:
        getattr(client(fault.url).redirect, method.lower())(data={"n": 1}, qs={"to": target, "status": code})
    assert isinstance(info.value, restish.TransportError)
    assert str(info.value).startswith(f"{method} {fault.url}/redirect?")
    assert f"{code} redirect to {target}: restish does not send a {method} to another origin" in str(info.value)
    assert fault.hits(f"/json/away-{method}-{code}") == 0
    # A 303 asks for a GET of another resource: that one goes anywhere.
    echo = getattr(client(fault.url).redirect, method.lower())(data={"n": 1}, qs={"to": target, "status": 303})
    assert (echo["method"], echo["json"]) == ("GET", None) and fault.hits(f"/json/away-{method}-{code}") == 1


def test_a_body_that_cannot_be_rewound_is_not_followed(fault):
    from wsgi_apps import pipe_holding
    with pytest.raises(restish.RedirectError, match="cannot be rewound to send it again"):
        client(fault.url).redirect.put(upload_file=("a.txt", pipe_holding(b"data")),
                                       qs={"to": "/upload/piped", "status": 307})
    assert fault.hits("/upload/piped") == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("location", ["http://[::1", "http://127.0.0.1:99999/x", "http://[zz]/"])
def test_a_location_that_cannot_be_parsed_is_a_redirect_error(fault, method, location):
    with pytest.raises(restish.RedirectError, match="redirect to a Location that cannot be parsed"):
        client(fault.url).redirect.get(qs={"to": location}) if method == "GET" else \
            client(fault.url).redirect.post(data={}, qs={"to": location})


def test_too_many_redirects_is_a_redirect_error(httpbin):
    api = client(httpbin)
    api.session.max_redirects = 2
    with pytest.raises(restish.RedirectError, match=r"too many redirects: more than 2, the last to http"):
        api.redirect["4"].get()


def test_the_password_post_is_not_redirected_off_its_origin(fault):
    api = restish.Client(fault.url, resources=None, retries=0)
    away = elsewhere(fault, "/json/token-away")
    with pytest.raises(restish.LoginError) as info:
        api.login("ann", "pw-never-away", token_url=f"{fault.url}/redirect?status=307&to={away}")
    assert "redirect to" in str(info.value) and "pw-never-away" not in str(info.value)
    assert fault.hits("/json/token-away") == 0
