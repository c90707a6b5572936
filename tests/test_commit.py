"""api.after_commit: writes queued on a transaction go out once, in order, only after commit.

The server is the session's FaultServer: ``hits(path)`` counts what it received,
``requests`` lists it in order. Every test uses its own paths.
"""
import logging
import uuid

import pytest
import transaction

import restish


@pytest.fixture
def api(fault):
    with restish.Client(fault.url, resources=None, retries=0) as client:
        yield client


@pytest.fixture
def tm():
    manager = transaction.TransactionManager()
    manager.begin()
    yield manager
    manager.abort()  # whatever the test left open


def fresh(name):
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_a_post_waits_for_the_commit_then_goes_out_once(api, fault, tm):
    key = fresh("commit")
    pending = api.after_commit_on(tm).json[key].post(displayName="Ada")
    assert isinstance(pending, restish.Pending) and not pending.done
    assert fault.hits(f"/json/{key}") == 0
    with pytest.raises(restish.RestishError, match=f"POST /json/{key}: not sent yet"):
        pending.result()
    tm.commit()
    assert fault.hits(f"/json/{key}") == 1
    assert pending.done and pending.exception() is None
    assert pending.result()["json"] == {"displayName": "Ada"}  # the body the server received


def test_an_abort_drops_the_queued_calls(api, fault, tm):
    key = fresh("abort")
    later = api.after_commit_on(tm)
    pendings = [later.json[key].put(n=1), later.json[key].delete()]
    tm.abort()
    tm.begin()
    tm.commit()  # a later transaction does not send them either
    assert fault.hits(f"/json/{key}") == 0
    for pending in pendings:
        assert not pending.done
        with pytest.raises(restish.RestishError, match="not sent: its transaction aborted"):
            pending.result()


def test_queued_calls_go_out_in_order_after_the_commit(api, fault, tm):
    keys = [fresh(f"order{i}") for i in range(4)]
    later = api.after_commit_on(tm)
    verbs = [later.json[keys[0]].post, later.json[keys[1]].patch, later.json[keys[2]].put, later.json[keys[3]].delete]
    for verb in verbs:
        verb(step=1)
    tm.commit()
    sent = [(method, target) for method, target, _ in fault.requests if any(k in target for k in keys)]
    assert sent == [("POST", f"/json/{keys[0]}"), ("PATCH", f"/json/{keys[1]}"),
                    ("PUT", f"/json/{keys[2]}"), ("DELETE", f"/json/{keys[3]}")]


def test_query_verbs_go_out_at_once(api, fault, tm):
    key = fresh("get")
    answer = api.after_commit_on(tm).json[key].get(q="x")
    assert answer["query"] == {"q": "x"} and fault.hits(f"/json/{key}") == 1


def test_a_failure_after_commit_is_logged_and_kept_never_raised(api, fault, tm, caplog):
    key = fresh("fail")
    later = api.after_commit_on(tm)
    failing = later.status[500].post(key=key)
    following = later.json[key].post(n=2)
    with caplog.at_level(logging.ERROR, logger="restish"):
        tm.commit()  # does not raise: the commit stands
    assert failing.done and isinstance(failing.exception(), restish.InternalServerError)
    with pytest.raises(restish.InternalServerError):
        failing.result()
    assert following.result()["json"] == {"n": 2}  # the next queued call still went out
    assert "POST /status/500 after commit failed" in caplog.text


def test_bad_calls_are_refused_when_made_not_after_the_commit(fault, tm):
    api = restish.Client(fault.url, resources={"/json": {"methods": ["GET"]}}, defaults=None)
    with pytest.raises(restish.MethodNotAllowed):
        api.after_commit_on(tm).json.post(x=1)
    with pytest.raises(restish.InvalidValue, match="timeout"):
        restish.Client(fault.url, resources=None).after_commit_on(tm).json.post(timeout=-1)
    tm.commit()
    assert all("/json" != target for _, target, _ in fault.requests[-3:])


def test_after_commit_joins_the_thread_local_transaction_by_default(api, fault):
    key = fresh("default")
    transaction.begin()
    try:
        pending = api.after_commit.json[key].post(x=1)
        assert fault.hits(f"/json/{key}") == 0
        transaction.commit()
    finally:
        transaction.abort()
    assert pending.done and fault.hits(f"/json/{key}") == 1


def test_the_view_shares_the_clients_settings_and_rpc_names(fault, tm):
    routes = {"/json/{key}": {"methods": ["GET", "POST"], "names": {"post": "save"}}}
    api = restish.Client(fault.url, resources=routes, defaults=None, headers={"X-Team": "a"})
    later = api.after_commit_on(tm)
    api.headers["X-Team"] = "b"  # changed on the client after the view was made
    key = fresh("rpc")
    pending = later.save(key=key, n=1)
    tm.commit()
    assert pending.result()["headers"]["X-Team"] == "b" and pending.result()["json"] == {"n": 1}
    assert repr(later).endswith("after commit>") and later.url == api.url
