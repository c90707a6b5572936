"""Calls: dotted keys, messages that name the call, protocols that must not loop."""
import gc
import warnings

import pytest
import requests
import urllib3

import restish

ALL = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
MAP = {
    "/anything": {"methods": ALL},
    "/anything/{self}": {"methods": ["GET", "POST"], "names": {"get": "getSelf", "post": "postSelf"}},
    "/anything/people/": {"methods": ["GET", "POST"]},
}


@pytest.fixture
def api(httpbin):
    with restish.Client(httpbin, resources=MAP) as client:
        yield client


def test_a_dotted_key_splits_on_dots_only(api):
    echo = api.anything.post(**{"object.display_name": "x", "object.content": "c", "first_name": "F"})
    assert echo["json"] == {"object": {"display_name": "x", "content": "c"}, "first": {"name": "F"}}


def test_expansion_leaves_the_callers_dicts_alone(api):
    mine = {"content": "x", "inner": {"a": 1}}
    echo = api.anything.post(object=mine, object_objectType="note", object_inner_b=2)
    assert echo["json"] == {"object": {"content": "x", "inner": {"a": 1, "b": 2}, "objectType": "note"}}
    assert mine == {"content": "x", "inner": {"a": 1}}


@pytest.mark.parametrize("call, message", [
    (lambda a: a.anything.get(qs={"a": {"b": 1}}), r"^GET /anything: query parameter 'a': cannot send a dict"),
    (lambda a: a.anything.post(object="x", object_content="y"), r"^POST /anything: keyword 'object_content'"),
    (lambda a: a.anything.put(timeout=[1, 2]), r"^PUT /anything: timeout must be"),
    (lambda a: a.getSelf(self=".."), r"^GET /anything/\{self\}: /anything: '\.\.' cannot be a path segment"),
    (lambda a: a.getSelf(), r"^GET /anything/\{self\}: getSelf\(\) is missing route variable 'self'"),
])
def test_invalid_values_name_the_call(api, call, message):
    with pytest.raises(restish.InvalidValue, match=message):
        call(api)


def test_a_dot_segment_names_the_path_above(api):
    with pytest.raises(restish.InvalidValue, match=r"^/anything: '\.\.' cannot be a path segment"):
        api.anything[".."]


def test_a_route_variable_may_be_called_self(api):
    assert api.getSelf(self="me", q=1)["url"].endswith("/anything/me?q=1")
    assert api.postSelf(self="me", a=1)["json"] == {"a": 1}
    assert api.anything.post(self=1, method=2)["json"] == {"self": 1, "method": 2}
    assert api.anything.prepare("post", method="x").body == b'{"method": "x"}'


@pytest.mark.timeout(10)
@pytest.mark.parametrize("make", [lambda a: a.anything, lambda a: a.anything["x"],
                                  lambda a: restish.Client("http://127.0.0.1:9", resources=None)],
                         ids=["collection", "item", "permissive-client"])
def test_proxies_are_neither_iterable_nor_containers(api, make):
    proxy = make(api)
    with pytest.raises(TypeError, match="not iterable; use .*iterate()"):
        iter(proxy)
    with pytest.raises(TypeError, match="not iterable"):
        list(proxy)
    with pytest.raises(TypeError, match="'in' does not apply"):
        "alice" in proxy  # noqa: B015


def test_a_trailing_slash_route_goes_over_the_wire(api):
    assert api.anything.people.get()["url"].endswith("/anything/people/")
    assert api.anything.people.post(a=1)["url"].endswith("/anything/people/")


def test_an_empty_error_body_leaves_no_dangling_colon(fault):
    api = restish.Client(fault.url, resources=None, retries=0)
    with pytest.raises(restish.NotFound) as info:
        api.status["404"].get(qs={"body": ""})
    assert str(info.value) == f"GET {fault.url}/status/404?body= -> 404 Not Found"
    assert info.value.description == ""


def test_last_response_is_none_after_a_transport_error(fault):
    api = restish.Client(fault.url, resources=None, retries=0)
    api.status["200"].get()
    assert api.last_response.status_code == 200
    with pytest.raises(restish.TransportError):
        api.drop.get()
    assert api.last_response is None


