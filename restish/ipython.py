"""The IPython extension: ``%load_ext restish`` completes the map after ``.`` and ``[``.

It adds one matcher through IPython's matcher API (v2). The matcher reads the
text before the cursor (see :mod:`restish.completion`), so completion after
item access (``api.people['alice'].<TAB>``) works under IPython's default
``evaluation`` policy, which does not look through custom ``__getattr__`` and
``__getitem__``. Where it offers names, it asks IPython to drop the other
matchers' guesses (Jedi lists every verb of the proxy class, allowed or not).
"""
from __future__ import annotations

from typing import Any

__all__ = ["load_ipython_extension", "unload_ipython_extension"]

_IDENTIFIER = "restish.map"


def _make_matcher(shell: Any) -> Any:
    from IPython.core.completer import SimpleCompletion, context_matcher

    from .completion import complete

    @context_matcher(identifier=_IDENTIFIER)
    def restish_matcher(context: Any) -> dict:
        found = complete(context.text_until_cursor, shell.user_ns)
        if found is None or not found.candidates:
            return {"completions": [], "suppress": False}
        completions = [SimpleCompletion(c.text, type=c.kind) for c in found.candidates]
        return {"completions": completions, "suppress": True, "matched_fragment": found.prefix,
                "ordered": True}

    return restish_matcher


def load_ipython_extension(shell: Any) -> None:
    """Called by ``%load_ext restish``: install the matcher once."""
    matchers = shell.Completer.custom_matchers
    if not any(getattr(m, "matcher_identifier", None) == _IDENTIFIER for m in matchers):
        matchers.insert(0, _make_matcher(shell))


def unload_ipython_extension(shell: Any) -> None:
    """Called by ``%unload_ext restish``: remove the matcher."""
    matchers = shell.Completer.custom_matchers
    matchers[:] = [m for m in matchers if getattr(m, "matcher_identifier", None) != _IDENTIFIER]
