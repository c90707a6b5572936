"""Errors: typed, readable, converted at the boundary, and free of secrets."""
import json
import socket

import pytest

import restish
from restish import errors

STATUS_CLASSES = [
    (400, restish.BadRequest), (401, restish.Unauthorized), (403, restish.Forbidden),
    (404, restish.NotFound), (409, restish.Conflict), (412, restish.PreconditionFailed),
    (429, restish.TooManyRequests), (418, restish.ClientError), (500, restish.InternalServerError),
    (502, restish.BadGateway), (503, restish.ServiceUnavailable), (504, restish.GatewayTimeout),
    (599, restish.ServerError),
]


@pytest.fixture
def api(fault):
    return restish.Client(fault.url, resources=None, retries=0)


@pytest.mark.parametrize("code, cls", STATUS_CLASSES)
def test_status_maps_to_class(api, code, cls):
    with pytest.raises(cls) as info:
        api.status[code].get()
    assert info.value.code == code and info.value.response.status_code == code
    assert isinstance(info.value, restish.RequestError)
    assert isinstance(info.value, restish.ClientError if code < 500 else restish.ServerError)


def test_max_style_message(api, fault):
    body = json.dumps({"error": "UnknownUserError", "error_description": "Unknown user: messi"})
    with pytest.raises(restish.NotFound) as info:
        api.status["404"].get(qs={"body": body})
    exc = info.value
    assert exc.error == "UnknownUserError" and exc.description == "Unknown user: messi"
    assert exc.method == "GET" and exc.url.startswith(f"{fault.url}/status/404")
    assert str(exc) == f"GET {exc.url} -> 404 UnknownUserError: Unknown user: messi"


@pytest.mark.parametrize("body, error, description", [
    ({"code": 404, "errno": 111, "error": "Not Found", "message": "bucket missing"}, "Not Found", "bucket missing"),
    ({"title": "Bad thing", "detail": "it broke"}, "Bad thing", "it broke"),
    ({"error": {"code": "E42", "message": "nested"}}, "E42", "nested"),
])
def test_kinto_rfc7807_and_nested_bodies(api, body, error, description):
    with pytest.raises(restish.RequestError) as info:
        api.status["400"].post(qs={"body": json.dumps(body)})
    assert (info.value.error, info.value.description) == (error, description)
    assert info.value.method == "POST"


@pytest.mark.parametrize("body, error, description", [
    # FastAPI / pydantic: every {loc, msg} of the list
    ({"detail": [{"loc": ["body", "age"], "msg": "must be >= 0", "type": "x"},
                 {"loc": ["body", "name"], "msg": "field required", "type": "missing"}]},
     "Bad Request", "body.age: must be >= 0; body.name: field required"),
    # Django REST framework field errors, nested and listed
    ({"name": ["This field may not be blank."], "address": {"city": ["Required.", "Too short."]},
      "items": [{}, {"qty": ["Must be positive."]}]},
     "Bad Request", "name: This field may not be blank.; address.city: Required.; address.city: Too short.; "
                    "items.1.qty: Must be positive."),
    # ... whatever the fields are called (a scalar status or title is a problem body's)
    ({"title": ["This field may not be blank."], "status": ['"x" is not a valid choice.'], "message": ["Required."]},
     "Bad Request", 'title: This field may not be blank.; status: "x" is not a valid choice.; message: Required.'),
    ({"detail": "Not found."}, "Bad Request", "Not found."),
    # NestJS's class-validator: a list of messages
    ({"statusCode": 400, "message": ["name should not be empty", "age must be an integer"], "error": "Bad Request"},
     "Bad Request", "name should not be empty; age must be an integer"),
    (["Only one of a and b."], "Bad Request", "Only one of a and b."),
    # RFC 9457 problem details with an errors extension
    ({"type": "about:blank", "title": "Invalid input", "detail": "2 errors",
      "errors": [{"detail": "must be positive", "pointer": "#/age"}, {"detail": "is taken", "pointer": "#/name"}]},
     "Invalid input", "2 errors; #/age: must be positive; #/name: is taken"),
    # JSON:API
    ({"errors": [{"status": "422", "title": "Invalid Attribute", "detail": "First name is too short.",
                  "source": {"pointer": "/data/attributes/firstName"}},
                 {"status": "422", "title": "Invalid Attribute", "detail": "Age is missing."}]},
     "Invalid Attribute", "/data/attributes/firstName: First name is too short.; Age is missing."),
    # GitHub
    ({"message": "Validation Failed", "errors": [{"resource": "Release", "code": "already_exists", "field": "tag_name"}],
      "documentation_url": "https://docs.github.com/rest"},
     "Bad Request", "Validation Failed; tag_name: already_exists"),
    # Kinto's details stay out: its message already says it
    ({"code": 400, "errno": 107, "error": "Invalid parameters", "message": "data.name in body: Required",
      "details": [{"location": "body", "name": "data.name", "description": "Required"}]},
     "Invalid parameters", "data.name in body: Required"),
])
def test_every_error_shape_is_described(api, body, error, description):
    with pytest.raises(restish.BadRequest) as info:
        api.status["400"].post(qs={"body": json.dumps(body)})
    assert (info.value.error, info.value.description) == (error, description)


