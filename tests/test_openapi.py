"""OpenAPI import: documents from files, URLs and dicts, what they map to, and bad documents.

The Kinto flows (a real Swagger 2.0 document) are in test_kinto.py. Here a
small OpenAPI 3.1 document (tests/data/petstore-openapi3.yaml) is served by
the fault server's ``/status/200?body=`` route; its relative server URL
``/json/{version}`` lands on the fault server's echo route, so every call
shows what went over the wire.
"""
import hashlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import yaml

import restish
from restish.openapi import load, spec_to_yaml, translate
from servers import WSGIServer

DATA = Path(__file__).parent / "data"
PETSTORE = DATA / "petstore-openapi3.yaml"
YAML11 = DATA / "yaml11-openapi3.yaml"


def served(fault, text, ctype="application/yaml"):
    """A URL on the fault server that answers ``text`` with ``ctype``."""
    return f"{fault.url}/status/200?ctype={quote(ctype)}&body={quote(text)}"


@pytest.fixture
def petstore(fault):
    return restish.Client.from_openapi(served(fault, PETSTORE.read_text()))


def test_relative_server_url_resolves_against_the_document_url(fault, petstore):
    assert petstore.url == f"{fault.url}/json/v1"  # server variable filled with its default
    echo = petstore.pets.get(limit=5)
    assert (echo["method"], echo["path"], echo["query"]) == ("GET", "/json/v1/pets", {"limit": "5"})


def test_every_path_and_verb_is_mapped(petstore):
    routes = {r.template: sorted(r.methods) for r in petstore.routes}
    assert routes == {
        "/pets": ["DELETE", "GET", "POST"],             # DELETE comes from /pets/
        "/pets/{petId}": ["GET", "PUT"],                # a $ref'd path item
        "/pets/{id}/toys": ["GET"],                     # shares the {petId} node
        "/owners/{ownerId}/pets": ["GET"],              # path-level $ref'd parameter
        "/photos/{name}.json": ["GET"],                 # text around a variable
        "/health": ["GET"],                             # TRACE left out
    }
    assert petstore.pets["rex"].toys.route == "/pets/{id}/toys"
    assert dict(petstore.routes.routes["/pets"].templates) == {"DELETE": "/pets/", "listPetsAgain": "/pets/"}


def test_operation_ids_become_rpc_names(petstore):
    echo = petstore.getPet(petId="rex")
    assert (echo["method"], echo["path"]) == ("GET", "/json/v1/pets/rex")
    echo = petstore.createPet(name="Rex", tag_label="dog")
    assert echo["json"] == {"name": "Rex", "tag": {"label": "dog"}}
    # Sanitized, and deduplicated in document order: a later 'list_pets', a
    # Client method ('close') and a leading digit each get a new name.
    assert petstore.list_pets.route.template == "/pets"
    assert petstore.list_pets_get(ownerId="ann", limit=2)["path"] == "/json/v1/owners/ann/pets"
    assert petstore.close_get(id=3)["path"] == "/json/v1/pets/3/toys"
    assert petstore.op_2fast()["path"] == "/json/v1/health"


def test_each_operation_goes_to_its_own_template(petstore):
    # /pets and /pets/ are one route; each operation keeps its own spelling, slash included.
    sent = {name: (echo["method"], echo["path"]) for name, echo in [
        ("list_pets", petstore.list_pets()), ("listPetsAgain", petstore.listPetsAgain()),
        ("deleteAllPets", petstore.deleteAllPets()), ("proxy delete", petstore.pets.delete()),
        ("proxy get", petstore.pets.get())]}
    assert sent == {"list_pets": ("GET", "/json/v1/pets"), "listPetsAgain": ("GET", "/json/v1/pets/"),
                    "deleteAllPets": ("DELETE", "/json/v1/pets/"), "proxy delete": ("DELETE", "/json/v1/pets/"),
                    "proxy get": ("GET", "/json/v1/pets")}
    assert repr(petstore.listPetsAgain) == "<rpc listPetsAgain: GET /pets/>"


