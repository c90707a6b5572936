"""A Client from a flat mapping of strings: Pyramid settings, a Plone registry, the environment.

::

    restish.url = https://max.example.com
    restish.resources = /etc/max/resources.yaml   # absent: the bundled maps; empty: permissive
    restish.defaults = /etc/max/defaults.yaml
    restish.auth = bearer:TOKEN                   # basic:USER:PASSWORD, maxoauth:USER:TOKEN, a dotted name
    restish.timeout = 5,30                        # or 5
    restish.retries = 3
    restish.verify = true                         # false, or a CA bundle path
    restish.headers = X-Client: portal            # "Name: value" lines, or a JSON object
    restish.token = TOKEN                         # instead of auth, as the restish command reads them:
    restish.user = USER                           # token alone Bearer, token+user MAX OAuth, USER:PASSWORD Basic

Keys are matched after the prefix case-insensitively, so ``from_settings(os.environ,
'RESTISH_')`` reads ``RESTISH_URL``, and the environment the restish command
uses (``RESTISH_URL``, ``RESTISH_TOKEN``, ``RESTISH_USER``, ``RESTISH_SHELL``)
builds the same client. Messages spell keys as the prefix does
(``RESTISH_URL``, ``restish.url``).

An unknown key after a prefix is most likely a typo (``restish.timout``) and
raises InvalidValue, except after an environment-style prefix, one that ends
in ``_``: the environment is shared with other programs (the restish command
has its own ``RESTISH_*`` variables), so there an unknown key is logged as a
warning and ignored. A bad value raises InvalidValue or MapError naming its
key; the values of ``auth``, ``headers`` and ``url`` are never shown.
"""
from __future__ import annotations

import json
import logging
import os
import pkgutil
from collections.abc import Mapping  # not typing's: its isinstance is several times slower
from pathlib import Path
from typing import Any, Callable

from .call import check_timeout
from .client import Client
from .errors import InvalidValue, MapError

__all__ = ["from_settings", "KEYS"]

KEYS = ("url", "resources", "defaults", "auth", "timeout", "retries", "verify", "headers", "token", "user")
_CREDENTIALS = ("token", "user")
_COMMAND_ONLY = frozenset({"shell"})  # the restish command's own preference; no Client option
_TRUE = frozenset({"true", "yes", "on", "y", "t", "1"})
_FALSE = frozenset({"false", "no", "off", "n", "f", "0"})

log = logging.getLogger(__name__)


def from_settings(settings: Mapping[str, Any], prefix: str = "restish.", *,
                  resolve: Callable[[str], Any] | None = None, **overrides: Any) -> Client:
    """A Client built from ``<prefix>url``, ``<prefix>resources``, ... in ``settings``.

    ``resolve`` turns a dotted name in ``<prefix>auth`` into an object (default:
    :func:`pkgutil.resolve_name`; Pyramid passes ``config.maybe_dotted``).
    ``overrides`` are passed to :class:`Client` as they are and win over the
    settings (e.g. ``app=`` or ``session=``). Raises InvalidValue or MapError
    naming the setting key, never a secret value; InvalidValue too for an
    unknown key, unless the prefix ends in ``_`` (then it is logged).
    """
    reader = _Reader(prefix, resolve or pkgutil.resolve_name)
    given = reader.select(settings)
    if not str(given.get("url") or "").strip() and "url" not in overrides:
        raise InvalidValue(f"setting {reader.key('url')} is required")
    kwargs = {name: getattr(reader, name)(value) for name, value in given.items() if name not in _CREDENTIALS}
    if any(name in given for name in _CREDENTIALS):
        kwargs["auth"] = reader.credentials(given)
    kwargs.update(overrides)
    try:
        return Client(**kwargs)
    except MapError as exc:
        key = reader.map_key(exc.source, given)
        if key is None:  # the bundled maps: no setting to blame
            raise
        raise MapError(f"{key}: {exc.reason}", exc.source, exc.line) from exc


