"""Navigation: the lazy, immutable proxies. Nothing here touches the network."""
import copy
import inspect
import pickle
import pydoc

import pytest

import restish

MAP = {
    "/people": {"methods": ["GET"], "doc": "Everyone."},
    "/people/{username}": {"methods": ["GET", "POST", "PUT", "DELETE"], "doc": "A person.",
                           "names": {"get": "getUser"}},
    "/people/{username}/activities": {"methods": ["GET", "POST"]},
    "/contexts/{hash}": {"methods": ["GET"], "params": {"hash": "sha1"}},
    "/contexts/public": {"methods": ["GET"]},
    "/user-groups": {"methods": ["GET"]},
    "/things/url": {"methods": ["GET"]},
    "/things/{id}": {"methods": ["GET"]},
    "/_private": {"methods": ["GET"]},
}
DEFAULTS = {"/people/{username}/activities": {"post": {"object": {"objectType": "note"}}}}

# Nothing listens on port 9 (discard); a proxy that sent anything would fail loudly.
URL = "http://127.0.0.1:9/api/"


@pytest.fixture
def api():
    return restish.Client(URL, resources=MAP, defaults=DEFAULTS)


def test_paths_urls_routes(api):
    alice = api.people["alice"]
    assert isinstance(api.people, restish.ResourceCollection)
    assert isinstance(alice, restish.ResourceItem)
    assert alice.path == "/people/alice"
    assert alice.url == "http://127.0.0.1:9/api/people/alice"
    assert alice.route == "/people/{username}"
    assert alice.activities.route == "/people/{username}/activities"
    assert alice.methods == ("GET", "POST", "PUT", "DELETE")
    assert alice.doc == "A person."
    assert api["user-groups"].path == "/user-groups"


def test_repr_dir_and_completions(api):
    assert repr(api.people["alice"]) == "<ResourceItem /people/alice GET POST PUT DELETE>"
    assert repr(api.people) == "<ResourceCollection /people GET>"
    listing = dir(api.people["alice"])
    assert {"activities", "get", "post", "put", "delete", "path", "url"} <= set(listing)
    assert "patch" not in listing
    assert "people" in dir(api) and "getUser" in dir(api)
    assert set(api._ipython_key_completions_()) >= {"people", "user-groups", "_private"}
    assert api.contexts._ipython_key_completions_() == ["public"]


def test_defaults_are_copies(api):
    activities = api.people["alice"].activities
    payload = activities.defaults("post")
    payload["object"]["objectType"] = "changed"
    assert activities.defaults("POST") == {"object": {"objectType": "note"}}
    assert activities.defaults("get") == {}


@pytest.mark.parametrize("value, segment", [
    ("../admin", "..%2Fadmin"),
    ("a/b?c=d#e", "a%2Fb%3Fc%3Dd%23e"),
    ("100%", "100%25"),
    ("josé", "jos%C3%A9"),
    (42, "42"),
    ("a b", "a%20b"),
])
def test_item_values_are_one_encoded_segment(api, value, segment):
    assert api.people[value].path == f"/people/{segment}"
    assert api.people[value].route == "/people/{username}"


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_dot_and_empty_segments_are_rejected(api, value):
    with pytest.raises(restish.InvalidValue) as info:
        api.people[value]
    assert isinstance(info.value, ValueError)


def test_params_transform_and_fixed_wins(api):
    url = "http://example.com/a"
    import hashlib
    digest = hashlib.sha1(url.encode()).hexdigest()
    assert api.contexts[url].path == f"/contexts/{digest}"
    assert api.contexts[digest].path == f"/contexts/{digest}"
    assert api.contexts["public"].route == "/contexts/public"


def test_unknown_names_suggest_and_behave_like_builtins(api):
    with pytest.raises(restish.UnknownResource) as info:
        api.people["alice"].activites
    assert isinstance(info.value, AttributeError)
    assert "/people/alice" in str(info.value) and "did you mean 'activities'" in str(info.value)
    with pytest.raises(LookupError):
        api.people["alice"]["activites"]
    assert not hasattr(api, "peple")
    assert getattr(api.people, "nope", "fallback") == "fallback"
    with pytest.raises(restish.UnknownResource, match="did you mean 'people'"):
        api["peeple"]


def test_underscore_names_are_never_segments(api):
    for name in ("_ipython_canary_method_should_not_exist_", "__length_hint__", "_repr_html_"):
        assert not hasattr(api.people, name)
        assert not hasattr(api, name)
    assert api["_private"].path == "/_private"


def test_proxy_attributes_shadow_children(api):
    assert api.things["url"].route == "/things/url"
    assert api.things.url == "http://127.0.0.1:9/api/things"


