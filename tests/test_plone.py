"""restish.plone in a real Plone 6 site: the profile, the control panel, the site's client."""
import re
import threading
import uuid

import pytest
import requests
import transaction
import Zope2
from plone import api as plone_api
from plone.browserlayer.interfaces import ILocalBrowserLayerType
from plone.base.utils import get_installer
from zope.component import getSiteManager
from zope.pytestlayer import fixture

import restish.plone
from plone_site import FUNCTIONAL, OWNER, site_url
from restish.plone.interfaces import MASK

globals().update(fixture.create(FUNCTIONAL, session_fixture_name="plone_server",
                                class_fixture_name="plone_class", function_fixture_name="plone"))
pytestmark = [
    pytest.mark.usefixtures("plone_server"),  # set the site up once per process, not per test
    pytest.mark.filterwarnings("ignore:Use method is_structural_folder:DeprecationWarning"),  # Plone's own
]

TOKEN = "tok-" + "7f3a9c1e5b" * 2         # secrets the pages must never contain
AUTH = "basic:robot:pw-" + "c0ffee42" * 2
JSON = {"Accept": "application/json"}
NAMES = ("url", "resources", "defaults", "auth", "token", "timeout")


def set_records(**values):
    """Store ``restish.<name>`` records and commit, so the WSGI server sees them."""
    for name, value in values.items():
        plone_api.portal.set_registry_record(f"restish.{name}", value)
    transaction.commit()


def stored(name):
    """A record as the server's requests committed it, read through a new connection."""
    app = Zope2.app()  # the test's own connection keeps its snapshot
    try:
        return app[plone_api.portal.get().getId()].portal_registry[f"restish.{name}"]
    finally:
        app._p_jar.close()


def restish_records():
    return {key for key in plone_api.portal.get_tool("portal_registry").records.keys() if key.startswith("restish.")}


def configlets():
    return {action.getId() for action in plone_api.portal.get_tool("portal_controlpanel").listActions()}


def browser_layers():
    return {name for name, _ in getSiteManager().getUtilitiesFor(ILocalBrowserLayerType)}


def test_profile_installs_and_uninstalls_cleanly(plone):
    installer = get_installer(plone["portal"], plone["request"])
    assert installer.is_product_installed("restish.plone")
    assert restish_records() == {f"restish.{name}" for name in NAMES}
    assert plone_api.portal.get_registry_record("restish.timeout") == "5,30"
    assert "restish" in configlets() and "restish.plone" in browser_layers()

    assert installer.uninstall_product("restish.plone")
    assert not installer.is_product_installed("restish.plone")
    assert restish_records() == set()
    assert "restish" not in configlets() and "restish.plone" not in browser_layers()

    assert installer.install_product("restish.plone")  # and back again
    assert restish_records() == {f"restish.{name}" for name in NAMES} and "restish" in configlets()


def test_control_panel_renders_for_a_manager_and_never_shows_a_secret(plone):
    set_records(url="https://api.example.org/v1", token=TOKEN, auth=AUTH)
    page = requests.get(f"{site_url(plone)}/@@restish-controlpanel", auth=OWNER, timeout=30)
    assert page.status_code == 200, page.text[:500]
    assert "https://api.example.org/v1" in page.text and 'type="password"' in page.text
    assert TOKEN not in page.text and "c0ffee42" not in page.text

    anonymous = requests.get(f"{site_url(plone)}/@@restish-controlpanel", timeout=30)
    assert "https://api.example.org/v1" not in anonymous.text  # the login form instead

    # Saving with the password fields left empty keeps the stored secrets.
    authenticator = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', page.text).group(1)
    saved = requests.post(f"{site_url(plone)}/@@restish-controlpanel", auth=OWNER, timeout=30, data={
        "_authenticator": authenticator, "form.widgets.url": "https://api.example.org/v2",
        "form.widgets.token": "", "form.widgets.auth": "", "form.widgets.timeout": "7",
        "form.buttons.save": "Save"})
    assert saved.status_code == 200 and TOKEN not in saved.text
    assert stored("url") == "https://api.example.org/v2" and stored("timeout") == "7"
    assert stored("token") == TOKEN and stored("auth") == AUTH


