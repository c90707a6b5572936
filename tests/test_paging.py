"""Resource.iterate(): every pagination style against real servers, lazily, bounded."""
import itertools
import logging

import pytest

import restish
from paging_server import PagingServer
from restish.auth import Bearer
from restish.demo import make_app

TOKEN = "s3cret-paging-token"
MAP = {
    "/link": {"methods": ["GET"], "paginate": {"style": "link"}},
    "/header": {"methods": ["GET"], "paginate": {"style": "header", "header": "X-Next"}},
    "/page": {"methods": ["GET"], "paginate": {"style": "page", "size": "per_page"}},
    "/offset": {"methods": ["GET"], "paginate": {"style": "offset"}},
    "/sleep": {"methods": ["GET"], "items": "slept"},
}
_keys = itertools.count()


@pytest.fixture(scope="module")
def server():
    with PagingServer() as running:
        yield running


@pytest.fixture
def api(server):
    with restish.Client(server.url, resources=MAP, auth=Bearer(TOKEN)) as client:
        yield client


@pytest.fixture
def key():
    """A hit-counting key no other test uses."""
    return f"k{next(_keys)}"


def ids(items):
    return [item["id"] for item in items]


@pytest.mark.parametrize("path, query", [
    ("link", {"per_page": 3}),
    ("header", {"per_page": 3, "name": "X-Next"}),
    ("page", {"per_page": 3}),
    ("offset", {"limit": 3}),
])
def test_each_declared_style_yields_every_item_once(api, server, key, path, query):
    items = api[path].iterate(total=10, key=key, **query)
    assert ids(items) == list(range(10))
    assert server.hits(key) == 4  # 3 + 3 + 3 + 1, the short page ends it


@pytest.mark.parametrize("path", ["page", "offset"])
def test_counted_styles_stop_on_an_empty_page(api, server, key, path):
    size = {"page": "per_page", "offset": "limit"}[path]
    assert ids(api[path].iterate(total=6, key=key, **{size: 3})) == list(range(6))
    assert server.hits(key) == 3  # two full pages, then an empty one


def test_query_given_as_qs_and_kwargs_is_kept_on_every_page(api, server, key):
    assert ids(api.page.iterate(qs={"per_page": 2}, total=5, key=key)) == list(range(5))
    targets = [target for _, target, _ in server.requests if f"key={key}" in target]
    assert len(targets) == 3 and all("per_page=2" in t and "total=5" in t for t in targets)
    assert [t for t in targets if "page=3" in t]


def test_without_a_declaration_link_and_next_page_are_followed(server, key):
    with restish.Client(server.url, resources=None) as api:
        assert ids(api.link.iterate(total=7, key=key)) == list(range(7))
        assert ids(api.header.iterate(total=7, key=key)) == list(range(7))  # Next-Page
        assert server.hits(key) == 6
        assert ids(api.page.iterate(total=7, per_page=3)) == [0, 1, 2]  # nothing to follow: one page


def test_iterate_is_lazy(api, server, key):
    items = api.link.iterate(total=9, key=key)
    assert server.hits(key) == 0
    assert next(items)["id"] == 0
    assert server.hits(key) == 1
    for _ in range(2):
        next(items)
    assert server.hits(key) == 1  # page 1 used up, page 2 not needed yet
    assert next(items)["id"] == 3 and server.hits(key) == 2


@pytest.mark.parametrize("path", ["link", "header", "page", "offset"])
def test_max_items_stops_fetching(api, server, key, path):
    items = list(api[path].iterate(total=100, key=key, max_items=4, per_page=3, limit=3, name="X-Next"))
    assert ids(items) == [0, 1, 2, 3]
    assert server.hits(key) == 2


def test_max_pages_stops_fetching(api, server, key):
    assert ids(api.page.iterate(total=100, per_page=3, key=key, max_pages=2)) == list(range(6))
    assert server.hits(key) == 2
    assert list(api.page.iterate(total=100, key=key, max_items=0)) == []
    assert server.hits(key) == 2


