"""Client.concurrently(): order, failures in place, a pool as large as the workers, no leaks."""
import threading

import pytest

import restish
from paging_server import PagingServer
from restish.demo import make_app


@pytest.fixture(scope="module")
def server():
    with PagingServer() as running:
        yield running


@pytest.fixture
def api(server):
    server.reset_stats()
    with restish.Client(server.url, resources=None, retries=0) as client:
        yield client


def test_results_come_back_in_order(api):
    calls = [lambda ms=ms: api.sleep.get(ms=ms)["slept"] for ms in (40, 1, 20, 5)]
    assert api.concurrently(calls, workers=4) == [40, 1, 20, 5]


def test_a_failed_call_gives_its_exception_in_place(api, server):
    calls = [lambda: api.sleep.get(ms=1), lambda: api.nowhere.get(), lambda: 1 / 0,
             lambda: api.sleep.get(ms=2)]
    results = api.concurrently(calls)
    assert results[0] == {"slept": 1} and results[3] == {"slept": 2}
    assert isinstance(results[1], restish.NotFound) and "GET" in str(results[1])
    assert isinstance(results[2], ZeroDivisionError)


def test_eight_workers_run_at_once_over_at_most_eight_connections(api, server):
    results = api.concurrently([lambda: api.sleep.get(ms=200)] * 24, workers=8)
    assert results == [{"slept": 200}] * 24
    stats = server.stats()
    assert stats["max_in_flight"] == 8
    assert stats["connections"] <= 8  # reused, not one per call


def test_the_pool_grows_to_the_workers_and_reuses_connections(api, server):
    results = api.concurrently([lambda: api.sleep.get(ms=200)] * 48, workers=16)
    assert all(r == {"slept": 200} for r in results)
    stats = server.stats()
    assert stats["max_in_flight"] == 16
    assert stats["connections"] <= 16  # with a pool of 10, 6 would be opened and thrown away each round
    server.reset_stats()
    api.concurrently([lambda: api.sleep.get(ms=20)] * 16, workers=16)
    assert server.stats()["connections"] == 0  # the grown pool kept its connections


def test_last_response_is_per_thread(api):
    def call(ms):
        api.sleep.get(ms=ms)
        return api.last_response.url

    urls = api.concurrently([lambda ms=ms: call(ms) for ms in range(1, 17)], workers=8)
    assert urls == [f"{api.url}/sleep?ms={ms}" for ms in range(1, 17)]
    assert api.last_response is None  # this thread made no call


def test_no_thread_is_left_behind(api):
    def call():
        api.sleep.get(ms=5)
        return threading.current_thread()

    workers = set(api.concurrently([call] * 10, workers=5))
    assert len(workers) == 5 and threading.main_thread() not in workers
    assert not any(thread.is_alive() for thread in workers)  # joined before concurrently returned
    assert not [t for t in threading.enumerate() if t.name.startswith("restish")]


def test_no_calls_give_an_empty_list(api, server):
    assert api.concurrently([]) == []
    assert api.concurrently(iter(())) == []
    assert server.stats()["connections"] == 0


@pytest.mark.parametrize("workers", [0, -2, 1.5, "8", True, None])
def test_bad_workers_are_refused(api, workers):
    with pytest.raises(restish.InvalidValue, match=r"concurrently\(\): workers must be a whole number >= 1"):
        api.concurrently([lambda: 1], workers=workers)


def test_a_call_that_is_not_callable_is_refused(api, server):
    with pytest.raises(restish.InvalidValue, match=r"call 1 is a dict"):
        api.concurrently([lambda: api.sleep.get(ms=1), {"not": "callable"}])
    assert server.stats()["connections"] == 0  # refused before anything ran


def test_one_worker_runs_calls_one_at_a_time(api, server):
    assert api.concurrently([lambda: api.sleep.get(ms=10)] * 4, workers=1) == [{"slept": 10}] * 4
    assert server.stats()["max_in_flight"] == 1 and server.stats()["connections"] == 1


def test_in_process_app_works_too():
    api = restish.Client("http://demo.local", app=make_app())
    api.login("alice", "demo")
    api.people["alice"].post()
    results = api.concurrently([lambda n=n: api.people["alice"].activities.post(object_content=str(n))
                                for n in range(12)], workers=6)
    assert [r["object"]["content"] for r in results] == [str(n) for n in range(12)]
    assert api.people["alice"].activities.head()["X-totalItems"] == "12"
