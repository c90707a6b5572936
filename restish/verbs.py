"""A proxy's verbs (``api.people['alice'].post``): callables whose help() is the map's.

``Verb`` is the descriptor on the proxy class; reading it from a proxy gives a
:class:`BoundVerb`, which makes the call and whose ``__doc__`` and
``__signature__`` describe that route's verb (see :mod:`restish.helpdoc`), so
``help(api.people['x'].activities.post)`` and IPython's ``?`` show the route,
the verb's doc, its default payload and its documented parameters.
"""
from __future__ import annotations

import inspect
from typing import Any

from . import helpdoc

__all__ = ["Verb", "BoundVerb"]


class Verb:
    """``Resource.post``: on the class, this descriptor; on a proxy, a :class:`BoundVerb`."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.__doc__ = f"{method}: {helpdoc.HOW[method]}"  # help(Resource.post)

    def __get__(self, proxy: Any, owner: type | None = None) -> Any:
        return self if proxy is None else BoundVerb(proxy, self.method)


class BoundVerb:
    """One verb of one proxy. Calling it sends the request: ``proxy.post(**kwargs)``."""

    __slots__ = ("_proxy", "method")

    def __init__(self, proxy: Any, method: str) -> None:
        self._proxy, self.method = proxy, method

    def __call__(self, /, **kwargs: Any) -> Any:
        """Make the call: kwargs as payload or query (see above)."""
        return self._proxy._client._call(self._proxy, self.method, kwargs)

    @property
    def __doc__(self) -> str:  # type: ignore[override]  # help() and ? show the route's verb
        proxy = self._proxy
        return helpdoc.verb_help(proxy._route, self.method, proxy.path, default=proxy._default_payload(self.method))

    @property
    def __signature__(self) -> inspect.Signature:
        return helpdoc.verb_signature(self._proxy._route, self.method)

    @property
    def __name__(self) -> str:
        return self.method.lower()

    def __repr__(self) -> str:
        return f"<verb {self.method} {self._proxy.path}>"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, BoundVerb) and other.method == self.method
                and other._proxy == self._proxy)

    def __hash__(self) -> int:
        return hash((self.method, self._proxy))

    def __reduce__(self) -> Any:
        return (getattr, (self._proxy, self.method.lower()))