def test_volto_panel_and_registry_mask_secrets(plone):
    set_records(url="https://api.example.org/v1", token=TOKEN)
    url = site_url(plone)
    panel = requests.get(f"{url}/@controlpanels/restish", auth=OWNER, headers=JSON, timeout=30)
    assert panel.status_code == 200, panel.text[:500]
    assert panel.json()["data"]["url"] == "https://api.example.org/v1"
    assert panel.json()["data"]["token"] == MASK and panel.json()["data"]["auth"] is None
    one = requests.get(f"{url}/@registry/restish.token", auth=OWNER, headers=JSON, timeout=30)
    assert one.status_code == 200 and one.json() == MASK
    listing = requests.get(f"{url}/@registry", params={"q": "restish."}, auth=OWNER, headers=JSON, timeout=30)
    values = {item["name"]: item["value"] for item in listing.json()["items"]}
    assert values["restish.token"] == MASK and values["restish.url"] == "https://api.example.org/v1"
    for answer in (panel, one, listing):
        assert TOKEN not in answer.text

    # Volto sends the masked value back with the rest: the stored token stays.
    patched = requests.patch(f"{url}/@controlpanels/restish", auth=OWNER, timeout=30,
                             headers={**JSON, "Content-Type": "application/json"},
                             json={"url": "https://api.example.org/v2", "token": MASK})
    assert patched.status_code == 204, patched.text[:500]
    assert stored("url") == "https://api.example.org/v2" and stored("token") == TOKEN


def test_client_follows_a_record_change_and_an_environment_override(plone, fault, monkeypatch):
    for name in ("URL", "TOKEN", "AUTH", "USER", "RESOURCES", "TIMEOUT"):
        monkeypatch.delenv(f"RESTISH_{name}", raising=False)
    path = f"/json/{uuid.uuid4().hex}"
    set_records(url=fault.url + path, resources="", token=TOKEN)
    first = restish.plone.client()
    assert restish.plone.client() is first  # one per thread, kept while nothing changed
    assert first.get()["headers"]["Authorization"] == f"Bearer {TOKEN}"

    set_records(url=fault.url + path + "/changed")
    changed = restish.plone.client()
    assert changed is not first and changed.get()["path"] == path + "/changed"

    monkeypatch.setenv("RESTISH_URL", fault.url + path + "/env")
    monkeypatch.setenv("RESTISH_TOKEN", "env-token")
    assert restish.plone.client().get()["headers"]["Authorization"] == "Bearer env-token"
    seen = [(target, headers.get("Authorization")) for _, target, headers in fault.requests
            if target.startswith(path)]
    assert seen == [(path, f"Bearer {TOKEN}"), (path + "/changed", f"Bearer {TOKEN}"),
                    (path + "/env", "Bearer env-token")]

    other = []
    thread = threading.Thread(target=lambda: other.append(_in_site(plone["portal"], restish.plone.client)))
    thread.start()
    thread.join(30)
    assert other and other[0] is not restish.plone.client()  # each thread its own client


def test_client_outside_a_site_says_so(plone):
    from zope.component.hooks import getSite, setSite
    site = getSite()
    setSite(None)
    try:
        with pytest.raises(restish.RestishError, match="needs a Plone site"):
            restish.plone.client()
    finally:
        setSite(site)


def _in_site(portal, call):
    from zope.component.hooks import setSite
    setSite(portal)
    return call()


# -- Plone as a target: @login, @login-renew, batching.next ----------------------------


def plone_client(plone, **kwargs):
    # Accept given here until every call sends it by default (issue 18): plone.restapi
    # answers as an API only to Accept: application/json.
    return restish.Client(site_url(plone), resources=None, headers=JSON, **kwargs)


def recorder(api):
    """Every URL the client asked, in order (login's side requests included)."""
    asked = []
    api.session.hooks["response"].append(lambda response, *args, **kwargs: asked.append(response.request.url))
    return asked


