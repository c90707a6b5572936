"""Secrets stay out of reprs and messages; credentials in the base URL are Basic auth."""
import json

import pytest

import restish
from restish.redact import is_secret_name, redact_headers, redact_url

PASSWORD = "hunter2"
TOKEN = "s3cr3tTOKEN"


def with_userinfo(url, user="user", password=PASSWORD):
    return url.replace("http://", f"http://{user}:{password}@")


def test_repr_and_url_never_show_the_password():
    api = restish.Client(with_userinfo("http://127.0.0.1:9/api"), resources=None)
    assert repr(api) == "<restish.Client http://127.0.0.1:9/api (permissive)>"
    assert api.url == "http://127.0.0.1:9/api" and api.x.url == "http://127.0.0.1:9/api/x"
    assert PASSWORD not in repr(api.auth)


def test_userinfo_is_sent_as_basic_auth_like_requests(httpbin):
    api = restish.Client(with_userinfo(httpbin, "user", "p%40ss"), resources=None)
    assert api["basic-auth"]["user"]["p@ss"].get() == {"authenticated": True, "user": "user"}


def test_auth_given_wins_over_userinfo(httpbin):
    api = restish.Client(with_userinfo(httpbin), resources=None, auth=("other", "pw"))
    assert api["basic-auth"]["other"]["pw"].get()["user"] == "other"
    with pytest.raises(restish.Unauthorized) as info:
        api["basic-auth"]["user"][PASSWORD].get()
    assert PASSWORD not in str(info.value).replace(f"/{PASSWORD}", "")  # only the path holds it


def test_decode_error_masks_userinfo_and_secret_query_values(fault):
    api = restish.Client(with_userinfo(fault.url), resources=None, retries=0)
    with pytest.raises(restish.DecodeError) as info:
        api.status["200"].get(qs={"body": "{nope", "ctype": "application/json", "access_token": TOKEN})
    message = str(info.value)
    assert message.startswith(f"GET {fault.url}/status/200?") and "access_token=***" in message
    assert PASSWORD not in message and TOKEN not in message


@pytest.mark.parametrize("url", [
    f"http://user:{PASSWORD}@h:notaport/",
    f"http://user:{PASSWORD}@[bad/",
    f"htp://user:{PASSWORD}@h/",
    f"http://user:{PASSWORD}@h/api?api_key={TOKEN}",
    f"http://h/api?x=1#{TOKEN}",
])
def test_bad_base_url_messages_hide_secrets(url):
    with pytest.raises(restish.InvalidValue) as info:
        restish.Client(url, resources=None)
    message = str(info.value)
    assert "base URL" in message and PASSWORD not in message and TOKEN not in message


def test_base_url_with_query_or_fragment_is_refused():
    for url in ("http://h/api?x=1", "http://h/api#top"):
        with pytest.raises(restish.InvalidValue, match="has a query or fragment"):
            restish.Client(url, resources=None)


@pytest.mark.parametrize("value, problem", [
    (f"Bearer {TOKEN}\n", "a line break, a NUL or leading whitespace"),
    (f" {TOKEN}", "a line break, a NUL or leading whitespace"),
    (5, "its value must be a str or bytes, not int"),
    (f"{TOKEN}€", "outside Latin-1"),
])
def test_bad_header_values_are_invalid_values_that_hide_the_value(fault, value, problem):
    api = restish.Client(fault.url, resources=None, retries=0)
    before = fault.hits("/json")
    with pytest.raises(restish.InvalidValue) as info:
        api.json.post(a=1, headers={"Authorization": value})
    message = str(info.value)
    assert message.startswith("POST /json: header 'Authorization': ") and problem in message
    assert TOKEN not in message
    chain, exc = [], info.value  # a traceback would not show requests' own error (it holds the value)
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    assert all(isinstance(e, restish.InvalidValue) and TOKEN not in str(e) for e in chain)
    with pytest.raises(restish.InvalidValue) as info:
        restish.Client(fault.url, resources=None, headers={"X-Api-Key": value})
    assert "header 'X-Api-Key'" in str(info.value) and TOKEN not in str(info.value)
    assert fault.hits("/json") == before


