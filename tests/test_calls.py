"""Calls over the wire: httpbin's /anything echoes what restish sent."""
import threading

import pytest
import requests

import restish

ALL = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
MAP = {
    "/anything": {"methods": ALL},
    "/anything/{username}": {"methods": ALL, "names": {"get": "getUser", "post": "addUser"}},
    "/anything/{username}/activities": {"methods": ["GET", "POST"]},
    "/anything/{username}/settings": {"methods": ["PUT"]},
    "/status/{code}": {"methods": ["GET", "POST"]},
    "/html": {"methods": ["GET"]},
    "/bytes/{n}": {"methods": ["GET"]},
    "/response-headers": {"methods": ["GET"]},
}
DEFAULTS = {
    "/anything/{username}/activities": {"post": {"object": {"objectType": "note"}, "generator": "restish"}},
    "/anything/{username}/settings": {"put": {"display_name": "x", "mail": {"notify_me": False}}},
}


@pytest.fixture
def api(httpbin):
    with restish.Client(httpbin, resources=MAP, defaults=DEFAULTS) as client:
        yield client


def test_get_query_encoding(api):
    echo = api.anything.get(qs={"tags": ["a", "b"], "on": True, "off": False, "gone": None, "q": "x y&z"})
    assert echo["method"] == "GET"
    assert echo["args"] == {"tags": ["a", "b"], "on": "true", "off": "false", "q": "x y&z"}


def test_query_verbs_take_kwargs_as_named(api):
    echo = api.anything["alice"].get(_limit=5, object_content="flat", qs={"page": 2})
    assert echo["args"] == {"_limit": "5", "object_content": "flat", "page": "2"}
    assert echo["url"].endswith("/anything/alice?_limit=5&object_content=flat&page=2")


def test_post_merges_defaults_and_expands(api):
    echo = api.anything["alice"].activities.post(object_content="hi", **{"target.url": "http://t"})
    assert echo["json"] == {
        "object": {"objectType": "note", "content": "hi"},
        "generator": "restish",
        "target": {"url": "http://t"},
    }
    assert echo["headers"]["Content-Type"] == "application/json"


def test_kwargs_win_over_defaults(api):
    echo = api.anything["alice"].activities.post(object_objectType="image", generator="me")
    assert echo["json"] == {"object": {"objectType": "image"}, "generator": "me"}


def test_keys_held_literally_by_defaults_stay_literal(api):
    echo = api.anything["alice"].settings.put(display_name="Alice", mail_notify_me=True)
    assert echo["json"] == {"display_name": "Alice", "mail": {"notify_me": True}}


def test_expand_false_per_call_and_per_client(api, httpbin):
    echo = api.anything["a"].post(object_content="x", expand=False)
    assert echo["json"] == {"object_content": "x"}
    flat = restish.Client(httpbin, resources=MAP, expand=False)
    assert flat.anything["a"].post(first_name="Al")["json"] == {"first_name": "Al"}


def test_data_replaces_defaults(api):
    echo = api.anything["alice"].activities.post(data={"only": "this"})
    assert echo["json"] == {"only": "this"}
    echo = api.anything.post(data=b"\x00raw", headers={"Content-Type": "application/octet-stream"})
    assert echo["headers"]["Content-Type"] == "application/octet-stream"
    assert api.last_response.request.body == b"\x00raw"
    assert api.anything.put(data="text")["data"] == "text"
    assert api.anything.post(data=[1, 2])["json"] == [1, 2]


def test_empty_payload_sends_no_body(api):
    echo = api.anything["alice"].delete()
    assert echo["data"] == "" and "Content-Type" not in echo["headers"]


def test_headers_client_and_call(httpbin):
    api = restish.Client(httpbin, resources=MAP, headers={"X-Client": "c", "X-Both": "client"})
    echo = api.anything.get(headers={"X-Call": "k", "X-Both": "call"})
    assert echo["headers"]["X-Client"] == "c" and echo["headers"]["X-Call"] == "k"
    assert echo["headers"]["X-Both"] == "call"
    assert echo["headers"]["User-Agent"].startswith("restish/")


def test_response_decoding(api):
    assert isinstance(api.anything.get(), dict)
    assert api.html.get().lstrip().startswith("<!DOCTYPE html>")
    body = api.bytes["16"].get()
    assert isinstance(body, bytes) and len(body) == 16
    assert api.status["204"].get() is None


def test_head_returns_headers(api):
    headers = api.anything.head()
    assert headers["content-type"] == "application/json"
    assert isinstance(headers, requests.structures.CaseInsensitiveDict)


def test_last_response_is_per_thread(api):
    api.anything["main"].get()
    seen = {}

    def other():
        seen["before"] = api.last_response
        api.anything["thread"].get()
        seen["after"] = api.last_response.url

    worker = threading.Thread(target=other)
    worker.start()
    worker.join(10)
    assert seen["before"] is None and seen["after"].endswith("/anything/thread")
    assert api.last_response.url.endswith("/anything/main")


def test_rpc_names(api):
    echo = api.getUser(username="bob", limit=3)
    assert echo["url"].endswith("/anything/bob?limit=3")
    echo = api.addUser(username="a/b", displayName="Bob")
    assert api.last_response.request.url.endswith("/anything/a%2Fb")
    assert echo["json"] == {"displayName": "Bob"}
    assert repr(api.getUser) == "<rpc getUser: GET /anything/{username}>"
    with pytest.raises(restish.InvalidValue, match="missing route variable 'username'"):
        api.getUser()


