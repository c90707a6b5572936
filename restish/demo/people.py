"""People, their avatars and their subscriptions."""
from __future__ import annotations

import base64
import mimetypes
import re

from .http import BadRequest, Request, Response, json_response, no_content
from .multipart import Part
from .payload import collection, context_hash, optional_text, require_object, text, username
from .routing import view
from .store import Store, context_summary, user_summary

# MAX answers a missing avatar with a placeholder image: a 1x1 transparent PNG here.
PLACEHOLDER_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
SUBSCRIPTION_PERMISSIONS = ["read", "write", "unsubscribe"]
PROFILE_FIELDS = ("displayName", "twitterUsername")  # what PUT may change, as in MAX
_MIME = re.compile(r"^[A-Za-z0-9][\w.+-]*/[\w.+-]+$")


def profile(store: Store, user: dict) -> dict:
    return {**user, "subscribedTo": subscriptions_of(store, user["username"])}


def subscriptions_of(store: Store, name: str) -> list:
    """A person's subscriptions: the contexts (with their ids), newest first."""
    items = [{**context_summary(store.contexts[chash]), "id": store.contexts[chash]["id"],
              "permissions": list(SUBSCRIPTION_PERMISSIONS), "subscribed": activity["published"]}
             for chash, activity in store.subscriptions.get(name, {}).items()]
    return sorted(items, key=lambda item: item["id"], reverse=True)


# -- people


@view("GET", "/people")
def list_people(req: Request, store: Store) -> Response:
    prefix = req.arg("username", "")
    return collection(req, [user_summary(u) for name, u in store.users.items() if name.startswith(prefix)])


@view("POST", "/people")
def add_user_from_body(req: Request, store: Store) -> Response:
    body = req.json_object()
    return _add_user(store, username(text(body, "username")), body)


@view("POST", "/people/{username}")
def add_user(req: Request, store: Store) -> Response:
    return _add_user(store, username(req.params["username"]), req.json_object())


def _add_user(store: Store, name: str, body: dict) -> Response:
    user, created = store.add_user(name, optional_text(body, "displayName"))
    return json_response(profile(store, user), 201 if created else 200)


@view("GET", "/people/{username}")
def get_user(req: Request, store: Store) -> Response:
    return json_response(profile(store, store.user(req.params["username"])))


@view("PUT", "/people/{username}")
def modify_user(req: Request, store: Store) -> Response:
    user, body = store.user(req.params["username"]), req.json_object()
    changes = {key: optional_text(body, key) for key in PROFILE_FIELDS if key in body}
    for key, value in changes.items():  # unknown properties are ignored, as MAX does
        if key == "displayName":
            user[key] = value or user["username"]
        elif value is None:  # null unsets a property
            user.pop(key, None)
        else:
            user[key] = value
    return json_response(profile(store, user))


@view("DELETE", "/people/{username}")
def delete_user(req: Request, store: Store) -> Response:
    store.delete_user(req.params["username"])
    return no_content()


# -- avatars


@view("POST", "/people/{username}/avatar")
def post_avatar(req: Request, store: Store) -> Response:
    name = store.user(req.params["username"])["username"]
    part, limit = req.upload("file"), req.settings.max_avatar_bytes
    if len(part.data) > limit:
        raise BadRequest(f"Avatar too large: {len(part.data)} bytes, at most {limit} allowed")
    if not part.data:
        raise BadRequest("Empty avatar file")
    kind = _content_type(part)
    store.avatars[name] = (part.data, kind)
    return json_response({"username": name, "contentType": kind, "size": len(part.data)}, 201)


@view("GET", "/people/{username}/avatar")
@view("GET", "/people/{username}/avatar/{size}")
def get_avatar(req: Request, store: Store) -> Response:
    name = store.user(req.params["username"])["username"]
    data, kind = store.avatars.get(name, (PLACEHOLDER_PNG, "image/png"))
    return Response(200, data, [("Content-Type", kind)])  # every size is the uploaded image


def _content_type(part: Part) -> str:
    """The part's own type, else one guessed from its file name; never a header-breaking value."""
    declared = (part.content_type or "").split(";")[0].strip().lower()
    if _MIME.match(declared) and declared != "application/octet-stream":
        return declared
    guessed = mimetypes.guess_type(part.filename or "")[0]
    return guessed or "application/octet-stream"


# -- subscriptions


@view("GET", "/people/{username}/subscriptions")
def list_subscriptions(req: Request, store: Store) -> Response:
    return collection(req, subscriptions_of(store, store.user(req.params["username"])["username"]))


@view("POST", "/people/{username}/subscriptions")
def subscribe(req: Request, store: Store) -> Response:
    user = store.user(req.params["username"])
    obj = require_object(req.json_object(), "context")
    activity, created = store.subscribe(user, store.context(context_hash(obj, "object")))
    return json_response(activity, 201 if created else 200)


@view("DELETE", "/people/{username}/subscriptions/{hash}")
@view("DELETE", "/contexts/{hash}/subscriptions/{username}")
def unsubscribe(req: Request, store: Store) -> Response:
    name = store.user(req.params["username"])["username"]
    store.unsubscribe(name, store.context(req.params["hash"])["hash"])
    return no_content()
