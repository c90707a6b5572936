"""Contexts (a URL people post about and subscribe to), their activities and subscribers."""
from __future__ import annotations

from .http import BadRequest, Request, Response, json_response, no_content
from .payload import check_kind, collection, note, optional_text, text
from .routing import view
from .store import Store, user_summary
from .people import SUBSCRIPTION_PERMISSIONS


@view("GET", "/contexts")
@view("GET", "/contexts/public")  # every demo context is public
def list_contexts(req: Request, store: Store) -> Response:
    return collection(req, list(store.contexts.values()))


@view("POST", "/contexts")
def add_context(req: Request, store: Store) -> Response:
    body = req.json_object()  # MAX: {"objectType": "context", "url": ..., "displayName": ...}
    check_kind(body, ("context",), "request")
    context, created = store.add_context(text(body, "url"), optional_text(body, "displayName"), req.actor)
    return json_response(context, 201 if created else 200)


@view("GET", "/contexts/{hash}")
def get_context(req: Request, store: Store) -> Response:
    return json_response(store.context(req.params["hash"]))


@view("PUT", "/contexts/{hash}")
def modify_context(req: Request, store: Store) -> Response:
    context, body = store.context(req.params["hash"]), req.json_object()
    tags = body.get("tags", context["tags"])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise BadRequest("tags must be a list of strings")
    context["tags"] = tags
    if "displayName" in body:
        store.rename_context(context, text(body, "displayName"))
    return json_response(context)


@view("DELETE", "/contexts/{hash}")
def delete_context(req: Request, store: Store) -> Response:
    store.delete_context(req.params["hash"])
    return no_content()


@view("GET", "/contexts/{hash}/activities")
def list_context_activities(req: Request, store: Store) -> Response:
    chash = store.context(req.params["hash"])["hash"]
    return collection(req, [a for a in store.activities.values()
                            if any(c["hash"] == chash for c in a["contexts"])])


@view("POST", "/contexts/{hash}/activities")
def add_context_activity(req: Request, store: Store) -> Response:
    context, body = store.context(req.params["hash"]), req.json_object()
    activity = store.add_activity(store.actor(req.actor), note(body), [context],
                                  optional_text(body, "generator"))
    return json_response(activity, 201)


@view("GET", "/contexts/{hash}/comments")
def list_context_comments(req: Request, store: Store) -> Response:
    chash = store.context(req.params["hash"])["hash"]
    return collection(req, [comment for a in store.activities.values()
                            if any(c["hash"] == chash for c in a["contexts"]) for comment in a["replies"]])


@view("GET", "/contexts/{hash}/subscriptions")
def list_subscribers(req: Request, store: Store) -> Response:
    chash = store.context(req.params["hash"])["hash"]
    return collection(req, [{**user_summary(store.users[name]), "permissions": list(SUBSCRIPTION_PERMISSIONS)}
                            for name, subscribed in store.subscriptions.items() if chash in subscribed])


@view("POST", "/contexts/{hash}/subscriptions")
def subscribe_user(req: Request, store: Store) -> Response:
    """MAX 5's way: ``{"actor": {"objectType": "person", "username": ...}}``; the caller by default."""
    context, body = store.context(req.params["hash"]), req.json_object()
    actor = body.get("actor", {})
    if not isinstance(actor, dict):
        raise BadRequest("actor must be a JSON object")
    check_kind(actor, ("person",), "actor")
    user = store.actor(optional_text(actor, "username", "actor") or req.actor)
    activity, created = store.subscribe(user, context)
    return json_response(activity, 201 if created else 200)