def test_text_around_a_variable_is_kept(petstore):
    assert petstore.getPhoto(name="a b/c")["path"] == "/json/v1/photos/a%20b%2Fc.json"   # the value encoded
    assert petstore.photos["rex.json"].get()["path"] == "/json/v1/photos/rex.json"       # the whole segment


def test_a_trailing_slash_is_kept(fault):
    doc = {"openapi": "3.0.0", "paths": {"/json/things/": {"post": {"operationId": "createThing"}},
                                         "/json/things/{id}/": {"patch": {"operationId": "patchThing"}}}}
    api = restish.Client.from_openapi(doc, url=fault.url)
    echo = api.createThing(name="x")
    assert (echo["method"], echo["path"], echo["json"]) == ("POST", "/json/things/", {"name": "x"})
    assert api.patchThing(id=7, size=1)["path"] == "/json/things/7/"
    assert api.json.things[7].patch(size=1)["path"] == "/json/things/7/"


def test_merged_templates_keep_their_own_variable_names(fault):
    # GitHub's /orgs/{org}/attestations/{attestation_id} (DELETE) and .../{subject_digest} (GET).
    doc = {"openapi": "3.0.0", "paths": {
        "/json/{org}/att/{attestation_id}": {"delete": {"operationId": "deleteAtt"}},
        "/json/{org}/att/{subject_digest}": {"get": {"operationId": "listAtt"}}}}
    api = restish.Client.from_openapi(doc, url=fault.url)
    assert api.listAtt(org="o", subject_digest="sha256:ab")["path"] == "/json/o/att/sha256%3Aab"
    assert api.deleteAtt(org="o", attestation_id=5)["path"] == "/json/o/att/5"
    with pytest.raises(restish.InvalidValue, match=r"GET /json/\{org\}/att/\{subject_digest\}: listAtt\(\) "
                                                   r"is missing route variable 'subject_digest'"):
        api.listAtt(org="o", attestation_id=5)


def test_docs_are_summaries_then_query_parameters(petstore):
    raw = translate(load(PETSTORE)).raw
    # /pets: three operations saying three things (DELETE from /pets/), so one text per verb.
    assert raw["/pets"]["doc"] == {"get": "List the pets.\n\nquery: limit", "post": "Add a pet to the store.",
                                   "delete": "Remove every pet."}
    assert raw["/pets/{petId}"]["doc"] == "One pet."                # the path item's, for GET and PUT
    assert raw["/pets/{id}/toys"]["doc"] == "A pet's toys.\n\nGET query: kind"
    assert "doc" not in raw["/health"]
    assert petstore.pets["rex"].doc == "One pet."
    assert petstore.pets["rex"].toys.doc == "A pet's toys.\n\nGET query: kind"
    assert petstore.health.doc is None
    assert "List the pets." in petstore.list_pets.__doc__
    assert "Add a pet to the store." in petstore.createPet.__doc__
    assert "List the pets." not in petstore.createPet.__doc__


def test_each_rpc_method_shows_its_own_operations_doc():
    # Needs the map format's per-verb doc (doc: {verb: text}) in routes.py/client.py.
    doc = {"openapi": "3.0.0", "paths": {"/pets": {
        "get": {"operationId": "listPets", "summary": "List pets."},
        "post": {"operationId": "createPet", "summary": "Create a pet."},
        "delete": {"operationId": "purge", "description": "Remove every pet."},
        "put": {"operationId": "replace"}}}}
    assert translate(load(doc)).raw["/pets"]["doc"] == {
        "get": "List pets.", "post": "Create a pet.", "delete": "Remove every pet."}
    api = restish.Client.from_openapi(doc, url="http://h")
    assert "Create a pet." in api.createPet.__doc__ and "List pets." not in api.createPet.__doc__
    assert "Remove every pet." in api.purge.__doc__
    assert "List pets." in api.listPets.__doc__
    assert not any(text in api.replace.__doc__ for text in ("List", "Create", "Remove"))


