"""The endpoint map: compiling, matching, and every kind of bad map."""
import io
import pickle

import pytest

import restish
from restish.routes import Route, compile_map, declaration_problem, load_map, read_yaml

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
    ("/a/v{x}}:\n  methods: [GET]\n", 1, "segment 'v{x}}' is not text and {variables}"),
    ("/a/{x}{y}:\n  methods: [GET]\n", 1, "two variables with no text between"),
    ("/a/{x}.{x}:\n  methods: [GET]\n", 1, "{x} appears twice"),
    ("/a/{x}.json:\n  methods: [GET]\n  params: {x: sha1}\n", 3, "shares its segment"),
    ("/a/{x}:\n  methods: [GET]\n  names: {get: [a, b]}\n  templates: {b: '/b/{y}'}\n", 4, "not the same path"),
    ("/a/{x}:\n  methods: [GET]\n  templates: {post: '/a/{y}'}\n", 3, "neither a verb nor an RPC name"),
    ("/a//b:\n  methods: [GET]\n", 1, "empty path segment"),
    ("/a/{x}:\n  methods: [GET]\n  params: {x: md5}\n", 3, "unknown transform 'md5'"),
    ("/a/{x}:\n  methods: [GET]\n  params: {y: sha1}\n", 3, "lacks"),
    ("/a:\n  methods: [GET]\n  names: {post: addA}\n", 3, "does not allow"),
    ("/a:\n  methods: [GET]\n  names: {get: 1bad}\n", 3, "not a Python identifier"),
    ("/a:\n  methods: [GET]\n  names: {get: x}\n/b:\n  methods: [GET]\n  names: {get: x}\n", 6, "already used"),
    ("/a:\n  methods: [GET]\n  paginate: {style: magic}\n", 3, "needs a style"),
    ("/a:\n  methods: [GET]\n/a:\n  methods: [POST]\n", 3, "key '/a' is given twice (first on line 1)"),
    ("/a:\n  methods: [GET]\n  methods: [POST]\n", 3, "key 'methods' under /a is given twice"),
    ("/a:\n  methods: [GET, POST]\n  names: {get: x, post: x}\n", 3, "named twice"),
    ("/a:\n  methods: [GET]\n123:\n  methods: [GET]\n", 3, "route 123 must be a string"),
    ("/a:\n  methods: [GET]\n  doc: {post: Create.}\n", 3, "doc for 'post', which is not a verb the route allows"),
    ("/a:\n  methods: [GET]\n  doc:\n    get: [not, text]\n", 4, "doc for GET must be a string"),
    ("/a:\n  methods: [GET]\n  doc: 5\n", 3, "'doc' must be a string or a mapping"),
    ("/a:\n  methods: [GET]\n/a/:\n  methods: [POST]\n", 3, "differ only by a trailing slash"),
    ("/a//:\n  methods: [GET]\n", 1, "empty path segment"),
]


def assert_map_error(path, text, line, reason, **client_kw):
    """Writing ``text`` to ``path`` and building a client from it is a MapError naming
    the file, ``line`` and ``reason``."""
    path.write_text(text)
    with pytest.raises(restish.MapError) as info:
        restish.Client("http://h", **client_kw)
    assert reason in str(info.value)
    assert str(path) in str(info.value)
    assert info.value.line == line


@pytest.mark.parametrize("text, line, reason", BAD_MAPS)
def test_bad_map_names_file_line_and_reason(tmp_path, text, line, reason):
    path = tmp_path / "resources.yaml"
    assert_map_error(path, text, line, reason, resources=str(path))


BAD_DEFAULTS = [
    ("/nowhere:\n  post: {}\n", 1, "not a route in the map"),
    ("/people/{u}/subscriptions:\n  object: {objectType: context}\n", 2, "'object' is not a verb"),
    ("/people/{u}/subscriptions:\n  get: {a: 1}\n", 2, "'get' is not a verb the route allows"),
    ("/people/{u}/subscriptions:\n  post: [1, 2]\n", 2, "payload must be a mapping"),
    ("[1, 2]\n", 1, "expected a mapping"),
]


