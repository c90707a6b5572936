"""Proof on a real service nobody here wrote: Kinto, driven through its own Swagger 2.0 document.

Each flow runs twice: against ``kinto start`` over a socket (the map fetched from
``/v1/__api__``), and in-process through ``Client(app=...)`` on the app that
``pyramid.paster.get_app`` builds from the same ini file (no socket at all).
Each run has its own memory backend, so each creates its own account.
"""
import itertools
import json
from pathlib import Path

import pytest
from kinto_server import KintoServer

import restish
from restish.auth import Basic

RESTISH = Path(restish.__file__).parent
HAS_WSGI = (RESTISH / "wsgi.py").exists()
PASSWORD = "correct horse battery staple"
INPROCESS_URL = "http://kinto.inprocess/v1"
_ids = itertools.count()


def fresh(prefix):
    """A Kinto id not used before in this session."""
    return f"{prefix}{next(_ids)}"


@pytest.fixture(scope="module")
def kinto(tmp_path_factory):
    with KintoServer(tmp_path_factory.mktemp("kinto")) as server:
        yield server


def _signed_up(spec, **kw):
    """(anonymous client, client signed in as a new account), both built from ``spec``."""
    anonymous = restish.Client.from_openapi(spec, **kw)
    user = fresh("user")
    anonymous.accounts[user].put(data_password=PASSWORD)
    return anonymous, restish.Client.from_openapi(spec, auth=Basic(user, PASSWORD), **kw)


@pytest.fixture(scope="module", params=["socket", "in-process"])
def clients(request, kinto):
    if request.param == "socket":
        return _signed_up(kinto.url + "/__api__")
    if not HAS_WSGI:
        pytest.skip("the WSGI transport (restish/wsgi.py) has not landed yet")
    from pyramid.paster import get_app
    return _signed_up(INPROCESS_URL + "/__api__", app=get_app(str(kinto.ini)))


@pytest.fixture
def api(clients):
    return clients[1]


@pytest.fixture
def collection(api):
    """A new bucket with a new collection in it; returns (bucket id, collection id)."""
    bucket, name = fresh("bucket"), fresh("collection")
    api.buckets.post(data_id=bucket)
    api.buckets[bucket].collections.post(data_id=name)
    return bucket, name


def test_the_map_is_kintos_document(api, kinto):
    assert api.url in (kinto.url, INPROCESS_URL)   # host + basePath of the document
    assert len(api.routes.routes) == 19              # 20 paths; /__user_data__ has no operation
    assert api.buckets["b"].collections["c"].records["r"].route == \
        "/buckets/{bucket_id}/collections/{collection_id}/records/{id}"
    assert api.server_info()["project_name"] == "kinto"
    if api.url == INPROCESS_URL:  # no server listens there: the app answered in-process
        assert type(api.session.get_adapter(api.url)).__name__ == "WSGIAdapter"


def test_account_bucket_collection_records_by_attribute_paths(api):
    bucket, name = fresh("bucket"), fresh("collection")
    assert api.buckets.post(data_id=bucket)["data"]["id"] == bucket
    assert api.buckets[bucket].collections.post(data_id=name)["data"]["id"] == name
    records = api.buckets[bucket].collections[name].records
    created = records.post(data_title="first", data_tags=["a"])
    assert created["data"]["title"] == "first" and created["data"]["tags"] == ["a"]
    record = records[created["data"]["id"]]
    assert record.patch(data_done=True)["data"]["done"] is True
    fetched = record.get()["data"]
    assert (fetched["title"], fetched["done"]) == ("first", True)
    assert record.delete()["data"]["deleted"] is True


def test_the_same_through_rpc_names(api):
    bucket, name = fresh("bucket"), fresh("collection")
    api.create_bucket(data_id=bucket)
    made = api.create_collection(bucket_id=bucket, data_id=name)
    assert made["data"]["id"] == name
    assert json.loads(api.last_response.request.body) == {"data": {"id": name}}  # data_id nested
    record = api.create_record(bucket_id=bucket, collection_id=name, data_title="rpc")
    fetched = api.get_record(bucket_id=bucket, collection_id=name, id=record["data"]["id"])
    assert fetched["data"]["title"] == "rpc"
    assert [c["id"] for c in api.get_collections(bucket_id=bucket)["data"]] == [name]


def test_listing_with_limit_pages_with_next_page(api, collection):
    records = api.buckets[collection[0]].collections[collection[1]].records
    for n in range(5):
        records.post(data_n=n)
    page = records.get(_limit=2, _sort="n")
    assert [r["n"] for r in page["data"]] == [0, 1]
    assert "_token=" in api.last_response.headers["Next-Page"]


def test_iterate_follows_next_page(api, collection):
    records = api.buckets[collection[0]].collections[collection[1]].records
    for n in range(7):
        records.post(data_n=n)
    assert [r["n"] for r in records.iterate(_limit=2, _sort="n")] == list(range(7))


def test_iterate_through_an_rpc_name(api, collection):
    bucket, name = collection
    for n in range(5):
        api.create_record(bucket_id=bucket, collection_id=name, data_n=n)
    records = api.get_records.iterate(bucket_id=bucket, collection_id=name, _limit=2, _sort="n")
    assert [r["n"] for r in records] == list(range(5))
    with pytest.raises(restish.InvalidValue, match="create_record.iterate\\(\\) pages GET listings"):
        api.create_record.iterate(bucket_id=bucket, collection_id=name)


def test_kinto_errors_are_typed_with_their_message(api, clients, collection):
    anonymous = clients[0]
    with pytest.raises(restish.Unauthorized) as info:
        anonymous.buckets.post(data_id=fresh("bucket"))
    assert info.value.description == "Please authenticate yourself to use this endpoint."
    assert info.value.error == "Unauthorized" and info.value.code == 401
    with pytest.raises(restish.Forbidden) as info:
        api.buckets[fresh("someone-elses")].get()
    assert info.value.description == "This user cannot access this resource."
    with pytest.raises(restish.NotFound) as info:
        api.buckets[collection[0]].collections[collection[1]].records["missing"].get()
    # Kinto's 404 body has code, errno, error and details but no message.
    assert (info.value.code, info.value.error) == (404, "Not Found")
    message = str(info.value)
    assert "/records/missing -> 404 Not Found" in message
    assert not message.rstrip().endswith(":")           # no dangling ': ' for the missing message
    with pytest.raises(restish.BadRequest) as info:
        api.buckets.post(data_id="not an id!")
    assert info.value.description == "path: Invalid object id"
    assert PASSWORD not in str(info.value) and PASSWORD not in repr(info.value)