def test_one_text_when_the_operations_agree():
    doc = {"openapi": "3.0.0", "paths": {
        "/a": {"summary": "Shared.", "get": {}, "put": {"parameters": [{"name": "q", "in": "query"}]}},
        "/b": {"get": {"summary": "Same."}, "post": {"description": "Same."}},
        "/c": {"get": {"summary": "Only one."}}}}
    raw = translate(load(doc)).raw
    assert (raw["/a"]["doc"], raw["/b"]["doc"], raw["/c"]["doc"]) == ("Shared.\n\nPUT query: q", "Same.", "Only one.")


def test_openapi_3_0_and_swagger_2_from_dicts():
    doc = {"openapi": "3.0.3", "servers": [{"url": "https://api.example.com/v2/"}],
           "paths": {"/a/{x}": {"get": {"operationId": "getA", "summary": "A."}}}}
    api = restish.Client.from_openapi(doc)
    assert api.url == "https://api.example.com/v2"
    assert api.a["1"].url == "https://api.example.com/v2/a/1"
    assert api.getA.route.doc == "A."
    swagger = {"swagger": "2.0", "host": "h.example:8080", "basePath": "/base", "schemes": ["https", "http"],
               "paths": {"/b": {"post": {}}}}
    assert restish.Client.from_openapi(swagger).b.url == "https://h.example:8080/base/b"
    assert restish.Client.from_openapi(swagger, url="http://other").b.url == "http://other/b"


def test_swagger_without_host_uses_the_fetch_url(fault):
    swagger = {"swagger": "2.0", "basePath": "/json/api", "paths": {"/c": {"get": {}}}}
    api = restish.Client.from_openapi(served(fault, json.dumps(swagger), "application/json"))
    assert api.c.get()["path"] == "/json/api/c"


def test_relative_server_without_a_fetch_url_needs_url(fault):
    with pytest.raises(restish.MapError, match="no base URL.*pass url="):
        restish.Client.from_openapi(str(PETSTORE))
    api = restish.Client.from_openapi(PETSTORE, url=fault.url + "/json/x")
    assert api.pets.post(name="a")["path"] == "/json/x/pets"


def test_defaults_apply_to_the_openapi_map(fault):
    api = restish.Client.from_openapi(PETSTORE, url=fault.url + "/json", defaults={"/pets": {"post": {"tag": {"label": "cat"}}}})
    assert api.pets.post(name="Tom")["json"] == {"name": "Tom", "tag": {"label": "cat"}}


def test_yaml_round_trip_gives_the_same_client(tmp_path, fault, petstore):
    path = tmp_path / "resources.yaml"
    path.write_text(spec_to_yaml(PETSTORE))
    again = restish.Client(petstore.url, resources=str(path), defaults=None)

    def summary(api):
        return {r.template: (r.methods, dict(r.names), r.doc) for r in api.routes}

    assert summary(again) == summary(petstore)
    assert again.getPet(petId="a")["path"] == petstore.getPet(petId="a")["path"]


def test_yaml_says_what_was_adapted_or_skipped():
    text = spec_to_yaml(PETSTORE)
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert "# API: Pet store" in comments
    assert ("# merged /pets/ into /pets (the same path spelt another way); "
            "its operations keep their own template") in comments
    assert "# GET /pets/ is reached by its RPC name; GET on the proxy goes to /pets" in comments
    assert "# skipped TRACE /health: restish does not send TRACE" in comments
    assert "# operationId 'close' (GET /pets/{id}/toys) is named close_get" in comments
    assert yaml.safe_load(text)["/pets"]["templates"] == {"delete": "/pets/", "listPetsAgain": "/pets/"}


def test_variable_names_differing_merge_into_the_first():
    doc = {"swagger": "2.0", "host": "h", "paths": {"/a/{x}": {"get": {}}, "/a/{y}/": {"put": {}}}}
    api = restish.Client.from_openapi(doc)
    assert [(r.template, sorted(r.methods)) for r in api.routes] == [("/a/{x}", ["GET", "PUT"])]


