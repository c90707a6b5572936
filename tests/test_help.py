"""help() and IPython's ? from the map, RPC signatures, shadowed names, hints, readable reprs."""
import inspect
import os
import pydoc
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pexpect
import pytest

import restish
from restish.demo import make_app
from restish.routes import load_map

REPO = Path(__file__).resolve().parent.parent
KINTO = REPO / "tests" / "data" / "kinto-swagger2.json"


@pytest.fixture
def api():
    return restish.Client("http://demo.local", app=make_app())


@pytest.fixture(scope="module")
def kinto():
    return restish.Client.from_openapi(str(KINTO), url="http://kinto.local/v1")


def shown(obj):
    return pydoc.render_doc(obj, renderer=pydoc.plaintext)


# -- help() on verbs and RPC names ---------------------------------------------------------


def test_help_on_a_verb_shows_the_route_its_doc_and_default_payload(api):
    text = shown(api.people["alice"].activities.post)
    assert "POST /people/{username}/activities  (as /people/alice/activities)" in text
    assert "User activities" in text
    assert 'Default payload: {"object": {"objectType": "note"}}' in text
    assert "merged with the default payload into the JSON body" in text
    get = shown(api.people["alice"].activities.get)
    assert "GET /people/{username}/activities" in get and "Default payload" not in get
    assert "query string" in get


def test_a_verb_still_calls_and_compares_like_a_method(api):
    api.login("alice", "demo")
    post = api.people["alice"].post
    assert post(displayName="Alice")["displayName"] == "Alice"
    assert api.people["alice"].post == post and repr(post) == "<verb POST /people/alice>"
    with pytest.raises(restish.MethodNotAllowed):
        api.people["alice"].patch()


def test_rpc_names_have_their_route_variables_as_keyword_only_parameters(api):
    signature = inspect.signature(api.getUser)
    assert str(signature) == "(*, username, **kwargs)"
    with pytest.raises(TypeError, match="username"):
        signature.bind()
    assert "Route variables (keyword arguments): username" in shown(api.getUser)