def test_login_through_at_login_then_30_documents_iterated_once_each(plone):
    tokens = []
    api = plone_client(plone, on_token=tokens.append)
    asked = recorder(api)
    token = api.login(*OWNER)
    assert tokens == [token] and isinstance(api.auth, restish.auth.Bearer) and api.auth.token == token
    assert list(api.session.cookies) == []  # not Zope's __ac cookie, which holds the password
    assert [u.rsplit("/", 1)[1] for u in asked] == ["info", "@login"]  # no MAX /info here, then @login

    for number in range(30):
        api.post(data={"@type": "Document", "id": f"note-{number:02}", "title": f"Note {number}"})
    del asked[:]
    seen = [item["@id"].rsplit("/", 1)[1]
            for item in api["@search"].iterate(portal_type="Document", sort_on="id", b_size=10)]
    assert seen == [f"note-{number:02}" for number in range(30)]  # each exactly once, in order
    assert len([u for u in asked if "@search" in u]) == 3  # three pages of ten, followed by batching.next

    app = Zope2.app()  # what the site stored: 30 documents created by the JWT's user
    try:
        portal = app[plone["portal"].getId()]
        creators = {portal[f"note-{number:02}"].Creator() for number in range(30)}
    finally:
        app._p_jar.close()
    assert creators == {OWNER[0]} and tokens == [token]  # a 12-hour JWT is not renewed


def test_a_jwt_close_to_its_exp_is_renewed_through_login_renew_before_the_call(plone):
    set_jwt(plone, token_timeout=30)  # inside the renewal margin from the start
    tokens = []
    api = plone_client(plone, on_token=tokens.append)
    api.login(*OWNER)
    asked = recorder(api)
    assert api.get()["@type"] == "Plone Site"
    assert asked == [f"{site_url(plone)}/@login-renew", site_url(plone)] and len(tokens) == 2


@pytest.mark.parametrize("timeout, expected", [
    (30, ["@login-renew", "@login", "@users"]),               # renewed before the call: refused, logged in again
    (43200, ["@users", "@login-renew", "@login", "@users"]),  # the call's 401 renews: refused, logged in again
])
def test_a_jwt_the_site_no_longer_accepts_is_replaced_by_a_new_login(plone, timeout, expected):
    set_jwt(plone, token_timeout=timeout, use_keyring=False, _secret="first-secret")
    tokens = []
    api = plone_client(plone, on_token=tokens.append)
    api.login(*OWNER)
    set_jwt(plone, _secret="rotated-secret")  # every JWT signed before is now refused (401)
    asked = recorder(api)
    api["@users"].get()  # Managers only: with a refused JWT (anonymous) it is a 401
    assert api.last_response.status_code == 200
    assert [url[len(site_url(plone)) + 1:] for url in asked] == expected and len(tokens) == 2


def set_jwt(plone, **settings):
    """Set the JWT plugin of the owner's (root) user folder and of the site's; commit."""
    for user_folder in (plone["app"].acl_users, plone["portal"].acl_users):
        for name, value in settings.items():
            setattr(user_folder.jwt_auth, name, value)
    transaction.commit()


def test_login_to_a_site_without_at_login_says_to_give_token_url(plone, fault):
    with pytest.raises(restish.LoginError, match=r"@login.*token_url=") as info:
        restish.Client(fault.url + "/status/404", resources=None).login("alice", "pw-Secret-99")
    assert "pw-Secret-99" not in str(info.value)


# -- client().after_commit in a Plone request -------------------------------------------


def test_after_commit_calls_go_out_after_the_commit_once_and_never_on_abort(plone, fault):
    path = f"/json/{uuid.uuid4().hex}"
    set_records(url=fault.url + path, resources="")
    queue = f"{site_url(plone)}/@@restish-queue"

    done = requests.get(queue, params={"key": "ok", "names": "a,b"}, auth=OWNER, timeout=30)
    assert done.status_code == 200 and done.text == "queued 2, sent before the commit: 0"
    posts = [(method, target) for method, target, _ in fault.requests if target.startswith(path)]
    assert posts == [("POST", f"{path}/a"), ("POST", f"{path}/b")]  # in order, once each

    failed = requests.get(queue, params={"key": "fail", "names": "c", "fail": "1"}, auth=OWNER, timeout=30)
    assert failed.status_code == 500 and fault.hits(f"{path}/c") == 0  # aborted: never sent

    replayed = requests.get(queue, params={"key": "conflict", "names": "d", "conflict": "1"}, auth=OWNER,
                            timeout=30)
    assert replayed.status_code == 200
    from plone_site import QueueView
    assert QueueView.tries["conflict"] == 2 and fault.hits(f"{path}/d") == 1  # two tries, one POST