def test_kinto_document_as_json_file():
    # Kinto 26's /v1/__api__ with its (bulky) responses left out; test_kinto.py reads a live one.
    api = restish.Client.from_openapi(DATA / "kinto-swagger2.json")
    assert api.url == "http://localhost:8888/v1"
    assert len(api.routes.routes) == 19                   # 20 paths; /__user_data__ has no operation
    assert api.create_collection.route.template == "/buckets/{bucket_id}/collections"
    assert api.batch.route == "/batch"                    # a path segment keeps its attribute...
    assert api.batch_post.route.template == "/batch"      # ...and the operation is renamed
    assert api.heartbeat.route.template == "/__heartbeat__"


def test_yaml_11_typing_does_not_change_the_document():
    document = load(YAML11)
    responses = document.data["paths"]["/a"]["get"]["responses"]
    assert list(responses) == ["200", "default"]                    # not the int 200
    assert document.data["components"]["schemas"]["A"]["properties"]["flag"]["default"] is True  # as safe_load
    assert (document.data["openapi"], document.data["info"]["version"]) == ("3.0", "2021-01-01")
    api = restish.Client.from_openapi(YAML11)
    summary = {r.template: (sorted(r.methods), dict(r.names), r.doc) for r in api.routes}
    assert summary == {
        "/a": (["GET"], {"GET": "on"}, "yes"),
        "/b": (["GET"], {"GET": "op_404"}, "GET query: 1, true"),
        "/c": (["GET", "POST"], {"GET": "getC", "POST": "off"}, "12:30"),   # '<<' merged, not 750
    }
    assert api.on.route.template == "/a"
    text = spec_to_yaml(YAML11)
    assert "# API: 2021" in text and "# operationId '404' (GET /b) is named op_404" in text
    again = restish.Client(api.url, resources=yaml.safe_load(text), defaults=None)
    assert {r.template: (dict(r.names), r.doc) for r in again.routes} == \
        {template: (names, doc) for template, (_, names, doc) in summary.items()}


def test_a_non_string_operation_id_in_json_is_noted():
    doc = {"openapi": "3.0.0", "paths": {"/a": {"get": {"operationId": 404}}}}
    translation = translate(load(doc))
    assert "no RPC name for GET /a: operationId 404 is not a string" in translation.notes
    assert "names" not in translation.raw["/a"]


def test_percent_encoded_templates_are_sent_as_written(fault):
    doc = {"openapi": "3.0.0", "paths": {
        "/json/a%20c": {"get": {"operationId": "encoded"}},
        "/json/caf%C3%A9/{id}": {"get": {"operationId": "cafe"}},
        "/json/a%2Fb": {"get": {"operationId": "slash"}}}}
    api = restish.Client.from_openapi(doc, url=fault.url)
    assert api.encoded()["path"] == "/json/a%20c"                  # not /json/a%2520c
    assert api.cafe(id="x y")["path"] == "/json/caf%C3%A9/x%20y"
    assert api.json["a c"].route == "/json/a c"                     # the route holds the text
    assert "skipped /json/a%2Fb: segment 'a%2Fb' decodes to 'a/b'" in " ".join(translate(load(doc)).notes)


def test_paths_named_like_client_attributes_are_noted(fault, caplog):
    doc = {"openapi": "3.0.0", "paths": {"/login": {"post": {"operationId": "doLogin"}},
                                         "/session/{id}": {"get": {}}, "/json": {"get": {}}}}
    with caplog.at_level(logging.INFO, logger="restish.openapi"):
        api = restish.Client.from_openapi(doc, url=fault.url)
    logged = [r.getMessage() for r in caplog.records if r.name == "restish.openapi"]
    assert "<openapi dict>: /login (/login): api.login is the Client's own attribute; " \
           "reach the path as api['login']" in logged
    assert any("api['session']" in line for line in logged)
    assert not any("api['json']" in line for line in logged)
    assert api["login"].url == f"{fault.url}/login" and api["session"][7].url == f"{fault.url}/session/7"