class _Reader:
    """Parses one setting each; errors name ``prefix + key``."""

    def __init__(self, prefix: str, resolve: Callable[[str], Any]) -> None:
        self.prefix, self.resolve = prefix, resolve
        # RESTISH_ names RESTISH_URL, not RESTISH_url; restish. names restish.url.
        self.upper = prefix.upper() == prefix != prefix.lower()
        self.lenient = prefix.endswith("_")  # the environment: shared with other programs

    def key(self, name: str) -> str:
        """``name`` after the prefix, in the prefix's case."""
        return f"{self.prefix}{name.upper() if self.upper else name}"

    def select(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """``{name: value}`` for the prefixed keys; None values count as absent.

        Raises InvalidValue for an unknown key, or logs it for an
        environment-style prefix (see the module docstring).
        """
        out = {}
        for key, value in settings.items():
            if not isinstance(key, str) or not key.startswith(self.prefix) or value is None:
                continue
            name = key[len(self.prefix):].lower()
            if name in _COMMAND_ONLY:
                continue
            if name in KEYS:
                out[name] = value
            elif self.lenient:
                log.warning("ignored unknown setting %s (known: %s)", key, self._known())
            else:
                raise InvalidValue(f"unknown setting {key!r} (known: {self._known()})")
        return out

    def _known(self) -> str:
        return ", ".join(self.key(k) for k in KEYS)

    def map_key(self, source: str | None, given: Mapping[str, Any]) -> str | None:
        """The setting a MapError came from: the one naming its file, else resources if given."""
        defaults = given.get("defaults")
        if isinstance(defaults, str) and source and Path(defaults.strip()) == Path(source):
            return self.key("defaults")
        return self.key("resources") if "resources" in given else None

    # -- one method per key ----------------------------------------------

    def url(self, value: Any) -> str:
        text = str(value).strip()
        if not text.lower().startswith(("http://", "https://")):
            raise InvalidValue(f"setting {self.key('url')} must be an http:// or https:// URL")
        return text

    def resources(self, value: Any) -> Any:
        return _map_source(value)

    def defaults(self, value: Any) -> Any:
        return _map_source(value)

    def timeout(self, value: Any) -> Any:
        try:
            return check_timeout(_seconds(value))
        except (ValueError, InvalidValue) as exc:
            raise InvalidValue(f"setting {self.key('timeout')}: expected seconds as '5' or '5,30', "
                               f"got {value!r}") from exc

    def retries(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # an int or a urllib3 Retry given directly
        text = value.strip()
        if not text.isdigit():
            raise InvalidValue(f"setting {self.key('retries')}: expected a whole number >= 0, got {value!r}")
        return int(text)

    def verify(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        text = str(value).strip()
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        if not os.path.exists(text):
            raise InvalidValue(f"setting {self.key('verify')}: expected true, false or a CA bundle path; "
                               f"no such file or directory: {text!r}")
        return text

    def headers(self, value: Any) -> dict[str, str]:
        key = self.key("headers")
        if isinstance(value, Mapping):
            return {str(k): str(v) for k, v in value.items()}
        text = str(value).strip()
        if text.startswith("{"):
            try:
                parsed = json.loads(text)
            except ValueError:
                raise InvalidValue(f"setting {key}: not a valid JSON object") from None  # no value shown
            if not all(isinstance(v, str) for v in parsed.values()):
                raise InvalidValue(f"setting {key}: every header value must be a string")
            return parsed
        return _header_lines(text, key)

    def auth(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # an auth object given directly
        text = value.strip()
        if not text:
            return None
        kind, _, rest = text.partition(":")
        builder = _AUTH_KINDS.get(kind.lower())
        if builder is not None:
            return builder(rest, self.key("auth"))
        return self._dotted_auth(text)

    def credentials(self, given: Mapping[str, Any]) -> Any:
        """``token`` and ``user`` as the restish command reads them; never with ``auth``."""
        if "auth" in given:
            raise InvalidValue(f"settings {self.key('auth')} and {self.key('token')}/{self.key('user')} "
                               f"both set: give one way to authenticate")
        user, token = (str(given.get(name) or "").strip() for name in ("user", "token"))

        def no_password(name: str) -> str:
            raise InvalidValue(f"setting {self.key('user')} has no password: give USER:PASSWORD, "
                               f"or {self.key('token')} too")

        from .auth import credentials  # late: only clients configured with it pay for importing auth
        return credentials(user, token, no_password)

    def _dotted_auth(self, name: str) -> Any:
        try:
            found = self.resolve(name)
        except Exception:  # any import failure; its message would quote a possibly secret value
            raise InvalidValue(f"setting {self.key('auth')}: expected bearer:TOKEN, basic:USER:PASSWORD, "
                               f"maxoauth:USER:TOKEN or an importable dotted name") from None
        # A class is instantiated without arguments; anything else is the auth itself.
        return found() if isinstance(found, type) else found


def _map_source(value: Any) -> Any:
    """A map setting: empty means None (permissive), text a path, anything else as is."""
    if not isinstance(value, str):
        return value
    return value.strip() or None


def _seconds(value: Any) -> Any:
    """``"5"`` -> 5.0, ``"5,30"`` -> (5.0, 30.0); numbers and pairs as they are."""
    if isinstance(value, str):
        parts = tuple(float(p) for p in value.strip().strip("()").split(","))
        return parts[0] if len(parts) == 1 else parts
    return tuple(value) if isinstance(value, list) else value


def _header_lines(text: str, key: str) -> dict[str, str]:
    headers = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, colon, header_value = line.partition(":")
        if not colon or not name.strip():
            raise InvalidValue(f"setting {key}: line {number} is not 'Name: value'")
        headers[name.strip()] = header_value.strip()
    return headers


def _split(rest: str, parts: int, key: str, form: str) -> list[str]:
    values = rest.split(":", parts - 1)
    if len(values) != parts or not all(values):
        raise InvalidValue(f"setting {key}: expected {form}")
    return values


def _basic(rest: str, key: str) -> Any:
    values = _split(rest, 2, key, "basic:USER:PASSWORD")
    from .auth import Basic  # late: only clients configured with it pay for importing auth
    return Basic(*values)


def _bearer(rest: str, key: str) -> Any:
    values = _split(rest, 1, key, "bearer:TOKEN")
    from .auth import Bearer  # late: only clients configured with it pay for importing auth
    return Bearer(*values)


def _maxoauth(rest: str, key: str) -> Any:
    values = _split(rest, 2, key, "maxoauth:USER:TOKEN")
    from .auth import MaxOAuth  # late: only clients configured with it pay for importing auth
    return MaxOAuth(*values)


_AUTH_KINDS: dict[str, Callable[[str, str], Any]] = {"basic": _basic, "bearer": _bearer, "maxoauth": _maxoauth}

