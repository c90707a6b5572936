"""restish.from_settings: a client from a flat mapping of strings, and bad settings named by key."""
import logging

import pytest
import requests

import restish
from restish.settings import from_settings

MAP = "/anything/{name}:\n  methods: [GET, POST]\n/headers:\n  methods: [GET]\n"
SERVICE_AUTH = requests.auth.HTTPBasicAuth("svc", "service-pw")  # reached by dotted name


@pytest.fixture
def map_file(tmp_path):
    path = tmp_path / "resources.yaml"
    path.write_text(MAP)
    return str(path)


def test_every_setting_reaches_the_wire(httpbin, map_file, tmp_path):
    api = from_settings({
        "restish.url": f" {httpbin} ", "restish.resources": map_file, "restish.timeout": "4, 20",
        "restish.retries": "0", "restish.verify": "False", "restish.auth": "bearer:tok:with:colons",
        "restish.headers": "X-Portal: plone\n\nX-Site: intranet", "other.key": "ignored",
    })
    assert (api.url, api.timeout, api.retries, api.verify) == (httpbin, (4.0, 20.0), 0, False)
    echo = api.anything["x"].get()
    assert echo["headers"]["Authorization"] == "Bearer tok:with:colons"
    assert (echo["headers"]["X-Portal"], echo["headers"]["X-Site"]) == ("plone", "intranet")


def test_basic_auth_headers_as_json_and_a_single_timeout(httpbin, map_file):
    api = from_settings({"restish.url": httpbin, "restish.resources": map_file, "restish.timeout": "5",
                         "restish.auth": "basic:ann:pa:ss", "restish.headers": '{"X-A": "1"}'})
    assert api.timeout == 5.0
    echo = api.anything["x"].get()
    assert echo["headers"]["Authorization"] == requests.auth._basic_auth_str("ann", "pa:ss")
    assert echo["headers"]["X-A"] == "1"


def test_maxoauth_and_dotted_name_auth(httpbin, map_file):
    api = from_settings({"restish.url": httpbin, "restish.resources": map_file,
                         "restish.auth": "maxoauth:ann:t0k"})
    headers = api.anything["x"].get()["headers"]
    assert (headers["X-Oauth-Username"], headers["X-Oauth-Token"]) == ("ann", "t0k")
    api = from_settings({"restish.url": httpbin, "restish.resources": map_file,
                         "restish.auth": "test_settings:SERVICE_AUTH"})
    assert api.auth is SERVICE_AUTH


def test_environment_style_prefix_and_overrides(httpbin, map_file):
    session = requests.Session()
    env = {"RESTISH_URL": httpbin, "RESTISH_RESOURCES": map_file, "PATH": "/bin"}
    api = from_settings(env, "RESTISH_", session=session)
    assert api.session is session
    assert api.anything["y"].post(a=1)["json"] == {"a": 1}


def test_unknown_environment_variables_are_logged_not_fatal(httpbin, map_file, caplog):
    env = {"RESTISH_URL": httpbin, "RESTISH_RESOURCES": map_file, "RESTISH_DEBUG": "1", "RESTISH_COLOR": "never"}
    with caplog.at_level(logging.WARNING, logger="restish.settings"):
        api = from_settings(env, "RESTISH_")
    assert api.url == httpbin
    logged = [r.getMessage() for r in caplog.records if r.name == "restish.settings"]
    assert len(logged) == 2 and all(line.startswith("ignored unknown setting RESTISH_") for line in logged)
    assert "(known: RESTISH_URL, RESTISH_RESOURCES, RESTISH_DEFAULTS" in logged[0]
    assert "never" not in " ".join(logged)   # a key, never its value


@pytest.mark.parametrize("settings, prefix, message", [
    ({"RESTISH_URL": " "}, "RESTISH_", "setting RESTISH_URL is required"),
    ({"RESTISH_URL": "http://h", "RESTISH_TIMEOUT": "soon"}, "RESTISH_", "setting RESTISH_TIMEOUT: expected seconds"),
    ({"restish.url": "http://h", "restish.Timout": "5"}, "restish.",
     "unknown setting 'restish.Timout' (known: restish.url, restish.resources"),
    ({"Plone.Restish.url": "http://h", "Plone.Restish.retry": "5"}, "Plone.Restish.",
     "unknown setting 'Plone.Restish.retry' (known: Plone.Restish.url,"),
])
def test_keys_are_named_as_the_prefix_spells_them(settings, prefix, message):
    with pytest.raises(restish.InvalidValue) as info:
        from_settings({**settings, prefix + "resources": ""}, prefix)
    assert message in str(info.value)


