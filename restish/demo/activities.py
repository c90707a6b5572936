"""Activities (posts by a person, optionally in contexts), timelines, comments and likes."""
from __future__ import annotations

from .http import BadRequest, Request, Response, json_response, no_content
from .payload import check_kind, collection, context_hash, note, optional_text
from .routing import view
from .store import Store, person


def _posts_by(store: Store, name: str) -> list:
    return [a for a in store.activities.values() if a["actor"]["username"] == name]


@view("GET", "/people/{username}/activities")
def list_user_activities(req: Request, store: Store) -> Response:
    return collection(req, _posts_by(store, store.user(req.params["username"])["username"]))


@view("POST", "/people/{username}/activities")
def add_activity(req: Request, store: Store) -> Response:
    """The person in the URL posts; ``contexts`` may name contexts by url (or hash)."""
    user, body = store.user(req.params["username"]), req.json_object()
    obj = note(body)
    contexts = [store.context(context_hash(c, "contexts")) for c in _contexts(body)]
    activity = store.add_activity(user, obj, contexts, optional_text(body, "generator"))
    return json_response(activity, 201)


def _contexts(body: dict) -> list:
    contexts = body.get("contexts", [])
    if not isinstance(contexts, list) or not all(isinstance(c, dict) for c in contexts):
        raise BadRequest("contexts must be a list of objects like {\"objectType\": \"context\", \"url\": ...}")
    for context in contexts:
        check_kind(context, ("context",), "contexts[]")
    return contexts


@view("GET", "/people/{username}/timeline")
def timeline(req: Request, store: Store) -> Response:
    """A person's posts and the posts in the contexts they subscribe to."""
    name = store.user(req.params["username"])["username"]
    followed = store.subscribed_hashes(name)
    return collection(req, [a for a in store.activities.values() if a["actor"]["username"] == name
                            or any(c["hash"] in followed for c in a["contexts"])])


@view("GET", "/people/{username}/comments")
def list_user_comments(req: Request, store: Store) -> Response:
    name = store.user(req.params["username"])["username"]
    return collection(req, [c for c in store.comments.values() if c["actor"]["username"] == name])


@view("GET", "/activities")
def list_activities(req: Request, store: Store) -> Response:
    return collection(req, list(store.activities.values()))


@view("GET", "/activities/comments")
def list_comments(req: Request, store: Store) -> Response:
    return collection(req, list(store.comments.values()))


@view("GET", "/activities/{activity}")
def get_activity(req: Request, store: Store) -> Response:
    return json_response(store.activity(req.params["activity"]))


@view("DELETE", "/activities/{activity}")
def delete_activity(req: Request, store: Store) -> Response:
    store.delete_activity(req.params["activity"])
    return no_content()


# -- comments


@view("GET", "/activities/{activity}/comments")
def list_activity_comments(req: Request, store: Store) -> Response:
    return collection(req, store.activity(req.params["activity"])["replies"])


@view("POST", "/activities/{activity}/comments")
def add_comment(req: Request, store: Store) -> Response:
    """Answers, as MAX does, with the ``comment`` activity; its id is the comment's."""
    activity = store.activity(req.params["activity"])
    content = note(req.json_object(), "comment")["content"]
    comment = store.add_comment(activity, store.actor(req.actor), content)
    obj = {"objectType": "comment", "content": content, "inReplyTo": comment["inReplyTo"]}
    return json_response({"id": comment["id"], "objectType": "activity", "verb": "comment",
                          "actor": comment["actor"], "object": obj, "published": comment["published"]}, 201)


@view("DELETE", "/activities/{activity}/comments/{comment}")
def delete_comment(req: Request, store: Store) -> Response:
    store.delete_comment(store.activity(req.params["activity"]), req.params["comment"])
    return no_content()


# -- likes


@view("GET", "/activities/{activity}/likes")
def list_likes(req: Request, store: Store) -> Response:
    return collection(req, store.activity(req.params["activity"])["likes"])


@view("POST", "/activities/{activity}/likes")
def like(req: Request, store: Store) -> Response:
    """Answers with the ``like`` activity: 201 the first time, 200 after."""
    activity, actor = store.activity(req.params["activity"]), store.actor(req.actor)
    liked, created = store.like(activity, actor)
    obj = {"id": activity["id"], "objectType": "activity", "likesCount": activity["likesCount"], "liked": True}
    return json_response({"id": liked["id"], "objectType": "activity", "verb": "like", "actor": person(actor),
                          "object": obj, "published": liked["published"]}, 201 if created else 200)


@view("DELETE", "/activities/{activity}/likes/{username}")
def unlike(req: Request, store: Store) -> Response:
    store.unlike(store.activity(req.params["activity"]), req.params["username"])
    return no_content()