def test_last_response_stays_for_a_refused_call_and_clears_once_sending_started(fault):
    api = restish.Client(fault.url, resources=None, retries=0)
    api.status["200"].get()
    kept = api.last_response
    with pytest.raises(restish.InvalidValue, match="timeout must be"):
        api.status["200"].get(timeout=0)  # refused while built: nothing sent
    assert api.last_response is kept
    # requests lets a non-Latin-1 session header through; it fails only as the request goes out.
    api.session.headers["X-Tenant"] = "t€nant"
    with pytest.raises(restish.InvalidValue, match="header 'X-Tenant'"):
        api.status["200"].get()
    assert api.last_response is None


@pytest.mark.parametrize("method, kwargs, problem", [
    ("GET", {"timeout": -1}, "timeout must be a positive number"),
    ("GET", {"flag": {"a": 1}}, "query parameter 'flag': cannot send a dict"),
    ("GET", {"qs": [1]}, "qs= must be a dict"),
    ("POST", {"a": 1, "a_b": 2}, "keyword 'a_b' nests under 'a'"),
    ("POST", {"headers": {"X-Key": "v\n"}}, "header 'X-Key': its value has a line break"),
    ("POST", {"x": object()}, "payload is not JSON-serialisable"),
    ("POST", {"data": 5}, "data= must be a dict"),
    ("PUT", {"data": {}, "upload_file": b"x"}, "data= sends exactly that body"),
])
def test_a_refused_call_is_named_once(api, method, kwargs, problem):
    with pytest.raises(restish.InvalidValue) as info:
        api.anything.prepare(method, **kwargs)
    message = str(info.value)
    assert message.startswith(f"{method} /anything: ") and problem in message
    assert message.count("/anything") == 1


def test_a_bad_session_header_names_the_call(api):
    api.session.headers["X-Key"] = "v\n"
    with pytest.raises(restish.InvalidValue, match=r"^GET /anything: header 'X-Key': its value has a line break"):
        api.anything.get()


def test_prepare_closes_the_files_it_opened(api, tmp_path):
    path = tmp_path / "up.txt"
    path.write_bytes(b"hello")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepared = api.anything.prepare("post", upload_file=str(path), title="t")
        assert prepared.headers["Content-Type"].startswith("multipart/form-data")
        del prepared
        gc.collect()
    # Only this file's warning counts: gc.collect() also finds what earlier tests in
    # this worker left unclosed, which made this test fail now and then.
    ours = [w for w in caught if issubclass(w.category, ResourceWarning) and str(path) in str(w.message)]
    assert not ours, [str(w.message) for w in ours]


# -- a session you bring behaves as in requests ---------------------------------------------


class CountingAdapter(requests.adapters.HTTPAdapter):
    """A user's own adapter (as one with client certificates would be): counts what it sends."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sends = 0

    def send(self, request, **kwargs):
        self.sends += 1
        return super().send(request, **kwargs)


def test_an_adapter_you_mounted_is_kept_and_used(fault):
    session = requests.Session()
    mine = CountingAdapter()
    session.mount("http://", mine)
    pooled = requests.adapters.HTTPAdapter(pool_maxsize=50)  # configured: kept too
    session.mount("https://", pooled)
    api = restish.Client(fault.url, resources=None, session=session)
    assert session.get_adapter("http://x") is mine and session.get_adapter("https://x") is pooled
    assert api.json.get()["method"] == "GET"
    assert mine.sends == 1
    # concurrently() grows restish's pools, never the user's adapter
    results = api.concurrently([api.json.get] * 12, workers=12)
    assert [r["method"] for r in results] == ["GET"] * 12
    assert session.get_adapter("http://x") is mine and mine.sends == 1 + 12
    assert session.get_adapter("https://x") is pooled


def test_requests_default_adapters_get_restishs_retries(fault):
    session = requests.Session()
    default = session.get_adapter("http://x")
    restish.Client(fault.url, resources=None, session=session, retries=4)
    mounted = session.get_adapter("http://x")
    assert mounted is not default and mounted.max_retries.total == 4
    assert restish.Client(fault.url, resources=None).session.get_adapter("http://x").max_retries.total == 3


def test_clients_sharing_a_session_share_one_retry_policy(fault):
    """A session has one adapter per prefix: a second Client asking for other retries is refused,
    rather than silently changing the first one's (or having its own silently ignored)."""
    session = requests.Session()
    first = restish.Client(fault.url, resources=None, session=session, retries=0)
    mounted = session.get_adapter("http://x")
    with pytest.raises(restish.InvalidValue, match=r"^Client\(session=\.\.\.\): .*retries=0 .*same retries="):
        restish.Client(fault.url, resources=None, session=session, retries=5)
    assert session.get_adapter("http://x") is mounted and mounted.max_retries.total == 0
    # The same policy: the adapters (and their pools) are shared as they are.
    second = restish.Client(fault.url, resources=None, session=session, retries=0)
    assert session.get_adapter("http://x") is mounted and second.json.get()["method"] == "GET"
    policy = urllib3.Retry(2, backoff_factor=0.1)
    other = requests.Session()
    restish.Client(fault.url, resources=None, session=other, retries=policy)
    restish.Client(fault.url, resources=None, session=other, retries=urllib3.Retry(2, backoff_factor=0.1))
    with pytest.raises(restish.InvalidValue, match=r"retries=Retry\(total=2"):
        restish.Client(fault.url, resources=None, session=other, retries=urllib3.Retry(2, backoff_factor=0.5))
    assert first.json.get()["method"] == "GET"


