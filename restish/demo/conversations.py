"""Private conversations between people, and their messages.

Only participants see a conversation (403 otherwise). The routes under
``/people/{username}/conversations/{id}`` act for the person in the URL.
"""
from __future__ import annotations

from .http import BadRequest, Forbidden, Request, Response, json_response
from .payload import check_kind, collection, note, optional_text
from .routing import view
from .store import Store, participants


def member_of(store: Store, cid: str, name: str) -> dict:
    conversation = store.conversation(cid)
    if name not in participants(conversation):
        raise Forbidden(f"{name} is not a participant of conversation {cid}")
    return conversation


def display_name(conversation: dict, viewer: str) -> str:
    """The given name, else (as MAX) the names of the other participants."""
    others = [p["displayName"] for p in conversation["participants"] if p["username"] != viewer]
    return conversation.get("displayName") or ", ".join(others) or viewer


def conversation_view(store: Store, conversation: dict, viewer: str) -> dict:
    messages = store.messages_of(conversation["id"])
    last = max(messages, key=lambda m: m["id"], default=None)
    return {**conversation, "displayName": display_name(conversation, viewer), "messages": len(messages),
            "lastMessage": {"content": last["object"]["content"], "published": last["published"]} if last else None}


def message_view(store: Store, message: dict, viewer: str) -> dict:
    conversation = store.conversations[message["contexts"][0]["id"]]
    context = {"objectType": "conversation", "id": conversation["id"],
               "displayName": display_name(conversation, viewer), "tags": conversation["tags"]}
    return {**message, "contexts": [context]}


@view("GET", "/conversations")
def list_conversations(req: Request, store: Store) -> Response:
    return collection(req, [conversation_view(store, c, req.actor) for c in store.conversations.values()
                            if req.actor in participants(c)])


@view("POST", "/conversations")
def add_conversation(req: Request, store: Store) -> Response:
    """Start a conversation (or reuse the two-person one) with its first message."""
    actor, body = store.actor(req.actor), req.json_object()
    spec = _conversation_spec(body)
    names = _participants(spec, actor["username"])
    members = [store.actor(name) for name in names]
    obj = note(body)
    conversation = store.find_pair(set(names)) if len(names) == 2 else None
    if conversation is None:
        conversation = store.add_conversation(actor, members, optional_text(spec, "displayName", "contexts[0]"))
    message = store.add_message(conversation, actor, obj)
    return json_response(message_view(store, message, actor["username"]), 201)


def _conversation_spec(body: dict) -> dict:
    contexts = body.get("contexts")
    if not isinstance(contexts, list) or not contexts or not isinstance(contexts[0], dict):
        raise BadRequest('Missing contexts: expected [{"objectType": "conversation", "participants": [...]}]')
    check_kind(contexts[0], ("conversation",), "contexts[0]")
    return contexts[0]


def _participants(spec: dict, actor: str) -> list:
    names = spec.get("participants")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        raise BadRequest("participants must be a non-empty list of usernames")
    if len(set(names)) != len(names):
        raise BadRequest("One or more users duplicated in participants list")
    if actor not in names:
        raise BadRequest(f"The actor ({actor}) must be part of the participants list")
    if names == [actor]:
        raise BadRequest("Cannot start a conversation with oneself")
    return names


@view("GET", "/conversations/{id}")
@view("GET", "/people/{username}/conversations/{id}")
def get_conversation(req: Request, store: Store) -> Response:
    viewer = _viewer(req, store)
    return json_response(conversation_view(store, member_of(store, req.params["id"], viewer), viewer))


@view("GET", "/conversations/{id}/messages")
@view("GET", "/people/{username}/conversations/{id}/messages")
def list_messages(req: Request, store: Store) -> Response:
    viewer = _viewer(req, store)
    cid = member_of(store, req.params["id"], viewer)["id"]
    return collection(req, [message_view(store, m, viewer) for m in store.messages_of(cid)])


@view("POST", "/conversations/{id}/messages")
@view("POST", "/people/{username}/conversations/{id}/messages")
def add_message(req: Request, store: Store) -> Response:
    viewer = _viewer(req, store)
    conversation = member_of(store, req.params["id"], viewer)
    obj = note(req.json_object())
    message = store.add_message(conversation, store.users[viewer], obj)
    return json_response(message_view(store, message, viewer), 201)


def _viewer(req: Request, store: Store) -> str:
    """The person the request acts for: the one in the URL, else the authenticated one."""
    if "username" in req.params:
        return store.user(req.params["username"])["username"]
    return store.actor(req.actor)["username"]