@pytest.mark.parametrize("text, line, reason", BAD_DEFAULTS)
def test_bad_defaults(tmp_path, text, line, reason):
    path = tmp_path / "defaults.yaml"
    resources = {"/people/{u}/subscriptions": {"methods": ["POST"]}}
    assert_map_error(path, text, line, reason, resources=resources, defaults=str(path))


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


# -- paginate: and items: declarations -----------------------------------------

@pytest.mark.parametrize("paginate, items", [
    (None, None),
    ({"style": "link"}, None),
    ({"style": "header", "header": "X-Next"}, "data"),
    ({"style": "page", "param": "p", "size": "n", "start": 0}, "result.items"),
    ({"style": "offset", "limit": "max"}, None),
    ({"style": "cursor", "param": "after", "field": "uid", "limit": "count"}, "items"),
])
def test_declaration_problem_accepts_good_declarations(paginate, items):
    assert declaration_problem(paginate, items) is None


@pytest.mark.parametrize("paginate, items, problem", [
    (["link"], None, "'paginate' must be a mapping with a style among link, header, page, offset, cursor, next, "
                     "not ['link']"),
    ("link", None, "'paginate' must be a mapping"),
    ({}, None, "'paginate' needs a style among link, header, page, offset, cursor"),
    ({"style": "pages"}, None, "'paginate' needs a style among link, header, page, offset, cursor, next, not 'pages'"),
    ({"style": ["page"]}, None, "needs a style among"),
    ({"style": "link", "size": 3}, None, "paginate style 'link' has no key 'size' (it knows none)"),
    ({"style": "page", "limit": "n", 1: 2}, None, "paginate style 'page' has no key 'limit', 1 "
                                                  "(it knows param, size, start)"),
    ({"style": "page", "start": "1"}, None, "paginate style 'page': 'start' must be a whole number >= 0, not '1'"),
    ({"style": "page", "start": 1.5}, None, "'start' must be a whole number >= 0, not 1.5"),
    ({"style": "page", "start": True}, None, "'start' must be a whole number >= 0, not True"),
    ({"style": "page", "start": -1}, None, "'start' must be a whole number >= 0, not -1"),
    ({"style": "page", "size": 50}, None, "paginate style 'page': 'size' must name a query parameter, not 50"),
    ({"style": "offset", "param": ""}, None, "'param' must name a query parameter, not ''"),
    ({"style": "cursor", "field": ["a"]}, None, "'cursor': 'field' must name a field of an item, not ['a']"),
    ({"style": "header", "header": None}, None, "'header' must name a response header, not None"),
    ({"style": "page", "param": "per_page"}, None, "'param' and 'size' both name 'per_page'"),
    ({"style": "cursor", "param": "n", "limit": "n"}, None, "'param' and 'limit' both name 'n'"),
    (None, 5, "'items' must be a key such as 'data', or a dotted one such as 'page.items', not 5"),
    (None, ["a"], "'items' must be a key"),
    (None, "", "'items' must be a key"),
    (None, "page..items", "'items' 'page..items' has an empty key between its dots"),
    ({"style": "link"}, ".items", "empty key"),
])
def test_declaration_problem_says_what_is_wrong(paginate, items, problem):
    assert problem in declaration_problem(paginate, items)


def test_declaration_problem_keeps_long_values_short():
    assert len(declaration_problem({"style": "page", "size": list(range(1000))}, None)) < 150


def test_a_bad_paginate_declaration_names_its_line(tmp_path):
    path = tmp_path / "resources.yaml"
    path.write_text("/a:\n  methods: [GET]\n/b:\n  methods: [GET]\n  items: data\n  paginate: {style: page, start: x}\n")
    with pytest.raises(restish.MapError) as info:
        restish.Client("http://h", resources=str(path))
    assert "route /b: paginate style 'page': 'start' must be a whole number" in str(info.value)
    assert info.value.line == 6


