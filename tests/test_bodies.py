"""What a body carries (API.md section 4): key_subkey expansion as the map knows it,
form= bodies, schema-declared multipart fields, data= refusing company, and Accept.

httpbin's /anything echoes what it received: each test checks that.
"""
import inspect
import io

import pytest

import restish

ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
MAP = {
    "/anything/notes": {"methods": ALL},
    "/anything/declared": {"methods": ["POST"], "fields": {"post": {
        "first_name": None, "object": {"content": None, "display_name": None, "image": {"full_url": None}},
        "extras": {}}}},
    "/anything/upload": {"methods": ["POST"], "multipart": {"post": ["description", "tags"]}},
    "/anything/form": {"methods": ["POST", "PUT"], "encoding": {"post": "form", "put": "multipart"}},
    "/anything/purge": {"methods": ["DELETE", "POST"], "query": {"delete": ["force"], "post": ["dry_run"]},
                        "fields": {"post": {"dry_run": None}}},
}
DEFAULTS = {"/anything/notes": {"post": {"object": {"objectType": "note"}, "display_name": "x"}}}
# The same routes as an OpenAPI document: what it declares is the only thing that nests.
OPENAPI = {
    "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
    "paths": {
        "/anything/declared": {"post": {"operationId": "declare", "requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Declared"}}}}}},
        "/anything/upload": {"post": {"operationId": "upload", "requestBody": {"content": {"multipart/form-data": {
            "schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}, "description": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}}}}}}}}},
    },
    "components": {"schemas": {
        "Declared": {"allOf": [{"$ref": "#/components/schemas/Named"}, {"type": "object", "properties": {
            "object": {"type": "object", "properties": {
                "content": {"type": "string"}, "display_name": {"type": "string"},
                "image": {"$ref": "#/components/schemas/Image"}}},
            "extras": {"type": "object", "additionalProperties": {"type": "string"}}}}]},
        "Named": {"type": "object", "properties": {"first_name": {"type": "string"}}},
        "Image": {"type": "object", "properties": {"full_url": {"type": "string"}, "parent": {
            "$ref": "#/components/schemas/Image"}}},
    }},
}


@pytest.fixture
def hand(httpbin):
    with restish.Client(httpbin, resources=MAP, defaults=DEFAULTS) as api:
        yield api


@pytest.fixture
def spec(httpbin):
    with restish.Client.from_openapi(OPENAPI, url=httpbin) as api:
        yield api


@pytest.fixture
def loose(httpbin):
    with restish.Client(httpbin, resources=None) as api:
        yield api


DECLARED = dict(first_name="Ada", object_content="hi", object_display_name="A", object_image_full_url="u",
                extras_colour="red", nick_name="Ace")
NESTED = {"first_name": "Ada", "object": {"content": "hi", "display_name": "A", "image": {"full_url": "u"}},
          "extras": {"colour": "red"}}


def test_a_hand_written_map_nests_what_it_does_not_declare(hand):
    assert hand.anything.declared.post(**DECLARED)["json"] == {**NESTED, "nick": {"name": "Ace"}}
    # Defaults declare display_name (literal) and object (an object: object_content nests).
    echo = hand.anything.notes.post(display_name="D", object_content="c", sub_title="s")
    assert echo["json"] == {"display_name": "D", "object": {"objectType": "note", "content": "c"},
                            "sub": {"title": "s"}}


def test_an_openapi_map_nests_only_what_the_schema_declares(spec):
    assert spec.declare(**DECLARED)["json"] == {**NESTED, "nick_name": "Ace"}


def test_a_map_saying_expand_false_keeps_undeclared_names(httpbin):
    with restish.Client(httpbin, resources={**MAP, "expand": False}, defaults=DEFAULTS) as api:
        assert api.anything.declared.post(**DECLARED)["json"] == {**NESTED, "nick_name": "Ace"}
        assert api.routes.expand is False


def test_permissive_mode_keeps_names_and_nests_dotted_keys(loose):
    echo = loose.anything.post(first_name="Ada", **{"object.content": "hi", "object.display_name": "A"})
    assert echo["json"] == {"first_name": "Ada", "object": {"content": "hi", "display_name": "A"}}


def test_expand_true_and_false_force_it(spec, loose, httpbin):
    assert spec.declare(nick_name="Ace", expand=True)["json"] == {"nick": {"name": "Ace"}}
    assert spec.declare(first_name="Ada", expand=True)["json"] == {"first_name": "Ada"}  # declared: literal
    assert loose.anything.post(object_content="x", expand=True)["json"] == {"object": {"content": "x"}}
    flat = spec.declare(object_content="x", **{"a.b": 1}, expand=False)["json"]
    assert flat == {"object_content": "x", "a.b": 1}
    with restish.Client(httpbin, resources=None, expand=True) as nesting:
        assert nesting.anything.post(nick_name="A")["json"] == {"nick": {"name": "A"}}
        assert nesting.anything.post(nick_name="A", expand=None)["json"] == {"nick_name": "A"}


@pytest.mark.parametrize("expand", ["yes", 1, 0])
def test_expand_is_checked(httpbin, loose, expand):
    with pytest.raises(restish.InvalidValue, match="expand"):
        restish.Client(httpbin, resources=None, expand=expand)
    with pytest.raises(restish.InvalidValue, match=r"^POST /anything: expand= must be"):
        loose.anything.post(a=1, expand=expand)


@pytest.mark.parametrize("route, problem", [
    ({"methods": ["POST"], "fields": {"post": ["a"]}}, "fields for POST must be a mapping"),
    ({"methods": ["POST"], "fields": {"get": {"a": None}}}, "fields for 'get', which is not a verb"),
    ({"methods": ["POST"], "fields": {"post": {"a": 1}}}, "fields for POST must be a mapping"),
    ({"methods": ["POST"], "multipart": {"post": "a"}}, "multipart for POST must be a list"),
    ({"methods": ["POST"], "query": {"post": [1]}}, "query for POST must be a list"),
    ({"methods": ["POST"], "encoding": {"post": "xml"}}, "encoding for POST must be one of json, form, multipart"),
])
def test_bad_fields_and_multipart_are_map_errors(route, problem):
    with pytest.raises(restish.MapError, match=problem):
        restish.Client("http://h", resources={"/x": route})


def test_a_bad_expand_setting_is_a_map_error():
    with pytest.raises(restish.MapError, match="expand must be true or false"):
        restish.Client("http://h", resources={"expand": "no", "/x": {"methods": ["GET"]}})


def test_openapi_maps_write_what_they_declare():
    from restish.openapi import spec_to_yaml
    text = spec_to_yaml(OPENAPI)
    assert text.splitlines()[2:4] == ["expand: false", "/anything/declared:"]
    api = restish.Client("http://h", resources=io.StringIO(text))
    assert api.routes.routes["/anything/upload"].multipart == {"POST": frozenset({"description", "tags"})}
    assert api.declare.route.fields["POST"]["object"]["image"] == {"full_url": None, "parent": {
        "full_url": None, "parent": {"full_url": None, "parent": None}}}  # recursion read 4 levels down


def test_a_body_verbs_declared_query_parameters_go_in_the_query(hand, httpbin):
    echo = hand.anything.purge.delete(force=True, reason="old")
    assert echo["args"] == {"force": "true"} and echo["json"] == {"reason": "old"}
    echo = hand.anything.purge.post(dry_run=True)  # a declared body field too: it stays in the body
    assert echo["args"] == {} and echo["json"] == {"dry_run": True}
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/anything/assets": {"post": {
        "operationId": "upload_asset", "parameters": [{"name": "name", "in": "query", "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {"201": {"description": "ok"}}}}}}
    with restish.Client.from_openapi(doc, url=httpbin) as api:
        echo = api.upload_asset(name="a.zip", data=b"PK", headers={"Content-Type": "application/zip"})
    assert echo["args"] == {"name": "a.zip"} and echo["data"] == "PK"


def test_a_body_that_takes_no_json_is_sent_as_its_encoding(hand, httpbin):
    echo = hand.anything.form.post(first_name="Ada", tags=["a", "b"])
    assert echo["form"] == {"first_name": "Ada", "tags": ["a", "b"]} and echo["json"] is None
    assert echo["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    echo = hand.anything.form.put(first_name="Ada", n=1)
    assert echo["form"] == {"first_name": "Ada", "n": "1"} and echo["files"] == {}
    assert echo["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    # A form is flat, as a query string is: nothing nests, even with a hand-written map.
    assert hand.anything.form.post(object_content="x", **{"a.b": 1})["form"] == {"object_content": "x", "a.b": "1"}
    with pytest.raises(restish.InvalidValue, match="form field 'object': cannot send a dict"):
        hand.anything.form.post(object={"content": "x"})
    swagger = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/anything/f": {"post": {
        "operationId": "send", "parameters": [{"name": "first_name", "in": "formData", "type": "string"}],
        "responses": {"200": {"description": "ok"}}}}}}
    with restish.Client.from_openapi(swagger, url=httpbin) as api:
        assert api.send(first_name="Ada")["form"] == {"first_name": "Ada"}


def test_rpc_names_show_their_parameters_and_body_fields(spec, httpbin):
    assert str(inspect.signature(spec.declare)) == "(*, first_name=..., object=..., extras=..., **kwargs)"
    assert "Body fields: first_name, object, extras" in spec.declare.__doc__
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/files/{name}": {"delete": {
        "operationId": "remove", "parameters": [{"name": "name", "in": "path", "required": True},
                                                {"name": "force", "in": "query"}, {"name": "class", "in": "query"}],
        "responses": {"204": {"description": "gone"}}}}}}
    with restish.Client.from_openapi(doc, url=httpbin) as api:
        assert str(inspect.signature(api.remove)) == "(*, name, force=..., **kwargs)"   # 'class' only by **kwargs
        assert "Query parameters: class, force" in api.remove.__doc__