@pytest.mark.parametrize("value", [-1, 1.5, "3", True])
def test_bad_bounds_are_refused_before_any_request(api, server, key, value):
    with pytest.raises(restish.InvalidValue, match="GET /link: max_pages must be"):
        api.link.iterate(key=key, max_pages=value)
    assert server.hits(key) == 0


@pytest.mark.parametrize("path", ["link", "header", "page", "offset"])
def test_a_failing_page_raises_after_the_pages_before(api, key, path):
    seen = []
    with pytest.raises(restish.InternalServerError) as info:
        for item in api[path].iterate(total=20, per_page=3, limit=3, name="X-Next", fail=3, key=key):
            seen.append(item["id"])
    assert seen == list(range(6))
    assert f"GET {api.url}/{path}" in str(info.value) and "page 3 fails on purpose" in str(info.value)


def test_pages_go_through_the_send_chain(api, server, key, caplog):
    with caplog.at_level(logging.DEBUG, logger="restish"):
        assert len(list(api.link.iterate(total=6, key=key))) == 6
    sent = [headers for _, target, headers in server.requests if f"key={key}" in target]
    assert len(sent) == 2 and all(h["Authorization"] == f"Bearer {TOKEN}" for h in sent)
    assert "page=2" in api.last_response.url
    assert sum(f"key={key}" in r.getMessage() for r in caplog.records) == 2
    assert TOKEN not in caplog.text


def test_a_next_page_on_another_origin_is_refused(api, server, httpbin, key):
    items = api.link.iterate(total=10, next=f"{httpbin}/anything?token={TOKEN}", key=key)
    assert len([next(items) for _ in range(3)]) == 3
    with pytest.raises(restish.InvalidValue) as info:
        next(items)
    message = str(info.value)
    assert "GET /link" in message and "another origin" in message and httpbin in message
    assert TOKEN not in message
    assert server.hits(key) == 1


def test_a_link_to_the_same_page_ends_iteration(api, server, key):
    assert ids(api.link.iterate(total=10, key=key, next="SELF")) == [0, 1, 2]
    assert server.hits(key) == 1


def test_a_body_without_a_list_is_a_decode_error(api, server):
    with pytest.raises(restish.DecodeError, match=r"GET .*/sleep\?ms=1: no list of items at 'slept'"):
        list(api.sleep.iterate(ms=1))


def test_unknown_paginate_key_is_a_map_error(server):
    bad = {"/link": {"methods": ["GET"], "paginate": {"style": "link", "size": 3}}}
    with pytest.raises(restish.MapError, match="route /link: paginate style 'link' has no key 'size'"):
        list(restish.Client(server.url, resources=bad).link.iterate())


# -- the demo: cursor style from the bundled map -------------------------------

@pytest.fixture
def demo():
    api = restish.Client("http://demo.local", app=make_app())
    api.login("alice", "demo")
    api.people["alice"].post()
    for n in range(7):
        api.people["alice"].activities.post(object_content=f"note {n}")
    return api


def test_demo_cursor_pages_newest_first(demo):
    activities = demo.people["alice"].activities
    contents = [a["object"]["content"] for a in activities.iterate(limit=2)]
    assert contents == [f"note {n}" for n in range(6, -1, -1)]
    assert "before=" in demo.last_response.url and "limit=2" in demo.last_response.url


def test_demo_cursor_is_bounded_and_lazy(demo):
    items = demo.people["alice"].activities.iterate(limit=3, max_items=4)
    first = next(items)
    assert "before=" not in demo.last_response.url
    rest = list(items)
    assert [a["object"]["content"] for a in [first, *rest]] == ["note 6", "note 5", "note 4", "note 3"]
    assert f"before={rest[-2]['id']}" in demo.last_response.url  # page 2 started after item 3


def test_demo_cursor_error_is_typed(demo):
    with pytest.raises(restish.BadRequest, match="before must be an item id"):
        list(demo.people["alice"].activities.iterate(before="nonsense"))
