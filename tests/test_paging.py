"""Resource.iterate(): every pagination style against real servers, lazily, bounded."""
import itertools
import json
import logging
from urllib.parse import parse_qsl

import pytest

import restish
from paging_server import PagingServer
from servers import WSGIServer
from restish import paging
from restish.auth import Bearer
from restish.demo import make_app

TOKEN = "s3cret-paging-token"
MAP = {
    "/link": {"methods": ["GET"], "paginate": {"style": "link"}},
    "/header": {"methods": ["GET"], "paginate": {"style": "header", "header": "X-Next"}},
    "/page": {"methods": ["GET"], "paginate": {"style": "page", "size": "per_page"}},
    "/offset": {"methods": ["GET"], "paginate": {"style": "offset"}},
    "/cursor": {"methods": ["GET"], "paginate": {"style": "cursor"}},
    "/sleep": {"methods": ["GET"], "items": "slept"},
    "/values": {"methods": ["GET"], "paginate": {"style": "page", "size": "per_page"}},
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


def test_cursor_style_yields_every_item_once(api, server, key):
    assert ids(api.cursor.iterate(total=10, limit=3, key=key)) == list(range(9, -1, -1))
    assert server.hits(key) == 4
    last_target = server.requests[-1][1]
    assert f"key={key}" in last_target and "before=1" in last_target.partition("?")[2].split("&")


SIZE = {"page": "per_page", "offset": "limit", "cursor": "limit"}


def listed(path, items):
    """Ids in the order the server lists them (the cursor route lists newest first)."""
    return sorted(ids(items)) if path == "cursor" else ids(items)


@pytest.mark.parametrize("path", ["page", "offset", "cursor"])
def test_counted_styles_stop_on_an_empty_page(api, server, key, path):
    assert listed(path, api[path].iterate(total=6, key=key, **{SIZE[path]: 3})) == list(range(6))
    assert server.hits(key) == 3  # two full pages, then an empty one


# -- a server that caps the page size: the first page sets it, nothing is dropped --

@pytest.mark.parametrize("path", ["page", "offset", "cursor"])
@pytest.mark.parametrize("total, hits", [
    (10, 4),  # 3 + 3 + 3 + 1: the page shorter than the others ends it
    (9, 4),   # 3 + 3 + 3, then an empty page: one request more, as without a cap
    (2, 2),   # one page shorter than asked could be a capped one: one request more
    (0, 1),   # an empty first page ends it
])
def test_a_capped_page_size_drops_nothing(api, server, key, path, total, hits):
    items = api[path].iterate(total=total, cap=3, key=key, **{SIZE[path]: 5})
    assert listed(path, items) == list(range(total))
    assert server.hits(key) == hits


def test_a_server_capping_a_large_limit_pages_to_the_end(api, server, key):
    assert ids(api.offset.iterate(total=250, limit=500, cap=100, key=key)) == list(range(250))
    assert server.hits(key) == 3


def test_without_a_size_asked_for_the_first_page_sets_it(api, server, key):
    assert ids(api.page.iterate(total=7, key=key)) == list(range(7))  # the server's 3 a page
    assert server.hits(key) == 3  # 3 + 3 + 1: the short page ends it, no empty page needed


# -- listings that go round in circles raise instead of looping ----------------

def test_a_two_page_link_cycle_raises_after_the_pages_before(api, server, key):
    seen = []
    items = api.link.iterate(page=1, total=100, per_page=3, cycle=2, access_token=TOKEN, key=key)
    with pytest.raises(restish.DecodeError) as info:
        for item in items:
            seen.append(item["id"])
    assert seen == list(range(6))
    assert server.hits(key) == 2  # the link back to page 1 is not fetched again
    message = str(info.value)
    assert message.startswith(f"GET {server.url}/link?page=2&") and "next page repeats" in message
    assert f"{server.url}/link?page=1&" in message.split("next page repeats")[1]
    assert TOKEN not in message and message.count("access_token=***") == 2
    assert isinstance(info.value, ValueError)


def test_a_cycle_longer_than_the_window_is_caught(api, server, key):
    cycle = 100  # more pages than paging._Seen remembers one by one
    with pytest.raises(restish.DecodeError, match="next page repeats"):
        list(api.link.iterate(page=1, total=10**6, per_page=1, cycle=cycle, key=key))
    assert cycle < server.hits(key) < 2 * cycle


@pytest.mark.parametrize("path", ["page", "offset", "cursor"])
def test_a_server_ignoring_the_counter_raises_before_repeating_items(api, server, key, path):
    seen = []
    with pytest.raises(restish.DecodeError) as info:
        for item in api[path].iterate(total=10, stuck=1, key=key, **{SIZE[path]: 3}):
            seen.append(item["id"])
    assert len(seen) == 3 and server.hits(key) == 2  # the first page once, no duplicates
    param = {"page": "page", "offset": "offset", "cursor": "before"}[path]
    assert f"GET {server.url}/{path}?" in str(info.value)
    assert "next page repeats" in str(info.value) and f"ignore {param}=?" in str(info.value)


def test_a_cursor_that_does_not_advance_raises(api, server, key):
    # The stuck server serves ids 9, 8, 7 whatever the cursor: after before=7 the next cursor is 7
    # again, and the page that comes back equals the one before it. One detector covers both.
    items = api.cursor.iterate(total=10, limit=3, stuck=1, before=7, key=key)
    assert ids(itertools.islice(items, 3)) == [9, 8, 7]
    with pytest.raises(restish.DecodeError) as info:
        next(items)
    assert server.hits(key) == 2
    message = str(info.value)
    assert message.startswith(f"GET {server.url}/cursor?") and "next page repeats" in message
    assert "item for item; does the server ignore before=?" in message
    shown, repeated = message.split(": next page repeats ")
    assert shown.count("/cursor") == 1 and repeated.count("/cursor") == 1


def plain_values(environ, start_response):
    """``/values?page=N``: pages of two plain values from [1, 1, 1, 1, 2]; ignores ``page`` with ``stuck``."""
    query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    page = 1 if "stuck" in query else int(query.get("page", 1))
    body = json.dumps([1, 1, 1, 1, 2][(page - 1) * 2:page * 2]).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def test_equal_pages_of_plain_values_are_a_listing_not_a_loop():
    # [1, 1] then [1, 1]: equal item for item, and a legitimate listing of equal values.
    pages = {"/values": {"methods": ["GET"], "paginate": {"style": "page", "size": "per_page"}}}
    with WSGIServer(plain_values) as values, restish.Client(values.url, resources=pages) as client:
        assert list(client.values.iterate()) == [1, 1, 1, 1, 2]
        # Without records to compare, a server ignoring page= is bounded by max_pages=.
        assert list(client.values.iterate(stuck=1, max_pages=4)) == [1, 1] * 4


def test_a_server_ignoring_the_page_of_plain_values_raises_at_the_bound(api, server, key):
    # [1, 2, 3] forever: equal pages of plain values may be a listing, so it takes a run of them.
    seen = []
    with pytest.raises(restish.DecodeError) as info:
        items = api.values.iterate(values="1,2,3", per_page=3, stuck=1, access_token=TOKEN, key=key)
        for item in itertools.islice(items, 1000):  # a regression fails here instead of hanging
            seen.append(item)
    bound = paging.MAX_EQUAL_PAGES
    assert server.hits(key) == bound and seen == [1, 2, 3] * (bound - 1)  # the last page not yielded
    message = str(info.value)
    shown, repeated = message.split(": next page repeats ")
    assert shown.startswith(f"GET {server.url}/values?") and shown.endswith("&page=10")
    assert repeated.startswith(f"{server.url}/values?") and "&page=1," in repeated  # where the run began
    assert f"{bound} equal pages in a row" in message and "does the server ignore page=?" in message
    assert "pass max_pages= to read such a listing" in message
    assert TOKEN not in message and "access_token=***" in message


_RUN = ["7"] * (paging.MAX_EQUAL_PAGES - 1)  # one page short of the bound


@pytest.mark.parametrize("values, per_page, hits", [
    ("1,1,1,1,2", 2, 3),                        # [1, 1], [1, 1], [2]: the short page ends it
    (",".join(_RUN + ["8"]), 1, 11),            # 9 equal pages, [8], then the empty page
    (",".join(_RUN + ["8"] + _RUN + ["9"]), 1, 21),  # a different page starts the count again
])
def test_equal_pages_of_plain_values_below_the_bound_are_a_listing(api, server, key, values, per_page, hits):
    assert list(api.values.iterate(values=values, per_page=per_page, key=key)) == [int(v) for v in values.split(",")]
    assert server.hits(key) == hits


def test_a_run_of_equal_plain_pages_at_the_bound_raises_and_max_pages_reads_it(api, server, key):
    values = ",".join(["7"] * paging.MAX_EQUAL_PAGES + ["8"])
    with pytest.raises(restish.DecodeError, match="equal pages in a row"):
        list(api.values.iterate(values=values, per_page=1, key=key))
    assert server.hits(key) == paging.MAX_EQUAL_PAGES
    pages = paging.MAX_EQUAL_PAGES + 5  # the caller bounds the listing: no run is too long
    assert list(api.values.iterate(values="7", per_page=1, stuck=1, max_pages=pages)) == [7] * pages


def test_a_page_of_records_equal_to_the_one_before_raises_at_once_even_with_max_pages(api, server, key):
    with pytest.raises(restish.DecodeError, match="item for item; does the server ignore page=\\?"):
        list(api.page.iterate(total=10, per_page=3, stuck=1, max_pages=50, key=key))
    assert server.hits(key) == 2


def test_counted_styles_keep_no_urls_and_followed_styles_no_pages(api, server, key):
    api.page.get(total=4, key=key)
    response = api.last_response
    seen = paging._Seen()
    seen.page([{"id": 0}], response, paging.Style.of(api.page._route))
    assert not seen.recent and seen.checkpoint is None and seen.last == [{"id": 0}]
    seen = paging._Seen()
    seen.page([{"id": 0}], response, paging.Style.of(api.link._route))
    assert list(seen.recent) == [response.url] and seen.last is None


@pytest.mark.parametrize("rel", ["Next", "NEXT", "next last", "last next", "prev   next"])
def test_link_rel_is_a_case_insensitive_list(api, server, key, rel):
    assert ids(api.link.iterate(total=7, rel=rel, key=key)) == list(range(7))
    assert server.hits(key) == 3


def test_a_link_that_is_not_next_is_not_followed(api, server, key):
    assert ids(api.link.iterate(total=7, rel="prev nextpage", key=key)) == [0, 1, 2]
    assert server.hits(key) == 1


@pytest.mark.parametrize("value", ["abc", -1, None, True])
def test_a_bad_page_counter_is_refused_before_any_request(api, server, key, value):
    with pytest.raises(restish.InvalidValue, match="GET /page: page= must be a whole number"):
        api.page.iterate(page=value, key=key)
    assert server.hits(key) == 0


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
    assert sum("/link?total=6&key=" in r.getMessage() for r in caplog.records) == 2
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


@pytest.mark.parametrize("spec", [
    {"paginate": {"style": "page", "start": "abc"}},
    {"paginate": {"style": "cursor", "field": ["a"]}},
    {"items": 5},
])
def test_a_bad_declaration_is_a_map_error_before_any_request(server, key, spec):
    bad = {"/page": {"methods": ["GET"], **spec}}
    # Raised when the map loads (routes.py); a Route built by hand checks itself (test_routes.py).
    with pytest.raises(restish.MapError, match="route /page: "):
        restish.Client(server.url, resources=bad).page.iterate(key=key)
    assert server.hits(key) == 0


# -- next URLs in the body, and listings that say where they end ----------------

@pytest.mark.parametrize("shape", ["drf", "datasette", "jsonapi", "jsonapi11", "hal", "plone"])
@pytest.mark.parametrize("relative", [False, True])
def test_without_a_declaration_a_next_url_in_the_body_is_followed(server, key, shape, relative):
    items = {"datasette": "rows"}.get(shape)
    routes = {"/body": {"methods": ["GET"], **({"items": items} if items else {})}}
    with restish.Client(server.url, resources=routes) as api:
        listing = api.body.iterate(shape=shape, total=8, per_page=3, key=key, **({"relative": 1} if relative else {}))
        assert ids(listing) == list(range(8))   # every item, once, in order
    assert server.hits(key) == 3


@pytest.mark.parametrize("shape, field", [("jsonapi", "links.next"), ("hal", "_links.next.href"), ("drf", None)])
def test_a_declared_next_style_reads_its_field(server, key, shape, field):
    paginate = {"style": "next", **({"field": field} if field else {})}   # default field: next
    routes = {"/body": {"methods": ["GET"], "paginate": paginate}}
    with restish.Client(server.url, resources=routes) as api:
        assert ids(api.body.iterate(shape=shape, total=7, per_page=2, key=key)) == list(range(7))
    assert server.hits(key) == 4


def test_permissive_mode_follows_the_body_too(server, key):
    with restish.Client(server.url, resources=None) as api:
        assert ids(api.body.iterate(shape="drf", total=5, per_page=2, key=key)) == list(range(5))


@pytest.mark.parametrize("shape, shown", [("token", "'opaque-2'"), ("number", "'2'")])
def test_a_next_token_that_is_not_a_url_asks_for_a_declaration(server, key, shape, shown):
    with restish.Client(server.url, resources=None) as api:
        listing = api.body.iterate(shape=shape, total=5, per_page=2, key=key)
        with pytest.raises(restish.DecodeError, match=r"the body's 'next' names a next page that is not a "
                                                      r"URL \(" + shown + r"\); declare the route's paginate"):
            assert ids(itertools.islice(listing, 2)) == [0, 1]   # the first page's items come first
            next(listing)


@pytest.mark.parametrize("bad", ["http://[::1", "http://127.0.0.1:99999/x"])
def test_a_next_url_that_cannot_be_parsed_is_a_decode_error(server, key, bad):
    with restish.Client(server.url, resources=None) as api:
        with pytest.raises(restish.DecodeError, match="the next page's URL cannot be parsed"):
            list(api.link.iterate(total=5, key=key, next=bad))


def test_a_page_listing_ends_on_a_reached_count(server, key):
    routes = {"/page": {"methods": ["GET"], "paginate": {"style": "page", "size": "per_page"}}}
    with restish.Client(server.url, resources=routes) as api:
        assert ids(api.page.iterate(total=9, per_page=3, count=1, key=key)) == list(range(9))
    assert server.hits(key) == 3   # the third page is full, and the count says it is the last


def test_a_page_listing_ends_on_a_null_next(server, key):
    routes = {"/body": {"methods": ["GET"], "paginate": {"style": "page", "size": "per_page"}}}
    with restish.Client(server.url, resources=routes) as api:
        assert ids(api.body.iterate(shape="drf", nocount=1, total=6, per_page=3, key=key)) == list(range(6))
    assert server.hits(key) == 2


def test_a_page_listing_ends_on_a_404_after_a_full_last_page(server, key):
    routes = {"/page": {"methods": ["GET"], "paginate": {"style": "page", "size": "per_page"}}}
    with restish.Client(server.url, resources=routes) as api:
        assert ids(api.page.iterate(total=6, per_page=3, django=1, key=key)) == list(range(6))
        assert server.hits(key) == 3
        with pytest.raises(restish.NotFound, match="Invalid page"):   # the first page: a real 404
            list(api.page.iterate(page=5, per_page=3, django=1, total=6))


def test_a_404_before_the_count_is_reached_is_not_the_end(server, key):
    # The body said 9 items; page 2 vanished (the listing shrank): the listing is not complete.
    routes = {"/page": {"methods": ["GET"], "paginate": {"style": "page", "size": "per_page"}}}
    with restish.Client(server.url, resources=routes) as api:
        listing = api.page.iterate(total=9, per_page=3, count=1, django=1, gone=2, key=key)
        assert ids(itertools.islice(listing, 3)) == [0, 1, 2]
        with pytest.raises(restish.NotFound, match="Invalid page"):
            next(listing)
    assert server.hits(key) == 2


def test_a_listing_begun_after_its_first_page_still_ends_on_the_404(server, key):
    # Its items cannot reach the count: the 404 after a full last page is its end, as without one.
    routes = {"/page": {"methods": ["GET"], "paginate": {"style": "page", "size": "per_page"}}}
    with restish.Client(server.url, resources=routes) as api:
        assert ids(api.page.iterate(page=2, total=9, per_page=3, count=1, django=1, key=key)) == list(range(3, 9))
    assert server.hits(key) == 3


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