def test_form_is_urlencoded(hand):
    echo = hand.anything.notes.post(form={"first_name": "Ada", "tags": ["a", "b"], "on": True, "gone": None})
    assert echo["form"] == {"first_name": "Ada", "tags": ["a", "b"], "on": "true"}
    assert echo["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert echo["json"] is None  # the default payload is for JSON bodies


def test_form_beside_uploads_travels_as_plain_fields(hand):
    echo = hand.anything.notes.post(form={"description": "a note", "n": 2}, comment="c",
                                    upload_file=("n.txt", io.BytesIO(b"hello")))
    assert echo["form"]["description"] == "a note" and echo["form"]["n"] == "2"
    assert echo["form"]["json_data"].startswith("{")    # the JSON payload, as before
    assert echo["files"] == {"file": "hello"}


@pytest.mark.parametrize("client", ["hand", "spec"])
def test_declared_multipart_fields_travel_as_plain_fields(request, client):
    api = request.getfixturevalue(client)
    upload = api.upload if client == "spec" else api.anything.upload.post
    echo = upload(description="a photo", tags=["x", "y"], upload_file=("p.bin", io.BytesIO(b"\x00\x01")))
    assert echo["form"] == {"description": "a photo", "tags": ["x", "y"]}
    assert echo["files"] == {"file": "\x00\x01"}


@pytest.mark.parametrize("call, problem", [
    (lambda api: api.anything.notes.post(data={"a": 1}, extra=2), "data= sends exactly that body, so extra would"),
    (lambda api: api.anything.notes.post(data="x", form={"a": 1}), "data= sends exactly that body, so it cannot go with form="),
    (lambda api: api.anything.notes.post(form={"a": 1}, extra=2), "form= is the whole body, so extra would"),
    (lambda api: api.anything.notes.get(form={"a": 1}), "form= is a body, and GET sends none"),
    (lambda api: api.anything.notes.post(form=[("a", 1)]), "form= must be a dict"),
    (lambda api: api.anything.notes.post(form={"a": {"b": 1}}), "form field 'a': cannot send a dict"),
    (lambda api: api.anything.upload.post(description="a", form={"description": "b", "n": 1},
                                          upload_file=("p.bin", io.BytesIO(b"x"))),
     "description given both as a keyword and in form="),
    (lambda api: api.anything.form.put(first_name="Ada", form={"first_name": "Grace"},
                                       upload_file=("p.bin", io.BytesIO(b"x"))),
     "first_name given both as a keyword and in form="),
])
def test_nothing_is_dropped_silently(hand, call, problem):
    with pytest.raises(restish.InvalidValue, match=problem):
        call(hand)
    assert hand.last_response is None  # refused before anything was sent


def test_every_call_accepts_json_unless_told(hand, httpbin, tmp_path):
    assert hand.anything.notes.get()["headers"]["Accept"] == "application/json"
    assert hand.anything.notes.get(headers={"Accept": "text/csv"})["headers"]["Accept"] == "text/csv"
    with restish.Client(httpbin, resources=MAP, headers={"Accept": "application/xml"}) as api:
        assert api.anything.notes.get()["headers"]["Accept"] == "application/xml"
    hand.anything.notes.get(stream_to=tmp_path / "out.json")
    assert hand.last_response.request.headers["Accept"] == "*/*"