def test_unencodable_header_set_by_auth_is_an_invalid_value_when_the_auth_is_built(fault):
    # Bearer checks its header once, when built (not at every call): no verb or URL to name yet.
    with pytest.raises(restish.InvalidValue) as info:
        restish.auth.Bearer(f"{TOKEN}€")
    message = str(info.value)
    assert message.startswith("Bearer auth: header 'Authorization': ") and "outside Latin-1" in message
    assert TOKEN not in message and info.value.__cause__ is None
    bearer = restish.auth.Bearer(TOKEN)
    with pytest.raises(restish.InvalidValue, match="Bearer auth: header 'Authorization'") as info:
        bearer.token = f"{TOKEN}\n"  # nor later
    assert TOKEN not in str(info.value) and bearer.token == TOKEN
    api = restish.Client(fault.url, resources=None, retries=0, auth=bearer)
    assert api.json.get()["headers"]["Authorization"] == f"Bearer {TOKEN}"


def test_request_errors_scrub_secrets_the_server_echoes(fault):
    body = '{"error": "invalid_token", "error_description": "token %s expired"}' % TOKEN
    api = restish.Client(fault.url, resources=None, retries=0, auth=restish.auth.Bearer(TOKEN))
    with pytest.raises(restish.Unauthorized) as info:
        api.status["401"].get(qs={"body": body})
    exc = info.value
    assert exc.error == "invalid_token" and exc.description == "token *** expired"
    assert TOKEN not in str(exc) and TOKEN not in exc.url


LONG_TOKEN = "s3cr3t-TOKEN-value-0123456789"


def pieces(secret, size=6):
    return {secret[i:i + size] for i in range(len(secret) - size + 1)}


# Descriptions are cut at 1,000 characters (JSON bodies) or 200 (text); these paddings
# put the token across the cut.
@pytest.mark.parametrize("pad", range(164, 192, 3))
@pytest.mark.parametrize("kind, cut", [("json", 1000), ("text", 200)])
def test_a_token_cut_in_two_by_a_short_description_leaves_no_piece(fault, pad, kind, cut):
    echo = "x" * (pad + cut - 200) + f" token {LONG_TOKEN} expired " + "y" * 60  # cut once masked
    body = json.dumps({"error": "invalid_token", "error_description": echo}) if kind == "json" else echo
    api = restish.Client(fault.url, resources=None, retries=0, auth=restish.auth.Bearer(LONG_TOKEN))
    with pytest.raises(restish.Unauthorized) as info:
        api.status["401"].get(qs={"body": body})
    exc = info.value
    assert exc.description.endswith("\u2026") and len(exc.description) == cut  # it was cut
    assert "token *" in exc.description  # masked, then cut (at most into the mask)
    for text in (str(exc), repr(exc), exc.url):
        assert not [piece for piece in pieces(LONG_TOKEN) if piece in text], text


@pytest.mark.parametrize("name", ["X-Auth", "X-Auth-Key", "auth", "key", "sig", "pass", "X-Tenant-Key",
                                  "AWSAccessKeyId", "Ocp-Apim-Subscription-Key", "client_assertion",
                                  "Authorization", "access_token", "X-Api-Key"])
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["author", "sort_key", "primary_key", "signal", "passport", "monkey",
                                  "Content-Type", "X-Request-Id", "username"])
def test_names_that_are_not_secrets(name):
    assert not is_secret_name(name)


def test_secret_query_and_key_headers_are_masked_and_scrubbed_from_errors(fault):
    api = restish.Client(fault.url, resources=None, retries=0, headers={"X-Auth-Key": TOKEN})
    prepared = api.things.prepare("get", key=TOKEN + "q")
    curl = restish.to_curl(prepared)
    assert TOKEN not in curl and "X-Auth-Key: ***" in curl
    # A server echoing a secret query value in its error: the message does not repeat it.
    body = json.dumps({"error": "BadKey", "error_description": f"key {TOKEN} is expired"})
    with pytest.raises(restish.BadRequest) as info:
        api.status["400"].get(key=TOKEN, body=body)
    assert "key *** is expired" in str(info.value) and TOKEN not in str(info.value)