def test_prepare_builds_without_sending(api, httpbin):
    prepared = api.anything["alice"].activities.prepare("post", object_content="hi", qs={"x": 1})
    assert prepared.method == "POST"
    assert prepared.url == f"{httpbin}/anything/alice/activities?x=1"
    assert prepared.body == b'{"object": {"objectType": "note", "content": "hi"}, "generator": "restish"}'
    assert api.last_response is None


@pytest.mark.parametrize("verb", ["get", "post", "put", "delete"])
def test_per_call_timeout(fault, verb):
    # restish's own label, after the arrow: urllib3's text says "(read timeout=0.2)" too,
    # and GET/PUT/DELETE arrive as a ConnectionError wrapping a ReadTimeoutError.
    api = restish.Client(fault.url, resources=None, retries=0)
    with pytest.raises(restish.TransportError, match=rf"^{verb.upper()} \S+/slow\?seconds=5 -> read timeout: "):
        getattr(api.slow, verb)(qs={"seconds": 5}, timeout=0.2)
    with pytest.raises(restish.InvalidValue, match=rf"^{verb.upper()} /slow: timeout must be"):
        getattr(api.slow, verb)(timeout=None)


def test_verb_not_in_map_is_refused_before_io(fault):
    api = restish.Client(fault.url, resources={"/json": {"methods": ["GET"]}})
    before = fault.hits("/json")
    with pytest.raises(restish.MethodNotAllowed) as info:
        api.json.post(a=1)
    assert str(info.value) == "POST /json: method not allowed by the map; allowed: GET"
    assert "patch" not in dir(api.json)
    assert fault.hits("/json") == before


def test_unserialisable_payload_is_refused_before_io(fault):
    api = restish.Client(fault.url, resources=None)
    before = fault.hits("/json")
    with pytest.raises(restish.InvalidValue, match=r"POST /json: payload is not JSON-serialisable"):
        api.json.post(when=object())
    with pytest.raises(restish.InvalidValue):
        api.json.post(ratio=float("nan"))
    with pytest.raises(restish.InvalidValue, match="qs= must be a dict"):
        api.json.get(qs="a=1")
    assert fault.hits("/json") == before


def test_conflicting_keyword_nesting_is_refused(api):
    with pytest.raises(restish.InvalidValue, match=r"^POST /anything: keyword 'object_content' .*already set"):
        api.anything.post(object="x", object_content="y")


def test_session_is_reused_and_injectable(httpbin):
    session = requests.Session()
    session.headers["X-Own"] = "mine"
    api = restish.Client(httpbin, resources=None, session=session)
    assert api.session is session
    assert api.anything.get()["headers"]["X-Own"] == "mine"


def test_session_cookies_are_sent(httpbin):
    api = restish.Client(httpbin, resources=None)
    api.cookies.set.get(qs={"flavour": "oat"})
    assert api.anything.get()["headers"]["Cookie"] == "flavour=oat"


def test_proxy_variables_are_honoured_per_call(monkeypatch, proxy):
    api = restish.Client("http://example.invalid", resources=None, retries=0)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert api.some["path"].get()["proxied"] == "http://example.invalid/some/path"
    monkeypatch.setenv("NO_PROXY", "example.invalid")
    with pytest.raises(restish.TransportError):
        api.some["path"].get()


def test_a_none_header_takes_a_session_header_out_whatever_its_case(httpbin):
    # As requests merges a session's headers and a request's: names without case, None removes.
    api = restish.Client(httpbin, resources=MAP)
    api.session.headers["X-Trace"] = "on"
    assert api.anything.get()["headers"]["X-Trace"] == "on"
    echo = api.anything.get(headers={"x-trace": None, "accept": None})
    assert "X-Trace" not in echo["headers"] and "Accept" not in echo["headers"]


def test_netrc_credentials_are_sent_as_the_netrc_variable_says(httpbin, tmp_path, monkeypatch):
    for user in ("ann", "bob"):
        netrc = tmp_path / user
        netrc.write_text(f"machine 127.0.0.1 login {user} password pw-{user}\n")
        netrc.chmod(0o600)
    api = restish.Client(httpbin, resources=None)
    monkeypatch.setenv("NETRC", str(tmp_path / "ann"))
    assert api["basic-auth"]["ann"]["pw-ann"].get() == {"authenticated": True, "user": "ann"}
    monkeypatch.setenv("NETRC", str(tmp_path / "bob"))  # read again: the variable changed
    assert api["basic-auth"]["bob"]["pw-bob"].get() == {"authenticated": True, "user": "bob"}


def test_a_closed_client_connects_again(httpbin):
    api = restish.Client(httpbin, resources=MAP)
    assert api.anything.get()["method"] == "GET"
    api.close()  # every pooled connection closed; the next call opens one
    assert api.anything["again"].get()["url"].endswith("/anything/again")


def test_a_session_subclass_sends_through_its_own_send(httpbin):
    class Counting(requests.Session):
        sent: list = []

        def send(self, request, **kwargs):
            Counting.sent.append(request.url)
            return super().send(request, **kwargs)

    api = restish.Client(httpbin, resources=MAP, session=Counting())
    assert api.anything.get(q="1")["args"] == {"q": "1"}
    assert Counting.sent == [f"{httpbin}/anything?q=1"]
