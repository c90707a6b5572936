"""Pooled connections: close() closes every one; a client shared by many threads reuses them."""
import logging
import threading

import restish
from servers import FaultServer


def test_close_closes_the_pooled_sockets_while_last_response_holds_the_pool():
    with FaultServer() as server:
        api = restish.Client(server.url, resources=None, retries=0)
        api.json.get()
        api.json.head()
        assert server.open_connections() == 1
        assert api.last_response is not None  # it holds the pool the socket belongs to
        api.close()
        assert server.open_connections(want=0) == 0  # the server saw the client hang up


def test_leaving_with_closes_them_too():
    with FaultServer() as server:
        with restish.Client(server.url, resources=None, retries=0) as api:
            api.json.get()
        assert server.open_connections(want=0) == 0


def test_a_client_shared_by_32_threads_neither_warns_nor_opens_a_socket_per_call(caplog):
    threads, calls = 32, 20
    start = threading.Barrier(threads)
    errors = []

    def work(api):
        start.wait(10)
        try:
            for _ in range(calls):
                api.json.get()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with FaultServer() as server, caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        with restish.Client(server.url, resources=None, retries=0) as api:
            workers = [threading.Thread(target=work, args=(api,)) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(60)
        assert not errors
        assert server.hits("/json") == threads * calls
        # Each thread needs one connection at a time: the pool grows (10, 20, 40) to keep them
        # all, instead of opening and throwing away one per call past its first 10 (~600 here).
        # Each growth may open at most one connection per thread: 3 growths, 3 per thread.
        assert server.accepted <= 3 * threads, server.accepted
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_a_pool_the_pool_manager_dropped_is_closed_with_the_adapter():
    # urllib3's pool manager forgets the pools it drops without closing them; restish's
    # adapter keeps using a dropped one, so its close() must close it too.
    import requests

    from restish.adapter import PooledAdapter

    with FaultServer() as one, FaultServer() as two:
        session = requests.Session()
        session.mount("http://", PooledAdapter(pool_connections=1))  # room for one pool only
        first = restish.Client(one.url, resources=None, retries=0, session=session)
        second = restish.Client(two.url, resources=None, retries=0, session=session)
        first.json.get()
        second.json.get()  # the manager drops the first origin's pool
        first.json.get()   # the adapter still has it: the same connection
        assert (one.accepted, one.open_connections()) == (1, 1)
        first.close()
        assert one.open_connections(want=0) == 0 and two.open_connections(want=0) == 0


def test_the_timeout_urllib3_clones_twice_a_call_clones_as_urllib3s_own():
    # restish hands urllib3 one Timeout per value; each clone must be a fresh one whose
    # clock has not started, equal to what urllib3's own clone() gives.
    import urllib3

    from restish.adapter import _timeout

    given = _timeout((2.5, 30))
    assert given is _timeout((2.5, 30))  # made once per value
    started = given.clone()
    started.start_connect()  # urllib3 starts a clone's clock as it connects
    assert started.clone()._start_connect is None and given._start_connect is None
    clone, expected = given.clone(), urllib3.Timeout(connect=2.5, read=30).clone()
    assert isinstance(clone, urllib3.Timeout) and vars(clone) == vars(expected)
    assert vars(clone.clone()) == vars(expected)
    assert (clone.connect_timeout, clone.read_timeout) == (2.5, 30)