@pytest.mark.parametrize("env, header, expected", [
    ({"RESTISH_TOKEN": "t0k"}, "Authorization", "Bearer t0k"),
    ({"RESTISH_TOKEN": "t0k", "RESTISH_USER": "ann"}, "X-Oauth-Token", "t0k"),
    ({"RESTISH_USER": "ann:pa:ss"}, "Authorization", requests.auth._basic_auth_str("ann", "pa:ss")),
])
def test_the_restish_command_environment_builds_the_same_client(httpbin, map_file, env, header, expected):
    env = {"RESTISH_URL": httpbin, "RESTISH_RESOURCES": map_file, "RESTISH_SHELL": "python", **env}
    assert from_settings(env, "RESTISH_").anything["x"].get()["headers"][header] == expected


def test_empty_resources_is_permissive_absent_is_bundled(httpbin):
    api = from_settings({"restish.url": httpbin, "restish.resources": ""})
    assert api.routes.permissive
    assert api.anything["not"]["mapped"].get()["url"].endswith("/anything/not/mapped")
    bundled = from_settings({"restish.url": httpbin, "restish.resources": None})
    assert bundled.routes is restish.Client(httpbin).routes


@pytest.mark.parametrize("settings, message", [
    ({"restish.url": " "}, "setting restish.url is required"),
    ({"restish.url": "ftp://ann:hunter2@h"}, "setting restish.url must be an http:// or https:// URL"),
    ({"restish.timout": "5"}, "unknown setting 'restish.timout' (known: restish.url, restish.resources"),
    ({"restish.timeout": "0"}, "setting restish.timeout: expected seconds as '5' or '5,30', got '0'"),
    ({"restish.timeout": "5,x"}, "setting restish.timeout: expected seconds"),
    ({"restish.retries": "-1"}, "setting restish.retries: expected a whole number >= 0, got '-1'"),
    ({"restish.verify": "/no/such/ca.pem"}, "setting restish.verify: expected true, false or a CA bundle path"),
    ({"restish.headers": "X-Api-Key hunter2"}, "setting restish.headers: line 1 is not 'Name: value'"),
    ({"restish.headers": '{"X-Api-Key": hunter2}'}, "setting restish.headers: not a valid JSON object"),
    ({"restish.auth": "Bearer hunter2"}, "setting restish.auth: expected bearer:TOKEN, basic:USER:PASSWORD"),
    ({"restish.auth": "basic:hunter2"}, "setting restish.auth: expected basic:USER:PASSWORD"),
    ({"restish.auth": "bearer:"}, "setting restish.auth: expected bearer:TOKEN"),
    ({"restish.user": "hunter2"}, "setting restish.user has no password: give USER:PASSWORD"),
    ({"restish.auth": "bearer:hunter2", "restish.token": "hunter2"},
     "settings restish.auth and restish.token/restish.user both set"),
])
def test_bad_settings_name_the_key_never_the_secret(settings, message):
    settings = {"restish.url": "http://h", "restish.resources": "", **settings}
    with pytest.raises(restish.InvalidValue) as info:
        from_settings(settings)
    assert message in str(info.value)
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(info.value.__cause__)


def test_a_bad_map_file_names_the_setting(tmp_path, map_file):
    broken = tmp_path / "defaults.yaml"
    broken.write_text("/nowhere:\n  post: {}\n")
    with pytest.raises(restish.MapError, match=r"defaults.yaml, line 1: restish.defaults: defaults for '/nowhere'"):
        from_settings({"restish.url": "http://h", "restish.resources": map_file, "restish.defaults": str(broken)})
    with pytest.raises(restish.MapError, match=r"missing.yaml: restish.resources: cannot read resources"):
        from_settings({"restish.url": "http://h", "restish.resources": str(tmp_path / "missing.yaml")})