def test_a_long_error_list_keeps_every_error_up_to_1000_characters(api):
    errors = [{"loc": ["body", f"field{n}"], "msg": "x" * 30} for n in range(40)]   # ~1,700 characters
    with pytest.raises(restish.BadRequest) as info:
        api.status["400"].post(qs={"body": json.dumps({"detail": errors})})
    description = info.value.description
    assert len(description) == 1000 and description.endswith("…")
    assert description.startswith("body.field0: " + "x" * 30 + "; body.field1: ")
    assert "body.field20: " in description   # each error is ~46 characters


def test_plain_text_error_body_is_a_short_snippet(api):
    with pytest.raises(restish.InternalServerError) as info:
        api.status["500"].get(qs={"body": "boom " * 200, "ctype": "text/plain"})
    assert info.value.error == "Internal Server Error"
    assert info.value.description.startswith("boom boom") and len(info.value.description) <= 200


def test_connection_refused_is_a_transport_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but never listening: refused
        api = restish.Client(f"http://127.0.0.1:{port}", resources=None, retries=0)
        with pytest.raises(restish.TransportError) as info:
            api.people.get()
    message = str(info.value)
    assert message.startswith(f"GET http://127.0.0.1:{port}/people -> connection failed")
    assert "Connection refused" in message and "object at 0x" not in message
    assert info.value.__cause__ is not None


@pytest.mark.parametrize("path", ["drop", "reset"])
def test_dropped_connections(api, path):
    with pytest.raises(restish.TransportError, match=f"GET .*/{path} -> connection failed"):
        api[path].get()


def test_bad_json_body_is_a_decode_error(api):
    with pytest.raises(restish.DecodeError, match="not valid JSON"):
        api.status["200"].get(qs={"body": "{nope", "ctype": "application/json"})


def test_secrets_never_reach_messages():
    api = restish.Client("http://user:hunter2@127.0.0.1:9", resources=None, retries=0)
    with pytest.raises(restish.TransportError) as info:
        api.x.get(qs={"access_token": "s3cr3t", "page": 2}, timeout=0.5)
    message = str(info.value)
    assert "hunter2" not in message and "s3cr3t" not in message
    assert "page=2" in message and "***" in message


def test_secret_query_values_are_masked_in_request_errors(api):
    with pytest.raises(restish.NotFound) as info:
        api.status["404"].get(qs={"api_key": "s3cr3t"})
    assert "s3cr3t" not in str(info.value) and "s3cr3t" not in info.value.url


def test_the_tree():
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, restish.RestishError), name
    assert issubclass(restish.UnknownResource, restish.RestishError)
    assert issubclass(restish.InvalidValue, ValueError)
    assert issubclass(restish.TooManyRequests, restish.ClientError)
    assert issubclass(restish.GatewayTimeout, restish.ServerError)


