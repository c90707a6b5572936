"""The IPython extension: ``%load_ext restish`` completes the map and lets ``?`` reach items.

It adds one matcher through IPython's matcher API (v2). The matcher reads the
text before the cursor (see :mod:`restish.completion`), so completion after
item access (``api.people['alice'].<TAB>``) works under IPython's default
``evaluation`` policy, which does not look through custom ``__getattr__`` and
``__getitem__``. Where it offers names, it asks IPython to drop the other
matchers' guesses (Jedi lists every verb of the proxy class, allowed or not).

IPython's ``?`` syntax takes only integer items (``x[0]?``); a cleanup input
transformer turns ``api.people['alice'].activities.post?`` into the ``%pinfo``
of that name, which IPython then finds part by part.
"""
from __future__ import annotations

import re
from typing import Any

from .completion import CHAIN

__all__ = ["load_ipython_extension", "unload_ipython_extension"]

_IDENTIFIER = "restish.map"
_HELP_LINE = re.compile(rf"^(?P<indent>\s*)(?P<target>{CHAIN})\s*(?P<esc>\?\??)\s*$")


def help_with_items(lines: list[str]) -> list[str]:
    """A one-line cell ``<name with ['text'] items>?`` (or ``??``) as the ``%pinfo`` (``%pinfo2``) of it."""
    if len(lines) != 1:
        return lines
    match = _HELP_LINE.match(lines[0])
    if match is None or not re.search(r"\[\s*['\"]", match.group("target")):
        return lines  # IPython's own ? handles the rest
    magic = "pinfo2" if match.group("esc") == "??" else "pinfo"
    return [f"{match.group('indent')}get_ipython().run_line_magic({magic!r}, {match.group('target')!r})\n"]


def _make_matcher(shell: Any) -> Any:
    from IPython.core.completer import SimpleCompletion, context_matcher

    from .completion import complete  # noqa: the matcher's only import

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
    """Called by ``%load_ext restish``: install the matcher and the ``?`` transformer once."""
    matchers = shell.Completer.custom_matchers
    if not any(getattr(m, "matcher_identifier", None) == _IDENTIFIER for m in matchers):
        try:
            matchers.insert(0, _make_matcher(shell))
        except ImportError:  # IPython before 8.6 has no matcher API v2: the rest still works
            print("restish: completion after item access needs IPython 8.6 or later")
    if help_with_items not in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.append(help_with_items)


def unload_ipython_extension(shell: Any) -> None:
    """Called by ``%unload_ext restish``: remove the matcher."""
    matchers = shell.Completer.custom_matchers
    matchers[:] = [m for m in matchers if getattr(m, "matcher_identifier", None) != _IDENTIFIER]
    if help_with_items in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(help_with_items)
