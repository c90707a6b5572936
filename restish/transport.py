"""Sending a prepared request: per-origin environment settings, the retry
adapters, redirects that keep credentials at home, transport errors.

``requests.Session.request`` re-reads proxy variables, the CA bundle variables
and ``~/.netrc`` on every call; that is about a third of its cost. restish
resolves them once per origin and reuses the result while the environment
variables they come from, and the netrc file (its size and change time), stay
the same, so a changed ``HTTPS_PROXY`` or an edited or deleted ``~/.netrc``
still takes effect on the next call.
"""
from __future__ import annotations

import functools
import os
import re
import threading
import time
from typing import Any, Iterable
from urllib.parse import urljoin, urlparse, urlsplit

import requests
import urllib3
from requests.utils import get_netrc_auth, requote_uri, rewind_body

from . import retry
from .adapter import PooledAdapter, is_redirect, origin, send_once
from .errors import ConnectionError, InvalidValue, RedirectError, Timeout, TransportError
from .headers import first_header_problem
from .redact import auth_headers, is_secret_name, note_auth_headers, redact_text, redact_url

_ENV_NAMES = tuple(
    name for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    for name in (base, base.upper())
) + ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NETRC", "HOME")
_ENCODE_KEY = getattr(os.environ, "encodekey", None)
_ENV_KEYS = tuple(dict.fromkeys(map(_ENCODE_KEY, _ENV_NAMES))) if _ENCODE_KEY else ()  # as os.environ stores them
_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>: ")
_EFFECTIVE = {"effective_ids": True} if os.access in os.supports_effective_ids else {}  # as stat() sees it
DEFAULT_PORTS = {"http": 80, "https": 443}  # the port a URL without one means


class EnvironmentCache:
    """``Session.merge_environment_settings`` and netrc auth, memoised per origin."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (environment fingerprint, {origin and settings: entry}): the entries hold for that
        # environment only, and are forgotten together when it changes.
        self._state: tuple[tuple | None, dict[tuple, tuple[dict, Any]]] = (None, {})

    def settings(self, session: requests.Session, url: str, verify: Any) -> tuple[dict, Any]:
        """``(send kwargs, netrc auth or None)`` for ``url``'s origin."""
        fingerprint = _environment_fingerprint() if session.trust_env else None
        seen, entries = self._state
        if fingerprint != seen:
            entries = {}
            self._state = (fingerprint, entries)
        key = (origin(url), verify, session.trust_env, tuple(session.proxies.items()), session.verify, session.cert)
        entry = entries.get(key)
        if entry is None:
            entry = self._resolve(session, url, verify)
            with self._lock:
                if len(entries) > 256:  # origins are few; bound it anyway
                    entries.clear()
                entries[key] = entry
        return entry

    @staticmethod
    def _resolve(session: requests.Session, url: str, verify: Any) -> tuple[dict, Any]:
        if verify is None:  # not given: the session's own, which requests would let the CA variables override
            verify = session.verify
        settings = session.merge_environment_settings(url, {}, None, verify, None)
        bundle = settings["verify"]
        if isinstance(bundle, str) and not os.path.exists(bundle):
            # requests would raise a raw OSError at send time; the variables are the usual cause.
            raise InvalidValue(f"the CA bundle {bundle!r} (from verify=, REQUESTS_CA_BUNDLE or "
                               f"CURL_CA_BUNDLE) does not exist")
        netrc = get_netrc_auth(url) if session.trust_env else None
        return settings, netrc


POOL_SIZE = 10  # connections kept per host unless asked for more