@pytest.mark.parametrize("url, shown", [
    ("https://app.test/cb#access_token=T0K&state=s", "https://app.test/cb#access_token=***&state=s"),
    ("https://app.test/#/route?id_token=T0K", "https://app.test/#/route?id_token=***"),
    ("https://app.test/#!/route?token=T0K&x=1", "https://app.test/#!/route?token=***&x=1"),
    ("https://app.test/doc#section-2", "https://app.test/doc#section-2"),
    ("https://app.test/x?q=1&sig=T0K#token=T0K", "https://app.test/x?q=1&sig=***#token=***"),
    ("https://app.test/#a=b#token=T0K", "https://app.test/#a=b#token=***"),  # after a second #
    ("https://app.test/#a=b#/cb?x=1&api_key=T0K", "https://app.test/#a=b#/cb?x=1&api_key=***"),
    ("https://app.test/#foo token=T0K", "https://app.test/#foo token=***"),
    ("http://[bad/x#access_token=T0K", "http://[bad/x#***"),
])
def test_redact_url_masks_secret_parameters_in_the_fragment_too(url, shown):
    assert redact_url(url) == shown  # OAuth's implicit grant answers #access_token=...


@pytest.mark.parametrize("url", [
    "https://app.test/#!/route?x=1",            # a single-page app's route
    "https://app.test/#!/route?x=1&y=a%20b",
    "https://app.test/#/users/42?tab=author&sort=-name",
    "https://app.test/doc#L10-L20",
    "https://app.test/#a=1#b=2",
    "https://app.test/x?q=a%20b+c&page=2#top",  # kept as written, not re-encoded
    "https://app.test/x?redirect=%2Fcb%3Fstate%3D1",
])
def test_redact_url_leaves_a_harmless_fragment_or_query_as_written(url):
    assert redact_url(url) == url


@pytest.mark.parametrize("url, shown", [
    ("https://a.test/x?q=a%20b&access%5Ftoken=T0K", "https://a.test/x?q=a%20b&access%5Ftoken=***"),
    ("https://a.test/x?a=1;token=T0K", "https://a.test/x?a=1;token=***"),
    ("https://a.test/x?password=T0K;more&n=2", "https://a.test/x?password=***&n=2"),  # ; may be the secret's
    ("https://a.test/x?password=T0K%26more&n=2", "https://a.test/x?password=***&n=2"),
    ("https://a.test/x?redirect=https%3A%2F%2Fb%2Fcb%3Ftoken%3DT0K%26y%3D2&z=1",
     "https://a.test/x?redirect=https%3A%2F%2Fb%2Fcb%3Ftoken%3D***%26y%3D2&z=1"),
    ("https://a.test/x?next=x_token=T0K&k=1", "https://a.test/x?next=x_token=***&k=1"),
    ("https://a.test/#access_token=T0K&token_type=bearer&state=s",
     "https://a.test/#access_token=***&token_type=***&state=s"),  # token_type is a secret name: masked
])
def test_redact_url_masks_a_secret_wherever_its_name_shows(url, shown):
    assert redact_url(url) == shown and "T0K" not in redact_url(url)


def test_redact_headers_masks_secrets_in_url_valued_headers():
    headers = {"Location": "/cb?access_token=T0K", "Content-Location": "/cb#access_token=T0K",
               "Refresh": "0; url=/cb#access_token=T0K", "Link": "</p2>; rel=next", "X-Api-Key": "T0K"}
    assert redact_headers(headers) == {
        "Location": "/cb?access_token=***", "Content-Location": "/cb#access_token=***",
        "Refresh": "0; url=/cb#access_token=***", "Link": "</p2>; rel=next", "X-Api-Key": "***"}


def test_redact_headers_masks_secrets_in_every_link_target():
    link = ('<https://a.test/p?page=2&access_token=T0K>; rel="next", '
            '</p?page=9#token=T0K>; rel="last", <https://a.test/doc#!/x?y=1>; rel=help')
    assert redact_headers({"link": link}) == {"link": (
        '<https://a.test/p?page=2&access_token=***>; rel="next", '
        '</p?page=9#token=***>; rel="last", <https://a.test/doc#!/x?y=1>; rel=help')}
