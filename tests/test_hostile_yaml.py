"""YAML alias bombs: maps, defaults and OpenAPI documents whose aliases expand past the bound.

Nine anchors of nine aliases each fit in about 1 KB and stand for 9**9 values;
before the bound, anything that walked them (``str()`` of ``methods``,
``json.dumps`` of a default payload, the OpenAPI translation) hung with
growing memory. Each test carries a timeout so that a regression fails instead
of hanging the suite; no test asserts a duration.
"""
import io
from urllib.parse import quote

import pytest

import restish
pytestmark = pytest.mark.timeout(10)
ALIAS_BUDGET = 100_000  # restish.yamlsize.ALIAS_BUDGET, as README.rst documents it


def bomb(levels: int = 9, width: int = 9) -> str:
    """A flow sequence holding ``levels`` anchors, each aliasing the one before ``width`` times."""
    items = ["&a0 [" + ", ".join(["lol"] * width) + "]"]
    items += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "[" + ", ".join(items) + "]"


BOMB = bomb()
MAP = "/people:\n  methods: [GET, POST]\n"


def refused(info) -> None:
    assert "YAML aliases expand this document" in str(info.value)
    assert f"at most {ALIAS_BUDGET:,}" in str(info.value)


@pytest.mark.parametrize("text", [
    f"/people:\n  methods: {BOMB}\n",
    f"/people:\n  methods: [GET]\n  names: {{get: {BOMB}}}\n",
    f"/people:\n  methods: [GET]\n  doc: {BOMB}\n",
], ids=["methods", "names", "doc"])
def test_a_map_with_an_alias_bomb_is_a_map_error(text):
    with pytest.raises(restish.MapError) as info:
        restish.Client("http://h", resources=io.StringIO(text))
    refused(info)
    assert info.value.source == "<resources stream>"


def test_a_defaults_file_with_an_alias_bomb_is_refused_when_loaded(tmp_path):
    path = tmp_path / "defaults.yaml"
    path.write_text(f"/people:\n  post:\n    object: {BOMB}\n")
    with pytest.raises(restish.MapError) as info:
        restish.Client("http://h", resources=io.StringIO(MAP), defaults=str(path))
    refused(info)
    assert info.value.source == str(path)
    with pytest.raises(restish.MapError):  # permissive mode reads defaults the same way
        restish.Client("http://h", resources=None, defaults=str(path))


@pytest.mark.parametrize("where", ["openapi", "operationId", "title", "parameter"])
def test_an_openapi_document_with_an_alias_bomb_is_refused(where):
    text = _openapi_bomb(where)
    with pytest.raises(restish.MapError) as info:
        restish.Client.from_openapi(io.StringIO(text), url="http://h")
    refused(info)


def test_an_openapi_url_serving_a_bomb_is_refused(fault):
    # Any host can serve a document: fetched from the network, it is measured too.
    url = f"{fault.url}/status/200?ctype=application/yaml&body={quote(_openapi_bomb('title'))}"
    with pytest.raises(restish.MapError) as info:
        restish.Client.from_openapi(url)
    refused(info)
    assert fault.hits("/status/200") >= 1


def test_restish_openapi_url_refuses_a_bomb_with_exit_2(fault):
    from test_cli import restish as run
    url = f"{fault.url}/status/200?ctype=application/yaml&body={quote(_openapi_bomb('operationId'))}"
    done = run("openapi", url)
    assert done.returncode == 2, done.stderr
    assert b"YAML aliases expand this document" in done.stderr and b"Traceback" not in done.stderr


def test_aliases_within_the_budget_still_load():
    # Four levels of nine: 9**4 values, well under the budget; the shared objects load as YAML means them.
    text = f"/people:\n  methods: [GET, POST]\n"
    defaults = f"/people:\n  post:\n    object: {bomb(levels=4)}\n"
    api = restish.Client("http://h", resources=io.StringIO(text), defaults=io.StringIO(defaults))
    payload = api.people.defaults("post")["object"]
    assert len(payload) == 4 and len(payload[3]) == 9 and payload[3][0][0][0] == ["lol"] * 9


def test_a_recursive_openapi_document_is_refused():
    text = "openapi: 3.0.0\ninfo: &i {title: t, version: '1', x-self: *i}\npaths: {}\n"
    with pytest.raises(restish.MapError, match="refers to a node that contains it"):
        restish.Client.from_openapi(io.StringIO(text), url="http://h")


def _openapi_bomb(where: str) -> str:
    operation = "{operationId: listPets, responses: {'200': {description: ok}}}"
    if where == "operationId":
        operation = f"{{operationId: {BOMB}, responses: {{'200': {{description: ok}}}}}}"
    if where == "parameter":
        operation = (f"{{operationId: listPets, parameters: [{{name: {BOMB}, in: query}}], "
                     "responses: {'200': {description: ok}}}")
    version = BOMB if where == "openapi" else "3.0.0"
    title = BOMB if where == "title" else "pets"
    return (f"openapi: {version}\ninfo: {{title: {title}, version: '1'}}\n"
            f"paths:\n  /pets:\n    get: {operation}\n")