def test_servers_below_the_top_level_are_noted():
    doc = {"openapi": "3.0.0", "servers": [{"url": "https://api.example"}], "paths": {
        "/a": {"servers": [{"url": "https://a.example"}], "get": {}},
        "/b": {"get": {"servers": [{"url": "https://b.example"}]}, "post": {}}}}
    translation = translate(load(doc))
    assert translation.base_url == "https://api.example"
    assert "ignored the servers of /a: its calls go to the document's base URL" in translation.notes
    assert "ignored the servers of GET /b: it is sent to the document's base URL" in translation.notes


def test_resources_cannot_be_given():
    doc = {"openapi": "3.0.0", "paths": {"/a": {"get": {}}}}
    with pytest.raises(restish.InvalidValue, match="from_openapi builds the map from the document; "
                                                    "resources= cannot be given"):
        restish.Client.from_openapi(doc, url="http://h", resources=None)


GUARDED_SPEC = json.dumps({"openapi": "3.0.0", "paths": {"/items": {"get": {"operationId": "items"}}}})


def guarded_spec(environ, start_response):
    """The document, only for ``Bearer s3cret`` with ``X-Tenant: t1``; 401 otherwise."""
    if (environ.get("HTTP_AUTHORIZATION"), environ.get("HTTP_X_TENANT")) != ("Bearer s3cret", "t1"):
        start_response("401 Unauthorized", [("Content-Type", "application/json")])
        return [b'{"error": "Unauthorized", "error_description": "who are you?"}']
    start_response("200 OK", [("Content-Type", "application/json")])
    return [GUARDED_SPEC.encode()]


def test_a_spec_behind_auth_is_fetched_with_the_clients_credentials(fault):
    with WSGIServer(guarded_spec) as server:
        spec = server.url + "/openapi.json"
        with pytest.raises(restish.Unauthorized):
            restish.Client.from_openapi(spec)
        api = restish.Client.from_openapi(spec, auth=restish.auth.Bearer("s3cret"), headers={"X-Tenant": "t1"})
        assert api.items.route == "/items" and api.url == server.url
        session = requests.Session()
        session.headers.update({"Authorization": "Bearer s3cret", "X-Tenant": "t1"})
        assert restish.Client.from_openapi(spec, session=session).session is session
        # url= on another origin: the credentials are that API's, not the document host's.
        with pytest.raises(restish.Unauthorized) as info:
            restish.Client.from_openapi(spec, url=fault.url, auth=restish.auth.Bearer("s3cret"),
                                        headers={"X-Tenant": "t1"})
        assert "s3cret" not in str(info.value)


def test_a_redirected_spec_fetch_drops_the_credentials(fault):
    target = f"{fault.url}/status/200?body={quote(GUARDED_SPEC)}"
    with WSGIServer(redirect_to(target)) as server:
        restish.Client.from_openapi(server.url + "/spec", auth=restish.auth.Bearer("s3cret"),
                                    headers={"X-Api-Key": "k3y"})
    sent = next(headers for method, path, headers in reversed(fault.requests) if path.startswith("/status/200"))
    assert "Authorization" not in sent and "X-Api-Key" not in sent


def basic_guarded(environ, start_response):
    """A spec with a relative server (/v1) and the API under it, both only for Basic u:pw."""
    if environ.get("HTTP_AUTHORIZATION") != "Basic dTpwdw==":  # u:pw
        start_response("401 Unauthorized", [("Content-Type", "application/json")])
        return [b'{"error": "Unauthorized", "error_description": "who are you?"}']
    start_response("200 OK", [("Content-Type", "application/json")])
    if environ["PATH_INFO"] == "/spec.json":
        return [json.dumps({"openapi": "3.0.0", "servers": [{"url": "/v1"}],
                            "paths": {"/things": {"get": {"operationId": "things"}}}}).encode()]
    return [json.dumps({"path": environ["PATH_INFO"]}).encode()]