def mount_adapters(session: requests.Session, retries: Any, pool_size: int = POOL_SIZE) -> list:
    """Mount restish's HTTP(S) adapters: pooled connections, ``pool_size`` per host,
    and the retry policy of ``retries`` (see :mod:`restish.retry`).

    Only on the ``http://`` and ``https://`` prefixes, and only where the session
    holds requests' own default adapter (a plain, unconfigured ``HTTPAdapter``)
    or one restish mounted earlier: an adapter the user mounted (client
    certificates, a custom pool, its own retries) is kept as it is. requests picks
    the longest matching prefix, so an adapter mounted for one origin (a WSGI app)
    still wins. Returns the adapters replaced, for the caller to close.

    Raises ``InvalidValue`` for a bad ``retries``, and for a session whose restish
    adapters (another Client's) retry by another policy: see :func:`_check_one_policy`.
    """
    max_retries = retry.policy(retries)
    _check_one_policy(session, max_retries)
    replaced = []
    for prefix in ("http://", "https://"):
        adapter = session.adapters.get(prefix)
        if getattr(adapter, "restish_mounted", False):
            if getattr(adapter, "restish_pool_size", 0) >= pool_size:
                continue  # the same policy (checked above) and pool: another Client sharing the session
        elif adapter is not None and not _plain(adapter):
            continue
        mounted = PooledAdapter(pool_connections=10, pool_maxsize=pool_size, max_retries=max_retries)
        mounted.restish_mounted = True  # type: ignore[attr-defined]  # replaceable by a later call
        mounted.restish_retries, mounted.restish_pool_size = retries, pool_size  # type: ignore[attr-defined]
        session.mount(prefix, mounted)
        if adapter is not None:
            replaced.append(adapter)
    return replaced


def close_session(session: requests.Session) -> None:
    """``session.close()``, and every pooled connection closed with it.

    urllib3 2 forgets its pools on ``clear()`` without closing them, leaving
    that to the garbage collector: a response that outlived ``close()`` (the
    client's ``last_response``) kept the pool, and its sockets, open.
    """
    for adapter in list(session.adapters.values()):
        close_pools(adapter)  # before session.close(), which would forget the pools first
    session.close()


def close_pools(adapter: Any) -> None:
    """Close every pool of a requests adapter (idle connections now, busy ones when given back)."""
    managers = [getattr(adapter, "poolmanager", None), *getattr(adapter, "proxy_manager", {}).values()]
    for manager in filter(None, managers):
        pools = getattr(manager, "pools", None)
        for key in list(pools.keys()) if pools is not None else ():
            pool = pools.get(key)
            if pool is not None:
                pool.close()
    adapter.close()


def mounted_retries(session: requests.Session) -> Any:
    """The ``retries=`` of the restish adapters on ``session`` (None when it has none)."""
    for prefix in ("http://", "https://"):
        adapter = session.adapters.get(prefix)
        if getattr(adapter, "restish_mounted", False):
            return adapter.restish_retries
    return None


def _check_one_policy(session: requests.Session, max_retries: Any) -> None:
    """Raise ``InvalidValue`` when the session's restish adapters retry by another policy.

    A session has one adapter per prefix, and so one retry policy for every Client
    sharing it. Replacing the adapters (as restish once did) silently changed the
    first Client's ``retries=``; keeping them would silently ignore the second's;
    adapters per origin would still leave two clients of one origin (and every
    redirect off it) under one policy. Refusing the mismatch is the rule that never
    surprises: the same ``retries=`` for every Client of a session, or one session each.
    """
    for prefix in ("http://", "https://"):
        adapter = session.adapters.get(prefix)
        if getattr(adapter, "restish_mounted", False) and not _same_policy(adapter.max_retries, max_retries):
            raise InvalidValue(
                f"Client(session=...): this session's adapters already retry as another Client's "
                f"retries={adapter.restish_retries!r} asked, and a session holds one retry policy "
                f"for all its clients: give every Client of this session the same retries=, or "
                f"give this one a session of its own")


def _same_policy(a: Any, b: Any) -> bool:
    """Do two urllib3 Retry objects retry alike? (Retry has no __eq__; its settings are its attributes.)"""
    return a is b or (type(a) is type(b) and vars(a) == vars(b))


def _plain(adapter: Any) -> bool:
    """Is ``adapter`` requests' own default: an HTTPAdapter with no retries and the default pool?

    requests' Session() mounts that; anything else was chosen by someone, and
    replacing it would undo that choice. Its pool settings are private
    attributes: one missing in some requests release counts as not plain.
    """
    default = requests.adapters
    return (type(adapter) is default.HTTPAdapter and adapter.max_retries.total == 0
            and getattr(adapter, "_pool_connections", None) == default.DEFAULT_POOLSIZE
            and getattr(adapter, "_pool_maxsize", None) == default.DEFAULT_POOLSIZE
            and getattr(adapter, "_pool_block", None) == default.DEFAULT_POOLBLOCK)


