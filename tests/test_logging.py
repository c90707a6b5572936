"""What restish logs on the 'restish' logger, and what it never logs."""
import logging
import re

import pytest

import restish
from restish.auth import Bearer, MaxOAuth
from restish.retry import Retry


@pytest.fixture
def api(fault):
    return restish.Client(fault.url, resources=None, retries=0)


@pytest.fixture
def debug(caplog):
    caplog.set_level(logging.DEBUG, logger="restish")
    return caplog


@pytest.fixture
def with_bodies():
    bodies = logging.getLogger("restish.bodies")
    bodies.setLevel(logging.DEBUG)
    yield
    bodies.setLevel(logging.NOTSET)


def lines(caplog, name="restish"):
    return [r.getMessage() for r in caplog.records if r.name == name]


def test_the_package_logger_has_a_null_handler():
    import restish.client  # noqa: F401  (the logger is set up with the client)
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("restish").handlers)


def test_one_debug_line_per_call(api, fault, debug):
    api.json.get(qs={"q": 1})
    with pytest.raises(restish.NotFound):
        api.nowhere.post(a=1)
    first, second = lines(debug)
    assert re.fullmatch(rf"GET {fault.url}/json\?q=1 -> 200 \(\d+\.\d ms\)", first)
    assert re.fullmatch(rf"POST {fault.url}/nowhere -> 404 \(\d+\.\d ms\)", second)
    assert all(r.levelno == logging.DEBUG for r in debug.records)


def test_redirect_hops_are_in_the_line(api, fault, debug):
    api.redirect.get(qs={"to": "/json"})
    assert re.fullmatch(rf"GET {fault.url}/redirect\?to=%2Fjson -> 302 -> 200 at {fault.url}/json \(.*\)",
                        lines(debug)[0])


def test_transport_failures_and_retries_are_logged(fault, debug):
    api = restish.Client(fault.url, resources=None, retries=Retry(1, backoff_factor=0.01))
    with pytest.raises(restish.TransportError):
        api.reset.get()
    assert lines(debug, "restish.retry")[0].startswith("retrying GET /reset after ")
    assert re.fullmatch(rf"GET {fault.url}/reset -> connection failed: .* \(\d+\.\d ms\)", lines(debug)[0])


def test_urls_are_redacted(api, fault, debug):
    api.json.get(qs={"api_key": "k-123", "page": 2})
    assert "k-123" not in lines(debug)[0] and "api_key=***&page=2" in lines(debug)[0]


def test_bodies_are_not_logged_unless_asked(api, debug):
    api.json.post(marker="body-marker")
    assert "body-marker" not in debug.text
    logging.getLogger().setLevel(logging.DEBUG)  # a DEBUG inherited from the root is not asking
    try:
        api.json.post(marker="body-marker")
    finally:
        logging.getLogger().setLevel(logging.WARNING)
    assert "body-marker" not in debug.text


def test_bodies_when_asked_with_secrets_masked(fault, debug, with_bodies):
    api = restish.Client(fault.url, resources=None, retries=0, auth=Bearer("tok-secret"))
    api.json.post(marker="body-marker", password="pw-secret")
    logged = "\n".join(lines(debug, "restish.bodies"))
    assert "body-marker" in logged and '"password": "***"' in logged
    assert logged.startswith("request: curl -X POST") and "response: 200" in logged
    assert "tok-secret" not in logged and "pw-secret" not in logged


def test_a_maxoauth_user_name_and_scope_are_not_scrubbed_from_bodies(fault, debug, with_bodies):
    api = restish.Client(fault.url, resources=None, retries=0, auth=MaxOAuth("alice", "tok-secret"))
    api.json.post(owner="alice", app="widgetcli", echo="tok-secret")
    logged = "\n".join(lines(debug, "restish.bodies"))
    assert '"owner": "alice"' in logged and '"app": "widgetcli"' in logged  # names, not secrets
    assert "'X-Oauth-Username: ***'" in logged and "tok-secret" not in logged


def test_long_and_binary_bodies_are_cut_or_summarised(api, debug, with_bodies):
    api.bytes.get(qs={"n": 5000})
    api.status["200"].get(qs={"body": "x" * 5000, "ctype": "text/plain"})
    binary, text = lines(debug, "restish.bodies")
    assert "<binary body, 5000 bytes, not shown>" in binary
    body = text.split("\n", 2)[2]
    assert body == "x" * 2000 + "... (5000 characters)"


# -- tokens a server hands out in Location headers ------------------------------------


@pytest.fixture
def tokens():
    """The token server (tests/token_server.py): alice / s3cret-pw; /share and /authorize
    answer new tokens in Location and Content-Location headers."""
    from servers import WSGIServer
    from token_server import TokenApp
    app = TokenApp()
    with WSGIServer(app) as server:
        app.url = server.url
        yield app


def test_tokens_in_location_headers_are_masked_in_the_logs(tokens, debug, with_bodies):
    api = restish.Client(tokens.url, resources=None, retries=0)
    api.login("alice", "s3cret-pw")
    api.share.post()  # 201, Location: ...?access_token=..., Content-Location: ...#access_token=...
    api.authorize.get(qs={"redirect_uri": f"{tokens.url}/info", "state": "s1"})  # 302 to ...#access_token=...
    logged = "\n".join(lines(debug) + lines(debug, "restish.bodies"))
    assert f"'Location': '{tokens.url}/info?access_token=***'" in logged
    assert f"'Content-Location': '{tokens.url}/info#access_token=***'" in logged
    assert f" -> 302 -> 200 at {tokens.url}/info#access_token=***&token_type=***&state=s1 " in logged
    assert len(tokens.tokens) == 3  # the login's, the shared one and the implicit grant's
    assert not [token for token in tokens.tokens if token in logged], logged


def test_tokens_in_link_headers_are_masked_in_the_logs(debug, with_bodies):
    # A token the request never sent, so only redact_headers can hide it (not the scrub of sent secrets).
    from servers import WSGIServer

    def linking(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2"),
                                  ("Link", '</p?page=2&access_token=next-T0K>; rel="next", '
                                           '</p?page=9#token=last-T0K>; rel="last"')])
        return [b"[]"]

    with WSGIServer(linking) as server:
        restish.Client(server.url, resources=None, retries=0).p.get()
    logged = "\n".join(lines(debug, "restish.bodies"))
    assert "'Link': '</p?page=2&access_token=***>; rel=\"next\", </p?page=9#token=***>; rel=\"last\"'" in logged
    assert "T0K" not in logged
