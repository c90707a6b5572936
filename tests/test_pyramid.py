"""config.include('restish.pyramid'): a real Pyramid app served by waitress calls httpbin
through ``request.restish``; every request shares one client and one connection pool."""
import concurrent.futures

import pytest
import requests
from pyramid.config import Configurator
from servers import WSGIServer

import restish

SHARED_AUTH = requests.auth.HTTPBasicAuth("svc", "pw")  # reached by dotted name


def probe(request):
    """Calls httpbin through request.restish and says which client and pool it used."""
    # Reified: the first access stores the client on the request itself; a plain
    # property would leave request.__dict__ without it.
    before = "restish" in request.__dict__
    client = request.restish
    echo = client.anything["probe"].get(n=1)
    adapter = client.session.get_adapter(client.url)
    return {
        "reified": (before, "restish" in request.__dict__) == (False, True),
        "registry": client is request.registry.restish,
        "client": id(client), "session": id(client.session), "pool": id(adapter.poolmanager),
        "authorization": echo["headers"].get("Authorization"), "x_app": echo["headers"].get("X-App"),
        "url": echo["url"],
    }


def make_app(settings):
    with Configurator(settings=settings) as config:
        config.include("restish.pyramid")
        config.add_route("probe", "/probe")
        config.add_view(probe, route_name="probe", renderer="json")
    return config.make_wsgi_app()


@pytest.fixture(scope="module")
def app(httpbin):
    return make_app({
        "restish.url": httpbin, "restish.resources": "test_pyramid:data/httpbin-resources.yaml",
        "restish.auth": "basic:ann:s3cret", "restish.headers": "X-App: pyramid",
        "restish.timeout": "5,30", "restish.retries": "2", "unrelated.setting": "x",
    })


@pytest.fixture(scope="module")
def served(app):
    with WSGIServer(app) as server:
        yield server.url


def test_views_reach_the_api_through_request_restish(served, httpbin, app):
    answer, again = (requests.get(served + "/probe", timeout=10).json() for _ in range(2))
    assert answer["reified"] is True and answer["registry"] is True
    assert answer["client"] == again["client"] == id(app.registry.restish)  # one client, two requests
    assert answer["url"] == f"{httpbin}/anything/probe?n=1"
    assert answer["authorization"] == requests.auth._basic_auth_str("ann", "s3cret")
    assert answer["x_app"] == "pyramid"


def test_one_client_and_one_pool_per_process(served, app):
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: requests.get(served + "/probe", timeout=10).json(), range(12)))
    shared = app.registry.restish
    assert {a["client"] for a in answers} == {id(shared)}
    assert {a["session"] for a in answers} == {id(shared.session)}
    assert {a["pool"] for a in answers} == {id(shared.session.get_adapter(shared.url).poolmanager)}


def test_settings_are_read_once_at_include_time(app):
    client = app.registry.restish
    assert (client.timeout, client.retries) == ((5.0, 30.0), 2)
    assert client.routes.source.endswith("httpbin-resources.yaml")  # the asset spec resolved
    with pytest.raises(restish.MethodNotAllowed):
        client.anything["x"].delete()  # the map from the settings applies


def test_dotted_auth_resolved_with_maybe_dotted(httpbin):
    app = make_app({"restish.url": httpbin, "restish.resources": "", "restish.auth": "test_pyramid.SHARED_AUTH"})
    assert app.registry.restish.auth is SHARED_AUTH


@pytest.mark.parametrize("settings, message", [
    ({"restish.timeout": "soon"}, "setting restish.timeout"),
    ({"restish.auth": "token hunter2"}, "setting restish.auth: expected bearer:TOKEN"),
    ({"restish.resources": "no_such_package_xyz:resources.yaml"}, "setting restish.resources: cannot resolve asset spec"),
])
def test_bad_settings_fail_at_include_time(settings, message):
    with pytest.raises(restish.InvalidValue) as info:
        make_app({"restish.url": "http://h", "restish.resources": "", **settings})
    assert message in str(info.value)
    assert "hunter2" not in str(info.value)