def _environment_fingerprint() -> tuple:
    """The values of the variables requests' environment settings read, and the stamp of the
    netrc file requests would read (the first of those the variables point to that exists),
    as one tuple.

    The variables are read straight from the environment's own dict, its keys
    encoded once: through ``os.environ.get`` the look-ups cost twenty times as
    much, on every call. (``os.environ._data`` is CPython's store; without it,
    the public way.) The files after the first that exists cannot change what
    requests finds, so they are not looked at: each look is a system call.
    """
    data = getattr(os.environ, "_data", None)
    if type(data) is dict and _ENV_KEYS:
        values = tuple(map(data.get, _ENV_KEYS))
    else:
        values = tuple(map(os.environ.get, _ENV_NAMES))
    # NETRC and HOME are the last two names: their values, as read (encoded or not), pick the files.
    for index, path in enumerate(_netrc_paths(values[-2], values[-1])):
        if _exists(path):  # not stat(): for a missing file, its OSError costs three times more
            return (*values, index, _file_stamp(path))
    return values


_exists = functools.partial(os.access, mode=os.F_OK, **_EFFECTIVE)


@functools.lru_cache(maxsize=8)
def _netrc_paths(netrc: str | bytes | None, home: str | bytes | None) -> tuple[str, ...]:
    """The files requests' ``get_netrc_auth`` reads (the first that exists), for these variables
    (as ``os.environ`` stores them: bytes on POSIX)."""
    netrc = os.fsdecode(netrc) if netrc is not None else None
    names = (netrc,) if netrc is not None else tuple(f"~/{name}" for name in requests.utils.NETRC_FILES)
    return tuple(os.path.expanduser(name) for name in names)


