"""OpenAPI import: documents from files, URLs and dicts, what they map to, and bad documents.

The Kinto flows (a real Swagger 2.0 document) are in test_kinto.py. Here a
small OpenAPI 3.1 document (tests/data/petstore-openapi3.yaml) is served by
the fault server's ``/status/200?body=`` route; its relative server URL
``/json/{version}`` lands on the fault server's echo route, so every call
shows what went over the wire.
"""
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

import restish
from restish.openapi import spec_to_yaml

DATA = Path(__file__).parent / "data"
PETSTORE = DATA / "petstore-openapi3.yaml"


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
        "/health": ["GET"],                             # TRACE left out
    }
    assert petstore.pets["rex"].toys.route == "/pets/{id}/toys"


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


def test_docs_are_first_summary_then_query_parameters(petstore):
    assert petstore.pets.doc == "List the pets.\n\nGET query: limit"
    assert petstore.pets["rex"].doc == "One pet."                  # path item summary
    assert petstore.pets["rex"].toys.doc == "A pet's toys.\n\nGET query: kind"
    assert petstore.health.doc is None
    assert "List the pets." in petstore.list_pets.__doc__


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
    assert "# /pets/ is sent as /pets" in comments
    assert any("skipped /photos/{name}.json: segment '{name}.json' mixes text and a variable" in c for c in comments)
    assert "# skipped TRACE /health: restish does not send TRACE" in comments
    assert "# operationId 'close' (GET /pets/{id}/toys) is named close_get" in comments
    assert "/photos" not in yaml.safe_load(text)


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
        restish.Client.from_openapi(fault.url + "/drop")


def test_fetch_url_credentials_never_show(fault):
    url = fault.url.replace("http://", "http://user:hunter2@") + "/html"
    with pytest.raises(restish.MapError) as info:
        restish.Client.from_openapi(url)
    assert "hunter2" not in str(info.value)


def test_cli_openapi_writes_resources_yaml(tmp_path):
    done = subprocess.run([sys.executable, "-m", "restish", "openapi", str(PETSTORE)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == spec_to_yaml(PETSTORE)
    bad = subprocess.run([sys.executable, "-m", "restish", "openapi", str(tmp_path / "nope.yaml")],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert bad.returncode == 2 and "cannot read OpenAPI document" in bad.stderr
