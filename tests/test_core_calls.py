"""Calls: dotted keys, messages that name the call, protocols that must not loop."""
import gc
import warnings

import pytest

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


def test_prepare_closes_the_files_it_opened(api, tmp_path):
    path = tmp_path / "up.txt"
    path.write_bytes(b"hello")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepared = api.anything.prepare("post", upload_file=str(path), title="t")
        assert prepared.headers["Content-Type"].startswith("multipart/form-data")
        del prepared
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
