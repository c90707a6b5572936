"""restish.pyramid with pyramid_tm and pyramid_retry, served by waitress: request.restish.after_commit
sends a view's writes when the request commits, never when it aborts, and once when it is retried."""
import collections
import uuid

import pytest
import requests
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPOk
from pyramid_retry import mark_error_retryable
from servers import WSGIServer


class Conflict(Exception):
    """A conflict that pyramid_retry replays the request for (as Zope's ConflictError)."""


mark_error_retryable(Conflict)
ATTEMPTS = collections.Counter()


def queue_view(request):
    """Queues a POST; conflicts on the first ``conflicts`` attempts, fails when ``fail=1``."""
    key = request.matchdict["key"]
    ATTEMPTS[key] += 1
    request.restish.after_commit.json[key].post(attempt=ATTEMPTS[key])
    if ATTEMPTS[key] <= int(request.params.get("conflicts", 0)):
        raise Conflict(key)
    if request.params.get("fail"):
        raise ValueError("the view failed after queueing")
    return HTTPOk(json_body={"attempts": ATTEMPTS[key]})


def make_app(fault_url, **extra):
    settings = {"restish.url": fault_url, "restish.resources": "", "restish.retries": "0",
                "retry.attempts": "3", **extra}
    with Configurator(settings=settings) as config:
        config.include("pyramid_retry")
        config.include("pyramid_tm")
        config.include("restish.pyramid")
        config.add_route("queue", "/queue/{key}")
        config.add_view(queue_view, route_name="queue")
    return config.make_wsgi_app()


@pytest.fixture(scope="module", params=["thread-local tm", "explicit tm"])
def served(request, fault):
    extra = {"tm.manager_hook": "pyramid_tm.explicit_manager"} if request.param == "explicit tm" else {}
    with WSGIServer(make_app(fault.url, **extra)) as server:
        yield server.url


def fresh():
    return uuid.uuid4().hex[:10]


def test_a_committed_request_sends_its_queued_call_once(served, fault):
    key = fresh()
    assert requests.post(f"{served}/queue/{key}", timeout=10).json() == {"attempts": 1}
    assert fault.hits(f"/json/{key}") == 1


def test_a_retried_request_sends_each_queued_call_once(served, fault):
    key = fresh()
    answer = requests.post(f"{served}/queue/{key}?conflicts=2", timeout=10).json()
    assert answer == {"attempts": 3}  # the view ran three times, queueing each time
    assert fault.hits(f"/json/{key}") == 1
    sent = [target for method, target, _ in fault.requests if key in target]
    assert sent == [f"/json/{key}"]


def test_an_aborted_request_sends_nothing(served, fault):
    key = fresh()
    assert requests.post(f"{served}/queue/{key}?fail=1", timeout=10).status_code == 500
    assert fault.hits(f"/json/{key}") == 0
