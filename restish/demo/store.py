"""The demo's in-memory data: people, avatars, contexts, activities, conversations, tokens.

Objects are kept in the shape MAX answers with (``id``, ``objectType``,
``published``...), so views serialise them as they are. One re-entrant lock
guards it all: the app holds it around each handler, so handlers need no
locking of their own and a threaded server sees a consistent store.
"""
from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from .http import NotFound, UnknownUser


class IdGenerator:
    """24-hex ids shaped like MongoDB ObjectIds (seconds, then a counter).

    Strictly increasing, even if the clock steps back, so ids order items by
    creation and ``before=<id>`` can compare them as strings.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds = 0
        self._count = 0

    def __call__(self) -> str:
        with self._lock:
            self._seconds = max(self._seconds, int(time.time()))
            self._count += 1
            return f"{self._seconds:08x}{self._count:016x}"


@dataclass(frozen=True)
class Grant:
    """What a token was issued for."""

    username: str
    scope: str
    expires: float  # time.monotonic() deadline; inf for refresh tokens


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha1(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()


def person(user: dict) -> dict:
    """The actor summary MAX embeds in activities and conversations."""
    return {"objectType": "person", "username": user["username"], "displayName": user["displayName"]}


def user_summary(user: dict) -> dict:
    """A person as people listings show it: the actor summary and its id."""
    return {"id": user["id"], **person(user)}


def context_summary(context: dict) -> dict:
    return {key: context[key] for key in ("objectType", "url", "hash", "displayName")}


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.new_id = IdGenerator()
        self.users: dict[str, dict] = {}               # username -> profile
        self.avatars: dict[str, tuple] = {}            # username -> (bytes, content type)
        self.contexts: dict[str, dict] = {}            # hash -> context
        self.subscriptions: dict[str, dict] = {}       # username -> {hash: subscribe activity}
        self.activities: dict[str, dict] = {}          # id -> posted activity
        self.comments: dict[str, dict] = {}            # id -> comment
        self.conversations: dict[str, dict] = {}       # id -> conversation
        self.messages: dict[str, dict] = {}            # id -> message
        self.tokens: dict[str, Grant] = {}             # access token -> grant
        self.refresh_tokens: dict[str, Grant] = {}     # refresh token -> grant

    # -- lookups: each raises the MAX error a missing object deserves

    def user(self, username: str) -> dict:
        if username not in self.users:
            raise UnknownUser(f"Unknown user: {username}")
        return self.users[username]

    def actor(self, username: str) -> dict:
        """A user named by the request's auth or body: a 400, not a 404, when missing."""
        if username not in self.users:
            raise UnknownUser(f"Unknown user: {username} (create it with POST /people/{username})", status=400)
        return self.users[username]

    def context(self, chash: str) -> dict:
        if chash not in self.contexts:
            raise NotFound(f"Unknown context: {chash}")
        return self.contexts[chash]

    def activity(self, aid: str) -> dict:
        if aid not in self.activities:
            raise NotFound(f"Unknown activity: {aid}")
        return self.activities[aid]

    def conversation(self, cid: str) -> dict:
        if cid not in self.conversations:
            raise NotFound(f"Unknown conversation: {cid}")
        return self.conversations[cid]

    # -- people and contexts: creating an existing one returns it (MAX answers 200, not 201)

    def add_user(self, username: str, display_name: str | None) -> tuple[dict, bool]:
        if username in self.users:
            return self.users[username], False
        user = {"id": self.new_id(), "objectType": "person", "username": username,
                "displayName": display_name or username, "published": now()}
        self.users[username] = user
        return user, True

    def delete_user(self, username: str) -> None:
        self.user(username)
        for table in (self.users, self.avatars, self.subscriptions):
            table.pop(username, None)

    def add_context(self, url: str, display_name: str | None, creator: str) -> tuple[dict, bool]:
        chash = sha1(url)
        if chash in self.contexts:
            return self.contexts[chash], False
        context = {"id": self.new_id(), "objectType": "context", "url": url, "hash": chash,
                   "displayName": display_name or url, "tags": [], "creator": creator,
                   "published": now()}
        self.contexts[chash] = context
        return context, True

    def rename_context(self, context: dict, display_name: str) -> None:
        """MAX copies a context's name into activities; keep the copies in step."""
        context["displayName"] = display_name
        for activity in self.activities.values():
            for summary in activity["contexts"]:
                if summary["hash"] == context["hash"]:
                    summary["displayName"] = display_name

    def delete_context(self, chash: str) -> None:
        self.context(chash)
        del self.contexts[chash]
        for subscribed in self.subscriptions.values():
            subscribed.pop(chash, None)

    # -- subscriptions

    def subscribe(self, user: dict, context: dict) -> tuple[dict, bool]:
        """The subscribe activity; an existing subscription's when already subscribed."""
        mine = self.subscriptions.setdefault(user["username"], {})
        if context["hash"] in mine:
            return mine[context["hash"]], False
        activity = {"id": self.new_id(), "objectType": "activity", "verb": "subscribe",
                    "actor": person(user), "object": context_summary(context), "published": now()}
        mine[context["hash"]] = activity
        return activity, True

    def unsubscribe(self, username: str, chash: str) -> None:
        if chash not in self.subscriptions.get(username, {}):
            raise NotFound(f"{username} is not subscribed to context {chash}")
        del self.subscriptions[username][chash]

    def subscribed_hashes(self, username: str) -> set:
        return set(self.subscriptions.get(username, {}))

    # -- activities, comments, likes

    def add_activity(self, actor: dict, obj: dict, contexts: list, generator: str | None) -> dict:
        activity = {"id": self.new_id(), "objectType": "activity", "verb": "post",
                    "actor": person(actor), "object": obj, "published": now(),
                    "contexts": [context_summary(c) for c in contexts],
                    "replies": [], "likes": [], "likesCount": 0}
        if generator:
            activity["generator"] = generator
        self.activities[activity["id"]] = activity
        return activity

    def delete_activity(self, aid: str) -> None:
        for comment in self.activity(aid)["replies"]:
            self.comments.pop(comment["id"], None)
        del self.activities[aid]

    def add_comment(self, activity: dict, actor: dict, content: str) -> dict:
        comment = {"id": self.new_id(), "objectType": "comment", "content": content,
                   "actor": person(actor), "published": now(),
                   "inReplyTo": [{"id": activity["id"], "objectType": "activity"}]}
        self.comments[comment["id"]] = comment
        activity["replies"].append(comment)
        return comment

    def delete_comment(self, activity: dict, cid: str) -> None:
        if cid not in {c["id"] for c in activity["replies"]}:
            raise NotFound(f"Unknown comment {cid} on activity {activity['id']}")
        activity["replies"] = [c for c in activity["replies"] if c["id"] != cid]
        del self.comments[cid]

    def like(self, activity: dict, actor: dict) -> tuple[dict, bool]:
        for like in activity["likes"]:
            if like["username"] == actor["username"]:
                return like, False
        like = {"id": self.new_id(), **person(actor), "published": now()}
        activity["likes"].append(like)
        activity["likesCount"] = len(activity["likes"])
        return like, True

    def unlike(self, activity: dict, username: str) -> None:
        likes = [like for like in activity["likes"] if like["username"] != username]
        if len(likes) == len(activity["likes"]):
            raise NotFound(f"{username} does not like activity {activity['id']}")
        activity["likes"], activity["likesCount"] = likes, len(likes)

    # -- conversations and messages

    def find_pair(self, usernames: set) -> dict | None:
        """The existing two-person conversation between ``usernames`` (MAX reuses it)."""
        for conversation in self.conversations.values():
            if "group" not in conversation["tags"] and participants(conversation) == usernames:
                return conversation
        return None

    def add_conversation(self, owner: dict, members: list, display_name: str | None) -> dict:
        conversation = {"id": self.new_id(), "objectType": "conversation",
                        "participants": [person(m) for m in members], "owner": owner["username"],
                        "tags": ["group"] if len(members) > 2 else [], "published": now()}
        if display_name:
            conversation["displayName"] = display_name
        self.conversations[conversation["id"]] = conversation
        return conversation

    def add_message(self, conversation: dict, actor: dict, obj: dict) -> dict:
        message = {"id": self.new_id(), "objectType": "message", "verb": "post",
                   "actor": person(actor), "object": obj, "published": now(),
                   "contexts": [{"objectType": "conversation", "id": conversation["id"]}]}
        self.messages[message["id"]] = message
        return message

    def messages_of(self, cid: str) -> list:
        return [m for m in self.messages.values() if m["contexts"][0]["id"] == cid]


def participants(conversation: dict) -> set:
    return {p["username"] for p in conversation["participants"]}