def test_openapi_rpc_names_show_documented_parameters(kinto):
    signature = inspect.signature(kinto.get_collections)
    params = signature.parameters
    assert params["bucket_id"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["bucket_id"].default is inspect.Parameter.empty          # required: a route variable
    assert {"_limit", "_sort", "_token", "_since"} <= params.keys()
    assert repr(params["_limit"].default) == "..."                          # documented, optional
    signature.bind(bucket_id="b", _limit=10)
    text = shown(kinto.get_collections)
    assert "GET /buckets/{bucket_id}/collections" in text
    listed = re.search(r"Query parameters: (.*)", text).group(1).split(", ")
    assert {"_limit", "_sort", "_token", "_since"} <= set(listed)
    assert text.count("_limit") == 1  # not repeated from the doc's "query:" lines
    assert "_limit=..." in str(inspect.signature(kinto.buckets["b"].collections.get))


def test_openapi_body_fields_show_and_reserved_names_stay_options(kinto):
    text = shown(kinto.create_collection)
    assert "Body fields: data*, permissions" in text and "send such fields inside data={...}" in text
    signature = inspect.signature(kinto.create_collection)
    assert list(signature.parameters) == ["bucket_id", "permissions", "kwargs"]  # data= is the call's option


def test_ipython_question_mark_on_rpc_names_and_on_verbs_after_item_access():
    pytest.importorskip("IPython")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESTISH_", "PYTHON"))}
    env.update(PYTHONPATH=str(REPO), TERM="dumb", PAGER="cat")
    child = pexpect.spawn(sys.executable, ["-m", "IPython", "--no-banner", "--colors=nocolor",
                                           "--HistoryManager.hist_file=:memory:"],
                          cwd=str(REPO), env=env, encoding="utf-8", timeout=30, dimensions=(60, 200))
    try:
        child.expect(r"In \[1\]")
        child.sendline("%load_ext restish")
        child.expect(r"In \[2\]")
        child.sendline("import restish; api = restish.Client('http://demo.local', app=restish.demo.make_app())")
        child.expect(r"In \[3\]")
        child.sendline("api.getUser?")
        child.expect(r"In \[4\]")
        text = child.before
        assert re.search(r"Signature: +api\.getUser\(\*, username, \*\*kwargs\)", text), text
        assert "GET /people/{username}" in text and "Route variables (keyword arguments): username" in text
        child.sendline("api.people['alice'].activities.post?")
        child.expect(r"In \[5\]")
        text = child.before
        assert "POST /people/{username}/activities  (as /people/alice/activities)" in text, text
        assert 'Default payload: {"object": {"objectType": "note"}}' in text
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.terminate(force=True)


# -- shadowed names and hints ----------------------------------------------------------------


def test_a_shadowed_top_level_name_warns_once_and_is_reached_with_item_access(httpbin):
    route_map = {"/headers": {"methods": ["GET"]}, "/get": {"methods": ["GET"]}}
    routes = load_map(route_map)  # one compiled map, given to two clients
    with pytest.warns(restish.ShadowedWarning) as caught:
        api = restish.Client(httpbin, resources=routes)
    messages = [str(w.message) for w in caught if issubclass(w.category, restish.ShadowedWarning)]
    assert len(messages) == 1
    assert [w.filename for w in caught] == [__file__]  # it points at the user's Client(...) line
    assert "reach /headers as api['headers'], /get as api['get']" in messages[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", restish.ShadowedWarning)
        restish.Client(httpbin, resources=routes)  # the same map: not again
    echoed = api["headers"].get(headers={"X-Probe": "shadowed"})
    assert echoed["headers"]["X-Probe"] == "shadowed"  # httpbin's /headers answered
    assert api.last_response.url == f"{httpbin}/headers"


def test_the_bundled_map_shadows_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error", restish.ShadowedWarning)
        restish.Client("http://h")


@pytest.mark.parametrize("expression, expected", [
    ("api.people.alice", "below /people is an item: use api.people['alice']"),
    ("api.people.gett", "did you mean 'get'?"),
    ("api.people['x'].activities.psot", "did you mean 'post'?"),
    ("api.getUsr", "did you mean 'getUser'"),
    ("api.peple", "did you mean 'people'?"),
])
def test_hints_for_the_usual_slips(api, expression, expected):
    with pytest.raises(restish.UnknownResource) as info:
        eval(expression, {"api": api})
    assert expected in str(info.value)
    assert isinstance(info.value, AttributeError)


def test_a_suggested_child_that_is_shadowed_says_how_to_reach_it():
    api = restish.Client("http://h", resources={"/things/url": {"methods": ["GET"]}})
    with pytest.raises(restish.UnknownResource, match=r"reach it as api\.things\['url'\]"):
        api.things.urll


# -- readable reprs and lazy modules ---------------------------------------------------------


def test_routes_repr_is_a_short_summary(api):
    text = repr(api.routes)
    assert text.startswith("<RouteMap ") and "68 routes" in text and "/people" in text
    assert len(text) < 300 and "mappingproxy" not in text and "Node(" not in text
    assert repr(api.routes.routes["/people"]) == "<Route /people GET POST HEAD>"
    assert repr(restish.Client("http://h", resources=None).routes) == "<RouteMap permissive: any path, any verb>"


def test_bare_import_reaches_the_submodules():
    code = ("import restish; assert callable(restish.demo.make_app); assert callable(restish.pyramid.includeme);"
            "assert restish.auth.Bearer and restish.retry;"
            "import sys; print('ok', 'restish.plone' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0 and done.stdout.startswith("ok False"), done.stderr
    with pytest.raises(AttributeError):
        restish.nothing_here


def test_permissive_api_headers_get_says_how_to_reach_the_path(httpbin):
    api = restish.Client(httpbin, resources=None, headers={"X-Probe": "client"})
    with pytest.raises(TypeError, match=r"use api\['headers'\]\.get\(\)"):
        api.headers.get()
    assert api.headers.get("x-probe") == "client"  # still the client's headers
    assert api["headers"].get()["headers"]["X-Probe"] == "client"  # and /headers is reached, with them