def test_proxies_are_immutable_and_copy_without_network(api):
    alice = api.people["alice"]
    with pytest.raises(AttributeError):
        alice.path = "/x"
    assert copy.deepcopy(alice) is alice
    assert copy.copy(alice) is alice
    again = pickle.loads(pickle.dumps(alice.activities))
    assert again.path == "/people/alice/activities" and again.route == alice.activities.route
    assert again.defaults("post") == {"object": {"objectType": "note"}}
    hashed = pickle.loads(pickle.dumps(api.contexts["http://x"]))
    assert hashed.path == api.contexts["http://x"].path
    assert api.people["alice"] == alice and hash(api.people["alice"]) == hash(alice)


def test_permissive_mode_allows_anything():
    api = restish.Client(URL, resources=None)
    thing = api.anything["x y"].deeper
    assert thing.path == "/anything/x%20y/deeper"
    assert thing.route is None
    assert thing.methods == ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
    with pytest.raises(restish.InvalidValue):
        api.anything[".."]
    assert not hasattr(api.anything, "_secret")


def test_trailing_slash_and_bad_base_url():
    assert restish.Client("http://h/v1/", resources=None).x.url == "http://h/v1/x"
    with pytest.raises(restish.InvalidValue):
        restish.Client("ftp://h", resources=None)


@pytest.mark.parametrize("timeout", [None, 0, -1, (5, None), "5", True])
def test_timeouts_are_never_unbounded(timeout):
    with pytest.raises(restish.InvalidValue, match="never waits without bound"):
        restish.Client(URL, resources=None, timeout=timeout)


def test_client_pickles(api):
    again = pickle.loads(pickle.dumps(api))
    assert again.people["bob"].url == api.people["bob"].url


@pytest.mark.parametrize("kw", [{}, {"resources": None}, {"resources": None, "defaults": None}],
                         ids=["bundled", "permissive-bundled-defaults", "permissive"])
def test_client_and_proxies_copy_and_pickle_with_the_bundled_maps(kw):
    # Nothing listens on URL's port: a copy that sent anything would raise.
    api = restish.Client(URL, **kw)
    name = "people" if not kw else "anything"
    for again in (pickle.loads(pickle.dumps(api)), copy.deepcopy(api), copy.copy(api)):
        assert isinstance(again, restish.Client) and again is not api
        assert again[name]["bob"].url == api[name]["bob"].url
        assert repr(again) == repr(api)
    proxy = pickle.loads(pickle.dumps(api[name]["bob"]))
    assert proxy.url == api[name]["bob"].url
    if not kw:
        assert pickle.loads(pickle.dumps(api)).routes is api.routes  # the compiled bundled map is shared


def test_bundled_sentinel_survives_copy_and_pickle():
    assert pickle.loads(pickle.dumps(restish.BUNDLED)) is restish.BUNDLED
    assert copy.deepcopy(restish.BUNDLED) is restish.BUNDLED
    assert copy.copy(restish.BUNDLED) is restish.BUNDLED


def test_help_shows_the_maps_doc(api):
    alice = api.people["alice"]
    assert alice.__doc__ == "/people/alice (route /people/{username}): GET POST PUT DELETE\n\nA person."
    assert alice.activities.__doc__ == "/people/alice/activities (route /people/{username}/activities): GET POST"
    assert "A person." in pydoc.render_doc(alice)
    assert inspect.getdoc(alice).endswith("A person.")
    # no route here, or on the class: the class docstring
    assert api.things.__doc__ == restish.ResourceCollection.__doc__
    assert restish.ResourceItem.__doc__.startswith("A variable segment")
    assert "A variable segment" in pydoc.render_doc(restish.ResourceItem)
    permissive = restish.Client(URL, resources=None)
    assert permissive.x["y"].__doc__ == restish.ResourceItem.__doc__


def test_a_path_taken_again_reuses_its_proxies(api):
    # Proxies are immutable, so the same path gives the same objects back: no new ones.
    assert api.people is api.people
    assert api.people["alice"] is api.people["alice"]
    alice = api.people["alice"]
    assert alice.activities is alice.activities and api.contexts["public"] is api.contexts.public
    assert api.people["bob"] is not alice and api.people["bob"] == api.people["bob"]
    # A fixed name reached as an item, and an item whose value is encoded, are kept alike.
    assert api.things["url"] is api.things["url"] and api.things["url"].route == "/things/url"
    assert api.things["x y"].path == "/things/x%20y" and api.things["x y"] is api.things["x y"]


def _proxies_alive():
    import gc

    gc.collect()
    return sum(isinstance(o, (restish.ResourceCollection, restish.ResourceItem)) for o in gc.get_objects())


@pytest.mark.parametrize("permissive", [False, True], ids=["map", "permissive"])
def test_proxies_kept_below_others_stay_bounded_in_a_loop_over_ids(permissive):
    # Each proxy keeps its fixed children and only its last item: a loop over thousands of
    # ids, or (permissive) over thousands of names, keeps a few proxies, not one per id.
    api = restish.Client(URL, resources=None if permissive else MAP)
    before = _proxies_alive()
    for number in range(3000):
        api.people[f"user{number}"].activities.path
        if permissive:
            getattr(api.people, f"name{number}").path
    kept = _proxies_alive() - before
    assert kept <= (256 + 10 if permissive else 10), kept