def test_user_info_in_the_spec_url_is_the_apis_basic_auth_on_its_origin(fault):
    """As Client(url) with user:password@: the API on the spec's origin gets Basic auth."""
    with WSGIServer(basic_guarded) as server:
        spec = server.url.replace("http://", "http://u:pw@") + "/spec.json"
        api = restish.Client.from_openapi(spec)
        assert api.url == server.url + "/v1" and "pw" not in repr(api.auth)
        assert api.things.get() == {"path": "/v1/things"}
        # auth= given: it wins, as in Client(url); url= given: the API is elsewhere, no user info goes there.
        with pytest.raises(restish.Unauthorized):
            restish.Client.from_openapi(spec, auth=restish.auth.Bearer("other")).things.get()
        elsewhere = restish.Client.from_openapi(spec, url=fault.url + "/json")
        assert elsewhere.auth is None
        assert "Authorization" not in elsewhere.things.get()["headers"]


def test_user_info_in_the_spec_url_never_goes_to_another_origin(fault):
    """A spec whose relative server resolves on another origin (after a redirect) gets no auth."""
    spec = json.dumps({"openapi": "3.0.0", "servers": [{"url": "/json"}], "paths": {"/a": {"get": {}}}})
    with WSGIServer(redirect_to(f"{fault.url}/status/200?body={quote(spec)}")) as server:
        api = restish.Client.from_openapi(server.url.replace("http://", "http://u:pw@") + "/spec")
    assert api.url == fault.url + "/json" and api.auth is None
    assert "Authorization" not in api.a.get()["headers"]


def redirect_to(url):
    def app(environ, start_response):
        start_response("302 Found", [("Location", url), ("Content-Length", "0")])
        return [b""]
    return app


@pytest.mark.parametrize("doc, problem", [
    (["not", "a", "mapping"], "not an OpenAPI document: the top level is a list"),
    ({"paths": {}}, "not an OpenAPI document: no 'openapi' or 'swagger'"),
    ({"swaggerVersion": "1.2", "apis": []}, "unsupported Swagger version '1.2'"),
    ({"swagger": "3.0", "paths": {}}, "unsupported Swagger version '3.0'"),
    ({"openapi": "4.0.0", "paths": {}}, "unsupported OpenAPI version '4.0.0'"),
    ({"openapi": "3.0.0"}, "no 'paths' mapping"),
    ({"openapi": "3.0.0", "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Gone"}}}}}},
     r"#/paths/~1a/get/responses/200: broken \$ref '#/components/responses/Gone': nothing at 'components'"),
    ({"openapi": "3.0.0", "paths": {"/a": {"$ref": "#/x-a"}}, "x-a": {"$ref": "#/x-b"}, "x-b": {"$ref": "#/x-a"}},
     r"paths /a: circular \$ref #/x-a -> #/x-b -> #/x-a"),
    ({"openapi": "3.0.0", "paths": {"/a": {"get": {"parameters": [{"$ref": "common.yaml#/limit"}]}}}},
     r"external \$ref 'common.yaml#/limit' is not supported"),
    ({"openapi": "3.0.0", "servers": [{"url": "https://{host}/v1"}], "paths": {}},
     r"servers\[0\] url variable \{host\} has no default"),
    ({"openapi": "3.0.0", "servers": [{"url": "http://{h}", "variables": ["x"]}], "paths": {}},
     r"servers\[0\] 'variables' must be a mapping, got list"),
    ({"openapi": "3.0.0", "servers": [{"url": "http://{h}", "variables": {"h": "x"}}], "paths": {}},
     r"servers\[0\] variable 'h' must be a mapping with a 'default'"),
    ({"openapi": "3.0.0", "servers": {"url": "http://x"}, "paths": {}}, r"'servers' must be a list, got dict"),
    ({"openapi": "3.0.0", "servers": ["http://x"], "paths": {}}, r"servers\[0\] needs a 'url' string"),
])
def test_bad_documents_raise_map_error(doc, problem):
    with pytest.raises(restish.MapError, match=problem) as info:
        restish.Client.from_openapi(doc, url="http://h")
    assert str(info.value).startswith("<openapi dict>: ")


