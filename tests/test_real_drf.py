"""Django REST framework, served by waitress (tests/realservers/drf_app.py): issue 18.

Writes are checked in the sqlite file the server wrote; listings check that
each of the 250 items arrives exactly once. A test marked ``xfail(strict=True)``
shows a behaviour issue 18 wants and today's code lacks: whoever makes it pass
removes the mark (strict, so a fix that forgets to is a failure).
"""
import pytest
import requests

import restish

# A hand-written map of the same API: templates as DRF writes them, slash included.
MAP = {
    "/api/things/": {"methods": ["GET", "POST"]},
    "/api/things/{id}/": {"methods": ["GET", "PUT", "PATCH", "DELETE"]},
    "/api/paged/": {"methods": ["GET"], "paginate": {"style": "page"}},
}
LISTINGS = ["paged", "offset", "cursor"]   # /api/<name>/: page number, limit-offset, cursor


@pytest.fixture(scope="module")
def schema_api(drf):
    """A client built from DRF's own OpenAPI document."""
    with restish.Client.from_openapi(drf.url + "/api/schema/") as api:
        yield api


@pytest.fixture
def api(drf):
    with restish.Client(drf.url, resources=MAP) as api:
        yield api


def _new_thing(drf, **fields) -> int:
    """A Thing stored without restish; its id."""
    answer = requests.post(drf.url + "/api/things/", json={"name": "seed", **fields}, timeout=10)
    answer.raise_for_status()
    return answer.json()["id"]


def test_the_schema_has_drfs_templates(schema_api):
    # What from_openapi reads: DRF's templates end with a slash.
    assert "createThing" in dir(schema_api) and "partialUpdateThing" in dir(schema_api)


def test_create_through_drfs_schema_stores_the_thing(drf, schema_api):
    created = schema_api.createThing(name="ada", first_name="Ada", nick_name="Ace")
    assert drf.things()[created["id"]] == {"id": created["id"], "name": "ada", "first_name": "Ada",
                                           "nick_name": "Ace", "size": 0, "status": "draft"}


def test_patch_through_drfs_schema_updates_the_thing(drf, schema_api):
    thing = _new_thing(drf, size=1)
    schema_api.partialUpdateThing(id=thing, size=7)
    assert drf.things()[thing]["size"] == 7


def test_permissive_mode_with_trailing_slash_stores_the_thing(drf):
    with restish.Client(drf.url, resources=None, trailing_slash=True) as api:
        created = api.api.things.post(name="grace", first_name="Grace")
    assert drf.things()[created["id"]]["first_name"] == "Grace"


def test_snake_case_fields_are_stored_as_named(drf):
    # A hand-written map nests other a_b (MAX convention); with expand=False nothing nests.
    # From DRF's schema, the declared first_name stays literal without being told.
    with restish.Client(drf.url, resources={**MAP, "expand": False}) as api:
        created = api.api.things.post(name="x", first_name="Ada", nick_name="Ace")
    assert drf.things()[created["id"]]["nick_name"] == "Ace"


@pytest.mark.parametrize("listing", LISTINGS)
def test_a_listing_yields_every_item_exactly_once(drf, listing):
    with restish.Client(drf.url, resources=None) as api:
        ids = [item["id"] for item in api.api[listing].iterate()]
    assert ids == drf.item_ids()


def test_a_page_listing_ends_on_the_404_after_a_full_last_page(drf, api):
    ids = [item["id"] for item in api.api.paged.iterate()]
    assert len(ids) == 250 and ids == drf.item_ids()


def test_field_errors_are_the_description(drf, api):
    before = drf.things()
    with pytest.raises(restish.BadRequest) as caught:
        api.api.things.post(name="", size=-1)
    description = caught.value.description
    assert "name: This field may not be blank." in description
    assert "size: Ensure this value is greater than or equal to 0." in description
    assert drf.things() == before


def test_errors_of_fields_named_like_error_keys_are_kept(drf, api):
    # DRF names the field that failed, whatever it is called: status, title, message, type...
    before = drf.things()
    with pytest.raises(restish.BadRequest) as caught:
        api.api.things.post(name="", status="lost")
    assert caught.value.description == ('name: This field may not be blank.; '
                                        'status: "lost" is not a valid choice.')
    assert drf.things() == before


def test_permissive_mode_with_trailing_slash_reaches_drfs_routes(drf):
    with restish.Client(drf.url, resources=None, trailing_slash=True) as api:
        created = api.api.things.post(name="hopper")
        api.api.things[created["id"]].patch(size=3)
        assert api.api.things[created["id"]].get()["size"] == 3
    assert drf.things()[created["id"]]["name"] == "hopper" and drf.things()[created["id"]]["size"] == 3


def test_a_post_answered_by_djangos_slash_redirect_is_not_turned_into_a_get(drf):
    # Without the slash Django answers 301 (APPEND_SLASH): restish sends the POST again, body and all.
    before = len(drf.things())
    with restish.Client(drf.url, resources=None) as api:
        try:
            created = api.api.things.post(name="lovelace")
        except restish.RequestError as exc:   # Django refuses to redirect a POST in DEBUG mode
            pytest.fail(f"not a redirect: {exc}")
    assert drf.things()[created["id"]]["name"] == "lovelace" and len(drf.things()) == before + 1