def test_exported_members():
    assert set(restish.__all__) >= {
        "Client", "RestishError", "MapError", "UnknownResource", "MethodNotAllowed",
        "InvalidValue", "LoginError", "TransportError", "RequestError", "ClientError",
        "ServerError", "ResourceCollection", "ResourceItem", "__version__",
    }
    for name in restish.__all__:
        assert getattr(restish, name) is not None


# -- pickle (process pools) ---------------------------------------------------

SECRET = "s3cr3t-t0ken-for-pickle"


def _errors_made(fault, tokens):
    """One real instance of every kind of restish error, several carrying secrets nearby."""
    made = []

    def catch(call):
        try:
            call()
        except restish.RestishError as exc:
            made.append(exc)
        else:  # pragma: no cover - each call here must fail
            raise AssertionError(call)

    secret_api = restish.Client(fault.url, resources=None, retries=0, auth=restish.auth.Bearer(SECRET))
    mapped = restish.Client(fault.url, resources={"/status/{code}": {"methods": ["GET"]}}, retries=0)
    catch(lambda: secret_api.status["404"].get(qs={"body": f"token {SECRET} is unknown"}))
    catch(lambda: secret_api.status["503"].get())
    catch(lambda: restish.Client("http://h", resources={"/a": {"methods": ["GO"]}}))
    catch(lambda: mapped.nothing)
    catch(lambda: mapped["nothing"])
    catch(lambda: mapped.status["1"].post())
    catch(lambda: secret_api.people[".."].get())
    catch(lambda: secret_api.status["200"].get(qs={"body": "{not json", "ctype": "application/json"}))
    catch(lambda: restish.Client(closed_port_url(), resources=None, retries=0, auth=restish.auth.Bearer(SECRET)).x.get())
    catch(lambda: secret_api.slow.get(qs={"seconds": 2}, timeout=0.2))
    catch(lambda: secret_api.redirect.get(qs={"to": "http://127.0.0.1:abc/"}))
    catch(lambda: restish.Client(tokens.url, resources=None).login("alice", "wrong-" + SECRET))
    catch(lambda: restish.Client(tokens.url, resources=None).login("alice", SECRET, token_url=closed_port_url()))
    secret_api.close()
    mapped.close()
    return made


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_every_error_survives_pickle_without_its_secrets(fault, tokens):
    import pickle
    made = _errors_made(fault, tokens)
    kinds = {type(error).__name__ for error in made}
    assert kinds >= {"NotFound", "ServiceUnavailable", "MapError", "UnknownAttribute", "UnknownItem",
                     "MethodNotAllowed", "InvalidValue", "DecodeError", "ConnectionError", "Timeout",
                     "RedirectError", "LoginError", "LoginUnreachable"}, kinds
    for error in made:
        data = pickle.dumps(error)
        assert SECRET.encode() not in data, type(error)
        again = pickle.loads(data)
        assert type(again) is type(error) and str(again) == str(error) and again.args == error.args
        kept = {k: v for k, v in vars(error).items() if k != "response"}
        assert {k: v for k, v in vars(again).items() if k != "response"} == kept
        if isinstance(error, restish.RequestError):
            assert again.response is None and again.code == error.code and again.description == error.description


def _raise_not_found(url):
    restish.Client(url, resources=None, retries=0).status["404"].get()


def test_an_error_raised_in_a_process_pool_reaches_the_parent(fault):
    import concurrent.futures
    import multiprocessing
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        future = pool.submit(_raise_not_found, fault.url)
        with pytest.raises(restish.NotFound) as info:
            future.result(timeout=60)
    assert info.value.code == 404 and str(info.value).startswith(f"GET {fault.url}/status/404 -> 404 NotFound")


def test_a_broken_download_counts_the_bytes_that_arrived(tmp_path):
    from transfer_server import TruncatingServer
    with TruncatingServer(promised=100_000, sent=1_000) as server:
        with restish.Client(server.url, resources=None, retries=0) as api:
            with pytest.raises(restish.ConnectionError, match=r"download broken after 1000 of 100000 bytes"):
                api.file.get(stream_to=tmp_path / "f.bin")