def _file_stamp(path: str) -> tuple | None:
    """What changes when a file is written, replaced or deleted (None: no such file)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


def send(session: requests.Session, prepared: requests.PreparedRequest, settings: dict,
         timeout: Any, stream: bool) -> requests.Response:
    """``session.send`` with environment settings given, redirects followed, errors converted.

    Returns the last response (earlier hops in ``.history``); raises ``TransportError``,
    or ``InvalidValue`` for a header http.client cannot encode (one auth or a session set).
    """
    kwargs = dict(timeout=timeout, stream=stream, proxies=settings["proxies"],
                  verify=settings["verify"], cert=settings["cert"])
    # The retry budget counts from the first try, not its failure, and a body that
    # cannot be rewound is never retried (see retry.first_try). Set by hand, not with
    # a context manager: this runs on every call. The previous values are put back,
    # for a request sent while another is (an auth handler's).
    first_try = retry.first_try
    previous_started, previous_body = getattr(first_try, "started", None), getattr(first_try, "body", None)
    first_try.started = time.monotonic()
    first_try.body = prepared.body
    try:
        return _send_handling_redirects(session, prepared, kwargs)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        # requests lets a few urllib3 errors through (UnrewindableBodyError on a retry
        # by a plain urllib3 Retry, which does not check the body first as restish's does).
        raise error_class(exc)(prepared.method or "?", prepared.url or "?", describe(exc)) from exc
    except UnicodeEncodeError:
        # http.client encodes header values as Latin-1. from None: the error holds the value.
        raise InvalidValue(f"{prepared.method} {urlsplit(prepared.url or '').path or '/'}: "
                           f"{first_header_problem(prepared.headers) or 'a header value cannot be encoded'}") from None
    finally:
        first_try.started = previous_started
        first_try.body = previous_body


# -- redirects ----------------------------------------------------------------
#
# requests strips only ``Authorization`` on a redirect to another host, and
# keeps it from http to https. restish sends each hop itself with
# ``allow_redirects=False`` and takes the next request requests builds
# (``response.next``: cookies, proxies and netrc handled as usual); when that
# request leaves the original scheme, host and port, every credential is taken
# off it first. Doing it in the send chain, not in a global patch or a hook,
# protects a user's own ``session=`` the same way.
#
# requests also turns a POST answered 301 or 302 into a GET and drops the
# body of every verb on them (browsers' habit): Django's slash redirect would
# make a write a read that "succeeds". restish keeps the verb and the body on
# the original origin, and refuses (RedirectError) where they cannot follow.
# The verdict is given by a response hook, before requests builds the next
# request: a Location requests could not parse, or a body it could not rewind,
# would otherwise escape from ``session.send`` as a raw ValueError or without
# the Location.

BODY_VERBS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEEPS_VERB = frozenset({301, 302, 307, 308})  # 303 alone means "now GET it", as RFC 9110 says
# A 301/302 answering a write is ambiguous: browsers GET the Location (Post/Redirect/Get),
# RFC 9110 allows either. Only a slash redirect (the same path, give or take a trailing "/",
# as Django's APPEND_SLASH sends) keeps the verb; any other is refused, never guessed:
# "DELETE /things/5 -> 302 /things" must not become DELETE /things, nor a GET that "succeeds".
_AMBIGUOUS = frozenset({301, 302})


def _send_handling_redirects(session: requests.Session, prepared: requests.PreparedRequest,
                             kwargs: dict) -> requests.Response:
    first = prepared.url or ""
    response = _send_judged(session, prepared, kwargs, first)
    if response.next is None:  # not a redirect: the usual case costs nothing more
        return response
    home = origin_of(first)
    history: list[requests.Response] = []
    sent = prepared
    while response.next is not None:
        if len(history) >= session.max_redirects:
            raise RedirectError(prepared.method or "?", prepared.url or "?",
                                f"too many redirects: more than {session.max_redirects}, the last to "
                                f"{redact_url(response.next.url or '?')}")
        following = response.next
        if response.status_code in _KEEPS_VERB and sent.method in BODY_VERBS:
            _keep_verb_and_body(following, sent)
        note_auth_headers(following, auth_headers(prepared))
        if origin_of(following.url or "") != home:
            drop_credentials(following, prepared, session)
        history.append(response)
        retry.first_try.body = following.body  # this hop's (None after a 303), for its retries
        sent, response = following, _send_judged(session, following, kwargs, first)
    response.history = history
    return response


def _send_judged(session: requests.Session, prepared: requests.PreparedRequest, kwargs: dict,
                 first: str) -> requests.Response:
    """``session.send`` of one hop, its redirect judged by :func:`_judge` before requests follows it.

    ``first`` is the URL of the first hop, whose origin is home.
    """
    judge = functools.partial(_judge, prepared, first)
    if type(session) is requests.Session:  # send_once calls it after the hooks, as it would run last
        return send_once(session, prepared, kwargs, judge)
    hooks = prepared.hooks.setdefault("response", [])
    hooks.append(judge)  # last: the user's hooks see the answer first, as without restish
    try:
        return send_once(session, prepared, kwargs)
    finally:
        hooks.remove(judge)  # the hooks are shared with the hop's copies


def _judge(prepared: requests.PreparedRequest, first: str, response: requests.Response,
           **_kw: Any) -> None:
    """Raise RedirectError for a redirect restish must not follow (see the comment above)."""
    if not is_redirect(response):
        return
    method, status = prepared.method or "?", response.status_code
    location = response.headers["Location"]
    try:
        target = _redirect_target(response.url, location)
        elsewhere = origin_of(target) != origin_of(first)  # reads the port: a bad one raises ValueError
    except ValueError:  # requests' InvalidURL is one too
        response.close()
        raise RedirectError(method, prepared.url or "?",
                            f"{status} redirect to a Location that cannot be parsed: "
                            f"{redact_text(location)[:200]!r}") from None
    if method not in BODY_VERBS or status not in _KEEPS_VERB:
        return
    why = None
    if elsewhere:
        why = (f"restish does not send a {method} to another origin than its own; "
               f"call that URL yourself if you trust it")
    elif status in _AMBIGUOUS and not _slash_redirect(prepared.url or "", target):
        why = (f"a {status} answering a {method} may mean 'now GET that' or 'send it there', and restish "
               f"guesses neither: only a slash redirect (the same path, give or take a trailing '/') keeps "
               f"the {method}; call that URL yourself if it is meant")
    elif not retry.body_rewindable(prepared.body):
        why = f"the {method} body was read from a stream that cannot be rewound to send it again"
    if why:
        response.close()
        raise RedirectError(method, prepared.url or "?", f"{status} redirect to {redact_url(target)}: {why}")


def _slash_redirect(sent: str, target: str) -> bool:
    """Is ``target`` the path of ``sent`` with a trailing slash added or taken away?"""
    return urlsplit(sent).path.rstrip("/") == urlsplit(target).path.rstrip("/")


def _redirect_target(url: str, location: str) -> str:
    """Where requests' ``resolve_redirects`` will send the next hop, parsed as it parses it
    (a scheme-relative ``//host``, then ``urlparse``, then a join when there is no host), so
    that whatever it cannot parse raises ValueError here first, inside :func:`_judge`."""
    if location.startswith("//"):
        location = f"{urlsplit(url).scheme}:{location}"
    parsed = urlparse(location)
    return requote_uri(parsed.geturl()) if parsed.netloc else urljoin(url, requote_uri(parsed.geturl()))


def _keep_verb_and_body(following: requests.PreparedRequest, sent: requests.PreparedRequest) -> None:
    """Undo requests' browser habit on a 301/302: ``following`` keeps ``sent``'s verb and body."""
    following.method = sent.method
    if following.body is sent.body:  # 307, 308: requests kept and rewound it
        return
    following.body = sent.body
    for name in ("Content-Length", "Content-Type", "Transfer-Encoding"):
        if name in sent.headers:
            following.headers[name] = sent.headers[name]
    if sent.body is not None and not isinstance(sent.body, (bytes, str)):
        rewind_body(following)  # _judge checked that it can


def drop_credentials(request: requests.PreparedRequest, original: requests.PreparedRequest,
                     session: requests.Session) -> None:
    """Take every credential of ``original``'s origin off ``request``, a hop away from it.

    Dropped: the headers auth set, ``Authorization``, and any header named like
    a secret (tokens, API keys) — ``Cookie`` included: cookies ignore ports and
    schemes, so a hop to another port of the same host would get them all.
    netrc auth for the new host is applied, as requests would.
    """
    doomed = auth_headers(original)
    for name in list(request.headers):
        lower = name.lower()
        if lower in doomed or (is_secret_name(name) and lower != "proxy-authorization"):
            del request.headers[name]
    netrc = get_netrc_auth(request.url) if session.trust_env else None
    if netrc:
        request.prepare_auth(netrc)


def error_class(exc: BaseException) -> type[TransportError]:
    """The TransportError subclass for a requests or urllib3 error: Timeout, ConnectionError, else TransportError."""
    if _is_timeout(exc):
        return Timeout
    if isinstance(exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                        urllib3.exceptions.ProtocolError)):
        return ConnectionError
    return TransportError


def _is_timeout(exc: BaseException) -> bool:
    """requests reports some timeouts as ConnectionError: a read timeout urllib3 retried
    (``MaxRetryError`` with a ``ReadTimeoutError`` reason) or one met in the body."""
    if isinstance(exc, requests.Timeout):
        return True
    inner = exc.args[0] if exc.args else None
    inner = getattr(inner, "reason", None) or inner
    return (isinstance(inner, (urllib3.exceptions.TimeoutError, TimeoutError))
            and not isinstance(inner, urllib3.exceptions.NewConnectionError))


def describe(exc: BaseException) -> str:
    """A one-line cause for a transport failure, secrets masked."""
    if isinstance(exc, requests.ConnectTimeout):
        kind = "connect timeout"
    elif isinstance(exc, requests.Timeout):
        kind = "read timeout"
    elif isinstance(exc, requests.exceptions.SSLError):
        kind = "TLS error"
    elif isinstance(exc, requests.TooManyRedirects):
        return f"too many redirects: {exc}"
    elif isinstance(exc, requests.ConnectionError):
        kind = _connection_kind(exc)
    else:
        kind = type(exc).__name__
    return f"{kind}: {redact_text(_innermost(exc))}"


def _connection_kind(exc: requests.ConnectionError) -> str:
    """What a ``ConnectionError`` really was.

    requests turns urllib3's ``MaxRetryError`` into ``ConnectionError`` unless its
    reason is a connect timeout, so a read timeout on a verb urllib3 may retry
    (GET, PUT, DELETE...) arrives here; its ``reason`` tells them apart.
    ``NewConnectionError`` (refused, unreachable) subclasses ``ConnectTimeoutError``,
    so it is tested first.
    """
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(exc.args[0] if exc.args else None, urllib3.exceptions.ReadTimeoutError):
        return "read timeout"  # met while reading the body: requests wraps it bare
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
        return "read timeout"
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return "connection failed"
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return "connect timeout"
    return "connection failed"


def _innermost(exc: BaseException) -> str:
    """The root reason, without urllib3's pool and object reprs."""
    reason: Any = exc.args[0] if exc.args else exc
    while getattr(reason, "reason", None) is not None:
        reason = reason.reason
    text = str(reason)
    text = _OBJECT_REPR.sub("", text)
    match = re.search(r"\(Caused by \w+\((.*)\)\)$", text)
    return (match.group(1) if match else text).strip("'\" ")


def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with default ports filled in; for redirect checks."""
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port