@pytest.mark.parametrize("text, line, under", [
    ("/a: &x\n  methods: [GET]\n  doc: *x\n", 3, "/a: doc"),
    ("/a: &x\n  doc: hi\n  params: *x\n", 3, "/a: params"),
    ("/a: &x\n  methods: [GET]\n  names: {k: *x}\n", 3, "/a: names: k"),
    ("/a: &x\n  <<: *x\n  methods: [GET]\n", 1, "/a"),  # a merge of itself: PyYAML would recurse forever
])
def test_a_self_referencing_alias_is_a_map_error(text, line, under):
    with pytest.raises(restish.MapError) as info:
        restish.Client("http://h", resources=io.StringIO(text))
    assert f"an alias under {under} refers to a node that contains it" in str(info.value)
    assert info.value.line == line


def test_a_recursive_default_payload_is_a_map_error(tmp_path):
    path = tmp_path / "defaults.yaml"
    path.write_text("/a:\n  post: &p\n    object: {inner: *p}\n")
    with pytest.raises(restish.MapError, match="an alias under /a: post: object: inner refers to a node"):
        restish.Client("http://h", resources={"/a": {"methods": ["POST"]}}, defaults=str(path))


def test_aliases_are_walked_once_not_once_per_reference():
    # "Billion laughs" within the alias budget: each level aliases the one below
    # twice. Walking every reference visits 2**12 mappings (a line entry each);
    # walking each node once visits 13. (Past the budget it is refused: test_hostile_yaml.)
    lines = ["l0: &l0 {a: 1}"] + [f"l{i}: &l{i} {{x: *l{i - 1}, y: *l{i - 1}}}" for i in range(1, 13)]
    data, _, key_lines = read_yaml(io.StringIO("\n".join(lines) + "\n"), "resources")
    assert len(key_lines) < 100
    assert data["l2"]["x"]["y"]["a"] == 1 and data["l12"]["x"] is data["l12"]["y"]  # the shared objects load as YAML means them


def test_a_shared_alias_still_has_its_duplicate_keys_found():
    text = "/a: &a\n  methods: [GET]\n  methods: [POST]\n/b: *a\n"
    with pytest.raises(restish.MapError, match="key 'methods' under /a is given twice") as info:
        load_map(io.StringIO(text))
    assert info.value.line == 3


def test_a_route_built_by_hand_is_checked_when_built():
    with pytest.raises(restish.MapError, match="route /x: 'paginate' needs a style"):
        Route("/x", frozenset({"GET"}), paginate={"style": "magic"})
    with pytest.raises(restish.MapError, match="route /x: 'items' must be a key"):
        Route("/x", frozenset({"GET"}), items=5)
    assert Route("/x", frozenset({"GET"}), paginate={"style": "page"}, items="data").items == "data"


WORDS = ("people", "activities", "contexts", "comments", "likes", "favorites", "subscriptions", "admin")


def test_typos_among_many_siblings_are_suggested_from_names_spelt_alike():
    # 8,000 siblings: past the size where every one is compared with the typo.
    names = [f"{WORDS[i % len(WORDS)]}_{i // len(WORDS)}" for i in range(8000)]
    api = restish.Client("http://h", resources={f"/{name}": {"methods": ["GET"]} for name in names})
    for typo, meant in [("activites_250", "activities_250"),      # a letter left out in the middle
                        ("xomments_999", "comments_999"),          # the first letter wrong
                        ("people_99x", "people_99"),               # one too many at the end
                        ("favorites_1-0", "favorites_10")]:        # a slip near the end
        with pytest.raises(restish.UnknownResource) as info:
            getattr(api, typo)
        assert meant in info.value.suggestions, (typo, info.value.suggestions)
        with pytest.raises(restish.UnknownResource) as info:
            api[typo]
        assert meant in info.value.suggestions


def test_typos_among_few_siblings_compare_with_every_one():
    import difflib
    names = [f"{word}{n}" for word in WORDS for n in range(30)]  # 240 siblings
    node = compile_map({f"/{name}": {"methods": ["GET"]} for name in names}).root
    for typo in ("pepole3", "xikes29", "admin", "subscriptions_1", "zzz"):
        assert node.suggest(typo) == difflib.get_close_matches(typo, names, n=3, cutoff=0.6)
