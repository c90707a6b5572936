"""The endpoint map: compiling, matching, and every kind of bad map."""
import io
import pickle

import pytest

import restish
from restish.routes import compile_map, load_map

KINTO_LIKE = {
    "/buckets": {"methods": ["GET", "POST"]},
    "/buckets/{id}": {"methods": ["GET", "PUT", "DELETE"]},
    "/buckets/{bucket_id}/collections": {"methods": ["GET", "POST"]},
    "/buckets/{bucket_id}/collections/{id}": {"methods": ["GET"]},
    "/buckets/monitor": {"methods": ["GET"]},
}


def test_variables_named_differently_share_one_node():
    tree = compile_map(KINTO_LIKE)
    bucket = tree.root.fixed["buckets"].var
    assert bucket.route.template == "/buckets/{id}"
    assert bucket.fixed["collections"].route.template == "/buckets/{bucket_id}/collections"
    assert bucket.fixed["collections"].var.route.variables == ("bucket_id", "id")


def test_fixed_segment_wins_over_variable():
    api = restish.Client("http://h", resources=KINTO_LIKE)
    assert api.buckets["monitor"].route == "/buckets/monitor"
    assert api.buckets["other"].route == "/buckets/{id}"
    assert api.buckets["other"].collections.route == "/buckets/{bucket_id}/collections"


def test_the_tree_is_immutable():
    tree = compile_map(KINTO_LIKE)
    with pytest.raises(TypeError):
        tree.root.fixed["evil"] = tree.root  # type: ignore[index]
    with pytest.raises(AttributeError):
        tree.root.route = None  # type: ignore[misc]


def test_methods_are_case_insensitive_and_names_become_rpc():
    tree = compile_map({"/people/{u}": {"methods": ["get", "Post"], "names": {"get": "getUser"}}})
    route = tree.routes["/people/{u}"]
    assert route.methods == {"GET", "POST"}
    assert tree.rpc["getUser"] == (route, "GET")


def test_map_from_open_file_and_path(tmp_path):
    text = "/people:\n  methods: [GET]\n"
    assert "/people" in load_map(io.StringIO(text)).routes
    path = tmp_path / "r.yaml"
    path.write_text(text)
    assert load_map(str(path)).source == str(path)


def test_compiled_map_pickles():
    tree = compile_map(KINTO_LIKE, {"/buckets": {"post": {"data": {}}}})
    again = pickle.loads(pickle.dumps(tree))
    assert set(again.routes) == set(KINTO_LIKE)
    assert again.routes["/buckets"].defaults["POST"] == {"data": {}}


BAD_MAPS = [
    ("/people:\n  methods: [GET\n", 3, "invalid YAML"),
    ("- /people\n- /things\n", 1, "expected a mapping"),
    ("/people:\n  methods: [GET]\n  metods: [POST]\n", 3, "unknown key 'metods'"),
    ("/people:\n  methods: [GET, FETCH]\n", 2, "unknown method 'FETCH'"),
    ("/people:\n  doc: no methods\n", 1, "'methods' must be a non-empty list"),
    ("people:\n  methods: [GET]\n", 1, "must be a string starting with '/'"),
    ("/a/{x}/b/{x}:\n  methods: [GET]\n", 1, "appears twice"),
    ("/a/{x}:\n  methods: [GET]\n/a/{y}:\n  methods: [GET]\n", 3, "variables differ only by name"),
    ("/a/v{x}:\n  methods: [GET]\n", 1, "mixes text and a variable"),
    ("/a//b:\n  methods: [GET]\n", 1, "empty path segment"),
    ("/a/{x}:\n  methods: [GET]\n  params: {x: md5}\n", 3, "unknown transform 'md5'"),
    ("/a/{x}:\n  methods: [GET]\n  params: {y: sha1}\n", 3, "lacks"),
    ("/a:\n  methods: [GET]\n  names: {post: addA}\n", 3, "does not allow"),
    ("/a:\n  methods: [GET]\n  names: {get: 1bad}\n", 3, "not a Python identifier"),
    ("/a:\n  methods: [GET]\n  names: {get: x}\n/b:\n  methods: [GET]\n  names: {get: x}\n", 6, "already used"),
    ("/a:\n  methods: [GET]\n  paginate: {style: magic}\n", 3, "needs a style"),
]


@pytest.mark.parametrize("text, line, reason", BAD_MAPS)
def test_bad_map_names_file_line_and_reason(tmp_path, text, line, reason):
    path = tmp_path / "resources.yaml"
    path.write_text(text)
    with pytest.raises(restish.MapError) as info:
        restish.Client("http://h", resources=str(path))
    assert reason in str(info.value)
    assert str(path) in str(info.value)
    assert info.value.line == line


BAD_DEFAULTS = [
    ("/nowhere:\n  post: {}\n", "not a route in the map"),
    ("/people/{u}/subscriptions:\n  object: {objectType: context}\n", "'object' is not a verb"),
    ("/people/{u}/subscriptions:\n  get: {a: 1}\n", "'get' is not a verb the route allows"),
    ("/people/{u}/subscriptions:\n  post: [1, 2]\n", "payload must be a mapping"),
    ("[1, 2]\n", "expected a mapping"),
]


@pytest.mark.parametrize("text, reason", BAD_DEFAULTS)
def test_bad_defaults(tmp_path, text, reason):
    path = tmp_path / "defaults.yaml"
    path.write_text(text)
    resources = {"/people/{u}/subscriptions": {"methods": ["POST"]}}
    with pytest.raises(restish.MapError) as info:
        restish.Client("http://h", resources=resources, defaults=str(path))
    assert reason in str(info.value) and str(path) in str(info.value)


def test_missing_map_file_is_a_map_error(tmp_path):
    with pytest.raises(restish.MapError, match="cannot read resources"):
        restish.Client("http://h", resources=str(tmp_path / "nope.yaml"))


def test_yaml_tags_are_not_executed(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("/a: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(restish.MapError, match="invalid YAML"):
        restish.Client("http://h", resources=str(path))


def test_rpc_name_may_not_shadow_a_client_attribute():
    with pytest.raises(restish.MapError, match="taken by Client.close"):
        restish.Client("http://h", resources={"/a": {"methods": ["GET"], "names": {"get": "close"}}})


def test_bundled_map_loads_and_is_shared():
    first, second = restish.Client("http://h"), restish.Client("http://h")
    assert first.routes is second.routes
    assert first.people.route == "/people"