def test_the_adapters_a_client_replaces_are_closed(fault):
    session = requests.Session()
    default = session.get_adapter("http://x")
    closed = []
    default.close = lambda: closed.append(True)
    restish.Client(fault.url, resources=None, session=session)
    assert closed == [True]


def test_a_grown_pool_is_not_shrunk_by_another_client(fault):
    session = requests.Session()
    api = restish.Client(fault.url, resources=None, session=session)
    api.concurrently([api.json.get] * 12, workers=12)
    grown = session.get_adapter("http://x")
    restish.Client(fault.url, resources=None, session=session)
    assert session.get_adapter("http://x") is grown and grown._pool_maxsize == 12


def test_session_params_go_under_the_calls_query(fault):
    session = requests.Session()
    session.params = {"api_key": "k", "shared": "session", "dropped": "s"}
    api = restish.Client(fault.url, resources=None, session=session)
    echo = api.json.get(shared="call", qs={"dropped": None, "page": 2})
    assert echo["query"] == {"api_key": "k", "shared": "call", "page": "2"}
    assert api.json.post(a=1)["query"] == {"api_key": "k", "shared": "session", "dropped": "s"}
    assert api.json.prepare("delete").url == f"{fault.url}/json?api_key=k&shared=session&dropped=s"


def test_session_params_are_not_repeated_on_an_exact_next_page_url(fault):
    session = requests.Session()
    session.params = {"api_key": "k", "extra": "e"}
    api = restish.Client(fault.url, resources=None, session=session)
    call = api._prepare_call(api.json, "GET", {}, f"{fault.url}/json?api_key=k&page=2")
    assert call.prepared.url == f"{fault.url}/json?api_key=k&page=2&extra=e"


def test_session_response_hooks_run_once_per_response(fault):
    session = requests.Session()
    seen = []
    session.hooks["response"].append(lambda response, *args, **kwargs: seen.append(response.status_code))
    api = restish.Client(fault.url, resources=None, session=session, retries=0)
    api.json.get()
    with pytest.raises(restish.NotFound):
        api.status["404"].get()
    api.redirect.get()  # 302 to /json: each hop, as requests does
    assert seen == [200, 404, 302, 200]


def test_a_session_without_params_or_hooks_adds_nothing(fault):
    api = restish.Client(fault.url, resources=None)
    prepared = api.json.prepare("get")
    assert prepared.url == f"{fault.url}/json" and prepared.hooks == {"response": []}


# -- the root route -------------------------------------------------------------------------


def test_the_root_route_is_reached_through_the_client(httpbin):
    api = restish.Client(httpbin, resources={"/": {"methods": ["GET"], "doc": "The index."},
                                            "/get": {"methods": ["GET"]}})
    assert api.get().lstrip().startswith("<!DOCTYPE html>")
    assert api.last_response.url == f"{httpbin}/"
    assert api["get"].get()["url"] == f"{httpbin}/get"  # a child named like a verb: item access
    assert (api.path, api.route, api.methods, api.doc) == ("/", "/", ("GET",), "The index.")
    assert api.url == httpbin and api.defaults("get") == {}
    assert api.prepare("get").url == f"{httpbin}/"
    for name in dir(api):
        getattr(api, name)  # every listed name works


