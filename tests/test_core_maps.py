"""Map checks at load time, per-verb docs, trailing slashes."""
import io

import pytest

import restish
from restish.routes import compile_map, dump_map, load_map


def test_duplicate_keys_in_defaults(tmp_path):
    path = tmp_path / "defaults.yaml"
    path.write_text("/a:\n  post:\n    object: {objectType: note}\n    object: {}\n")
    with pytest.raises(restish.MapError) as info:
        restish.Client("http://h", resources={"/a": {"methods": ["POST"]}}, defaults=str(path))
    assert "key 'object' under /a: post is given twice (first on line 3)" in str(info.value)
    assert info.value.line == 4


def test_yaml_merge_keys_are_not_duplicates():
    # "methods" in /b is given once; <<'s copy of /a's methods is not a duplicate.
    text = "/a: &a\n  methods: [GET]\n/b:\n  <<: *a\n  methods: [POST]\n"
    tree = load_map(io.StringIO(text))
    assert tree.routes["/b"].methods == {"POST"}


@pytest.mark.parametrize("name", ["url", "session", "auth", "headers", "timeout", "retries", "verify",
                                  "expand", "on_token", "close", "routes", "last_response"])
def test_rpc_name_may_not_be_any_client_attribute(name):
    with pytest.raises(restish.MapError, match=f"RPC name '{name}' is taken by Client.{name}"):
        restish.Client("http://h", resources={"/a": {"methods": ["GET"], "names": {"get": name}}})


PER_VERB = {
    "/pets": {"methods": ["GET", "POST"], "doc": {"post": "Create a pet.", "get": "List pets."},
              "names": {"get": "listPets", "post": "createPet"}},
    "/pets/{id}": {"methods": ["GET"], "doc": "One pet.", "names": {"get": "getPet"}},
}


def test_per_verb_docs():
    api = restish.Client("http://h", resources=PER_VERB)
    route = api.routes.routes["/pets"]
    assert dict(route.docs) == {"GET": "List pets.", "POST": "Create a pet."}
    assert api.pets.doc == "GET: List pets.\nPOST: Create a pet."  # in verb order, whatever the map's
    assert api.listPets.__doc__.startswith("GET /pets\n\nList pets.\n\n")  # then how kwargs travel
    assert api.createPet.__doc__.startswith("POST /pets\n\nCreate a pet.\n\n")
    assert api.pets[1].doc == "One pet." and api.getPet.__doc__.startswith("GET /pets/{id}\n\nOne pet.\n\n")
    assert not api.routes.routes["/pets/{id}"].docs


def test_dump_map_round_trips_per_verb_docs():
    text = dump_map(PER_VERB)
    assert "doc:" in text and "post: Create a pet." in text
    again = load_map(io.StringIO(text))
    assert dict(again.routes["/pets"].docs) == {"GET": "List pets.", "POST": "Create a pet."}
    assert again.routes["/pets/{id}"].doc == "One pet."
    assert dump_map(again.raw) == text


def test_trailing_slash_is_kept():
    api = restish.Client("http://h/v1", resources={
        "/people/": {"methods": ["GET", "POST"]},
        "/people/{id}/": {"methods": ["GET"]},
        "/people/{id}/avatar": {"methods": ["GET"]},
    })
    assert api.people.path == "/people/" and api.people.url == "http://h/v1/people/"
    assert api.people.route == "/people/"
    assert api.people["al"].url == "http://h/v1/people/al/"
    assert api.people["al"].avatar.url == "http://h/v1/people/al/avatar"
    assert api.people.prepare("post", a=1).url == "http://h/v1/people/"
    assert repr(api.people) == "<ResourceCollection /people/ GET POST>"
    assert compile_map({"/": {"methods": ["GET"]}}).routes["/"].trailing_slash is False