def test_bad_files_name_the_file(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.0\npaths: [unclosed\n")
    with pytest.raises(restish.MapError, match=r"broken.yaml, line \d+: not JSON or YAML"):
        restish.Client.from_openapi(broken, url="http://h")
    with pytest.raises(restish.MapError, match="missing.yaml: cannot read OpenAPI document"):
        restish.Client.from_openapi(tmp_path / "missing.yaml", url="http://h")


def test_a_document_fetched_as_html_is_refused(fault):
    with pytest.raises(restish.MapError, match=r"/html: the URL answered with an HTML page \(text/html\)"):
        restish.Client.from_openapi(fault.url + "/html")


def test_fetch_failures_are_typed(fault):
    with pytest.raises(restish.NotFound, match="GET .*/nowhere -> 404"):
        restish.Client.from_openapi(fault.url + "/nowhere")
    with pytest.raises(restish.TransportError):
        restish.Client.from_openapi(fault.url + "/drop", retries=0)  # the client's retries apply


def test_a_spec_fetch_goes_through_the_clients_send_chain(fault, caplog):
    # Logged like any call, with the token in the URL masked; the query is kept.
    url = served(fault, PETSTORE.read_text()) + "&access_token=t0ken-in-url"
    with caplog.at_level(logging.DEBUG, logger="restish"):
        api = restish.Client.from_openapi(url)
    logged = [r.getMessage() for r in caplog.records if r.name == "restish"]
    assert any(line.startswith(f"GET {fault.url}/status/200?") and "-> 200" in line for line in logged)
    assert not any("t0ken-in-url" in line for line in logged)
    assert api.url == f"{fault.url}/json/v1"


@pytest.mark.parametrize("value", ["s3cr3t-VALUE\n", "s3cr3t-VALUÉ€"])
def test_a_spec_fetch_checks_the_headers_before_sending(fault, value):
    before = len(fault.requests)
    with pytest.raises(restish.InvalidValue) as info:
        restish.Client.from_openapi(served(fault, PETSTORE.read_text()), headers={"X-Api-Key": value})
    assert "header 'X-Api-Key'" in str(info.value) and "(value not shown)" in str(info.value)
    assert "s3cr3t" not in str(info.value) and "s3cr3t" not in repr(info.value.__cause__)
    assert len(fault.requests) == before  # nothing was sent


def spec_app(environ, start_response):
    body = json.dumps({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
                       "paths": {"/a": {"get": {}}}}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def test_a_spec_fetch_leaves_the_callers_session_as_it_was():
    session = requests.Session()
    before = dict(session.adapters)
    document = load("http://docs.test/openapi.json", app=spec_app, session=session)
    assert document.data["paths"] == {"/a": {"get": {}}}
    assert dict(session.adapters) == before  # the same adapters, nothing mounted for docs.test
    api = restish.Client.from_openapi("http://docs.test/openapi.json", url="http://api.test",
                                      app=spec_app, session=session)
    assert api.session is session and "http://docs.test/" not in session.adapters


def test_fetch_url_credentials_never_show(fault):
    url = fault.url.replace("http://", "http://user:hunter2@") + "/html"
    with pytest.raises(restish.MapError) as info:
        restish.Client.from_openapi(url)
    assert "hunter2" not in str(info.value)


def test_cli_openapi_writes_resources_yaml(tmp_path):
    # The restish being tested, not whatever copy is installed: cwd is elsewhere.
    env = {**os.environ, "PYTHONPATH": str(Path(restish.__file__).parent.parent)}
    done = subprocess.run([sys.executable, "-m", "restish", "openapi", str(PETSTORE)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == spec_to_yaml(PETSTORE)
    bad = subprocess.run([sys.executable, "-m", "restish", "openapi", str(tmp_path / "nope.yaml")],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert bad.returncode == 2 and "cannot read OpenAPI document" in bad.stderr


def test_operation_ids_named_like_the_root_proxys_verbs_are_renamed():
    doc = {"openapi": "3.0.0", "paths": {"/things": {"get": {"operationId": "get"}, "post": {"operationId": "iterate"}},
                                         "/": {"get": {"operationId": "path"}}}}
    translation = translate(load(doc))
    assert translation.raw["/things"]["names"] == {"get": "get_get", "post": "iterate_post"}
    assert translation.raw["/"]["names"] == {"get": "path_get"}
    assert "operationId 'get' (GET /things) is named get_get" in translation.notes
    api = restish.Client.from_openapi(doc, url="http://h")
    assert api.get_get.route.template == "/things" and api.path == "/"


_IDS = ["list", "get", "close", "item", "item_get", "item_get_2", "2fa", "class", "people", "list-all",
        "__heartbeat__", "Item", "item_post", "", "---", "session", "x.y", "x_y", "login", "iterate"]
_VERBS = ["get", "post", "put", "patch", "delete", "head", "options"]


def _colliding_document():
    """400 paths whose operationIds collide with each other, Client attributes and segments."""
    paths = {}
    for n in range(400):
        segment = ["people", "items", "session", "things", "login"][n % 5]
        path = f"/{segment}/n{n}" if n % 7 else f"/{segment}{n}"
        verbs = [_VERBS[(n + k) % 7] for k in range(1 + n % 3)]
        paths[path] = {verb: {"operationId": _IDS[(n * 3 + k * 5) % len(_IDS)]} for k, verb in enumerate(verbs)}
    return {"openapi": "3.0.0", "paths": paths}


def test_rpc_names_of_colliding_operation_ids_are_those_restish_always_gave():
    # The digest of the 720 names restish 0.x gave this document (fc6c096, which built
    # 10,000 candidates per name): making candidates lazily must not change one of them.
    raw = translate(load(_colliding_document())).raw
    routes = {template: spec for template, spec in raw.items() if template.startswith("/")}  # not expand:
    lines = sorted(f"{verb} {template} {name}"
                   for template, spec in routes.items() for verb, name in spec.get("names", {}).items())
    assert len(lines) == 720
    assert hashlib.sha1("\n".join(lines).encode()).hexdigest() == "4d31f91970b519c85261f78342472f3730a48358"
    names = {(template, verb): name for template, spec in routes.items() for verb, name in spec.get("names", {}).items()}
    assert names[("/things/n373", "put")] == "iterate_put_6"     # the sixth PUT named iterate
    assert names[("/session/n2", "put")] == "op_2fa"             # a leading digit
    assert ("/items/n11", "delete") not in names                 # operationId '' names nothing


def test_thousands_of_operations_sharing_one_operation_id_are_all_named():
    # restish once stopped at 10,000 names a verb (StopIteration, not a MapError).
    count = 10_001
    doc = {"openapi": "3.0.0", "paths": {f"/p{n}": {"get": {"operationId": "ping"}} for n in range(count)}}
    api = restish.Client.from_openapi(doc, url="http://h")
    assert len(api.routes.rpc) == count
    assert api.ping.route.template == "/p0" and api.ping_get.route.template == "/p1"
    assert api.ping_get_10000.route.template == f"/p{count - 1}"


def test_github_rpc_names_are_those_of_the_plain_rule(monkeypatch):
    # GitHub's description (tests/data), translated as restish does and again with the
    # naming rule written the plain way (try base, base_verb, base_verb_2... in turn):
    # the same map, names and all.
    import gzip
    import itertools

    from restish import openapi

    doc = json.loads(gzip.decompress((DATA / "api.github.com.json.gz").read_bytes()))
    fast = translate(load(doc)).raw

    def plain(taken, base, verb):
        stem = f"{base}_{verb.lower()}"
        candidates = itertools.chain((base, stem), (f"{stem}_{n}" for n in itertools.count(2)))
        return next(name for name in candidates if name not in taken)

    monkeypatch.setattr(openapi._Taken, "first_free", plain)
    assert translate(load(doc)).raw == fast
    assert sum(len(spec.get("names", {})) for spec in fast.values() if isinstance(spec, dict)) > 1000