def test_without_a_root_route_the_client_lists_no_verbs(fault):
    api = restish.Client(fault.url, resources={"/json": {"methods": ["GET"]}})
    listing = dir(api)
    assert "get" not in listing and {"json", "path", "methods"} <= set(listing)
    for name in listing:
        getattr(api, name)
    assert api.methods == () and api.route is None
    before = fault.hits("/")
    with pytest.raises(restish.MethodNotAllowed, match=r"^GET /: method not allowed"):
        api.get()
    assert fault.hits("/") == before


@pytest.mark.parametrize("name", ["get", "post", "iterate", "prepare", "path", "route", "doc", "methods"])
@pytest.mark.parametrize("root", [True, False])
def test_an_rpc_name_may_not_hide_the_root_proxys_verbs_and_attributes(name, root):
    """api.get() is GET / as every proxy's get() is its own path: an RPC may not take the name."""
    resources = {"/things": {"methods": ["GET"], "names": {"get": name}}}
    if root:
        resources["/"] = {"methods": ["GET"]}
    taken = rf"route /things: RPC name {name!r} is taken by the root proxy's api\.{name}"
    with pytest.raises(restish.MapError, match=taken):
        restish.Client("http://h", resources=resources)


SEGMENTS = {
    "/json/{owner}/compare/{base}...{head}": {"methods": ["GET"], "names": {"get": "compare"}},
    "/json/ops/{name}:cancel": {"methods": ["POST"], "names": {"post": "cancel"}},
}


@pytest.fixture
def segments(fault):
    with restish.Client(fault.url, resources=SEGMENTS, retries=0) as client:
        yield client


def test_an_rpc_name_fills_each_variable_of_a_segment_encoded_on_its_own(segments):
    assert segments.compare(owner="o", base="main", head="feat/x")["path"] == "/json/o/compare/main...feat%2Fx"
    assert segments.cancel(name="op 1")["path"] == "/json/ops/op%201:cancel"   # the ':' is the template's


def test_navigation_takes_the_whole_segment_as_one_value(segments):
    assert segments.json["o"].compare["main...dev"].get()["path"] == "/json/o/compare/main...dev"
    assert segments.json.ops["a:cancel"].route == "/json/ops/{name}:cancel"


@pytest.mark.parametrize("kwargs, message", [
    ({"owner": "o", "base": "main"}, r"compare\(\) is missing route variable 'head'"),
    ({"owner": "o", "base": "", "head": "dev"}, r"compare\(\): '\.\.\.dev' cannot be the segment \{base\}\.\.\.\{head\}: 'base' is empty"),
])
def test_a_segment_of_several_variables_needs_each(segments, kwargs, message):
    with pytest.raises(restish.InvalidValue, match=r"^GET /json/\{owner\}/compare/\{base\}\.\.\.\{head\}: " + message):
        segments.compare(**kwargs)


def test_permissive_mode_may_end_every_path_with_a_slash(fault):
    import pickle
    with restish.Client(fault.url, resources=None, trailing_slash=True, retries=0) as api:
        echo = api.json.things[7].patch(size=1)
        assert (echo["method"], echo["path"], echo["json"]) == ("PATCH", "/json/things/7/", {"size": 1})
        assert api.json.things.url == f"{fault.url}/json/things/"
        assert pickle.loads(pickle.dumps(api)).json.things.path == "/json/things/"


@pytest.mark.parametrize("kwargs, message", [
    ({"trailing_slash": "yes", "resources": None}, "must be True or False, not 'yes'"),
    ({"trailing_slash": True}, r"trailing_slash=True\) is for permissive mode"),
    ({"trailing_slash": True, "resources": MAP}, "each route template says"),
])
def test_trailing_slash_is_checked_when_the_client_is_built(kwargs, message):
    with pytest.raises(restish.InvalidValue, match=message):
        restish.Client("http://h", **kwargs)
