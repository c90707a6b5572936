"""Tab completion over a map: what to offer after ``api.people['alice'].`` in any REPL.

The text before the cursor is matched, not evaluated: only a chain of names,
attributes and literal items (``api.people['alice'].act``) is understood, and
it is walked only through restish clients and proxies, whose navigation sends
nothing. No other object is touched, so this needs no change to IPython's
``evaluation`` policy, and completing never runs user code.

:func:`complete` is shared by the IPython extension (:mod:`restish.ipython`)
and by :class:`ReadlineCompleter`, which the stdlib REPL and ``restish shell
--plain`` use.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

__all__ = ["Candidate", "Completion", "complete", "ReadlineCompleter", "install_readline"]

_STRING = r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\""""
# A chain: name, then .name or [literal] steps.
CHAIN = rf"[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*|\s*\[\s*(?:{_STRING}|-?\d+)\s*\])*"
_ATTRIBUTE = re.compile(rf"(?<![\w.\]'\"])(?P<expr>{CHAIN})\s*\.(?P<prefix>\w*)$")
_KEY = re.compile(rf"(?<![\w.\]'\"])(?P<expr>{CHAIN})\s*\[\s*(?P<quote>['\"]?)(?P<prefix>[^'\"\[\]]*)$")
# Inside a call's parentheses, after "(" or a previous argument: a keyword to offer.
_KEYWORD = re.compile(rf"(?<![\w.\]'\"])(?P<expr>{CHAIN})\((?P<given>(?:[^()]*,)?\s*)(?P<prefix>\w*)$")
_TAIL = 400  # only the end of a long line is looked at


@dataclass(frozen=True)
class Candidate:
    """One name to offer: the text to insert and what it is (``resource``, ``verb``, ``rpc``...)."""

    text: str
    kind: str


@dataclass(frozen=True)
class Completion:
    """The candidates for the ``prefix`` that ends the text (the part they replace)."""

    prefix: str
    candidates: tuple[Candidate, ...]


def complete(text: str, namespace: Mapping[str, Any]) -> Completion | None:
    """Candidates for the end of ``text`` (the line up to the cursor), or None when it is not
    an attribute or item of a restish client or proxy named in ``namespace``."""
    text = text[-_TAIL:]
    match = _ATTRIBUTE.search(text)
    if match:
        target = _walk(match.group("expr"), namespace)
        if target is None:
            return None
        prefix = match.group("prefix")
        return Completion(prefix, tuple(c for c in _attributes(target) if c.text.startswith(prefix)
                                        and (prefix.startswith("_") or not c.text.startswith("_"))))
    match = _KEY.search(text)
    if match:
        target = _walk(match.group("expr"), namespace)
        if target is None:
            return None
        quote, prefix = match.group("quote"), match.group("prefix")
        keys = [k for k in _keys(target) if k.startswith(prefix)]
        if quote:
            return Completion(prefix, tuple(Candidate(k, "resource") for k in keys))
        return Completion(prefix, tuple(Candidate(repr(k), "resource") for k in keys))
    match = _KEYWORD.search(text)
    if match:
        return _keywords(match.group("expr"), match.group("given"), match.group("prefix"), namespace)
    return None


def _keywords(expr: str, given: str, prefix: str, namespace: Mapping[str, Any]) -> Completion | None:
    """``username=`` inside ``api.getUser(us``: the keyword-only parameters of a verb or RPC name."""
    from .client import RpcMethod
    from .verbs import BoundVerb
    target = _walk(expr, namespace, callables=(RpcMethod, BoundVerb))
    if not isinstance(target, (RpcMethod, BoundVerb)):
        return None
    used = set(re.findall(r"(\w+)\s*=", given))
    names = [p.name for p in target.__signature__.parameters.values()
             if p.kind is p.KEYWORD_ONLY and p.name not in used and p.name.startswith(prefix)]
    return Completion(prefix, tuple(Candidate(f"{name}=", "param") for name in names))


def _restish_types() -> tuple[type, ...]:
    from .client import Client
    from .resources import Resource
    return (Client, Resource)


def _walk(expr: str, namespace: Mapping[str, Any], callables: tuple[type, ...] = ()) -> Any:
    """The restish object ``expr`` names, navigated without I/O; None for anything else.

    ``callables``: the last step may also give one of these (a verb, an RPC name).
    """
    try:
        tree = ast.parse(expr.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None
    steps: list[tuple[str, Any]] = []
    while not isinstance(tree, ast.Name):
        if isinstance(tree, ast.Attribute):
            steps.append(("attr", tree.attr))
            tree = tree.value
        elif isinstance(tree, ast.Subscript) and isinstance(tree.slice, ast.Constant):
            steps.append(("item", tree.slice.value))
            tree = tree.value
        else:
            return None
    kinds = _restish_types()
    value = namespace.get(tree.id)
    for kind, key in reversed(steps):
        if not isinstance(value, kinds) or (kind == "attr" and key.startswith("_")):
            return None
        try:
            value = getattr(value, key) if kind == "attr" else value[key]
        except Exception:  # an unknown name: nothing to offer (the call will say why)
            return None
    return value if isinstance(value, kinds + callables) else None


def _attributes(target: Any) -> list[Candidate]:
    """What ``dir()`` of a client or proxy lists, each with its kind."""
    from .client import Client
    from .resources import PROXY_ATTRIBUTES
    from .routes import VERBS
    verbs = {v.lower() for v in VERBS}
    is_client = isinstance(target, Client)
    rpc = target.routes.rpc if is_client else {}
    fixed = set(_keys(target))
    out = []
    for name in dir(target):
        if name in rpc:
            kind = "rpc"
        elif name in verbs:
            kind = "verb"
        elif name in fixed:
            kind = "resource"
        elif name in PROXY_ATTRIBUTES or not is_client:
            kind = "attribute"
        else:
            kind = "client"
        out.append(Candidate(name, kind))
    return out


def _keys(target: Any) -> list[str]:
    keys: Callable[[], list[str]] | None = getattr(target, "_ipython_key_completions_", None)
    return list(keys()) if keys is not None else []


class ReadlineCompleter:
    """A readline completer: restish expressions here, everything else to ``fallback``.

    readline hands a completer only the word after its last delimiter (``.act``
    after ``]``), so the whole line up to the cursor is read from readline.
    ``namespace`` None means the ``__main__`` module's globals, as rlcompleter does.
    """

    def __init__(self, fallback: Callable[[str, int], str | None] | None,
                 namespace: Mapping[str, Any] | None = None) -> None:
        self.fallback, self.namespace = fallback, namespace
        self._matches: list[str] = []

    def __call__(self, text: str, state: int) -> str | None:
        if state == 0:
            self._matches = self._restish_matches(text)
        if self._matches:
            return self._matches[state] if state < len(self._matches) else None
        return self.fallback(text, state) if self.fallback is not None else None

    def _restish_matches(self, text: str) -> list[str]:
        import readline
        line = readline.get_line_buffer()[:readline.get_endidx()]
        try:
            completion = complete(line, self._namespace())
        except Exception:  # a completer must never break the prompt
            return []
        if completion is None or not text.endswith(completion.prefix):
            return []
        head = text[:len(text) - len(completion.prefix)]
        # Verbs and RPC names are called: "(" follows, as rlcompleter adds it for callables.
        return [head + c.text + ("(" if c.kind in ("verb", "rpc") else "") for c in completion.candidates]

    def _namespace(self) -> Mapping[str, Any]:
        if self.namespace is not None:
            return self.namespace
        import __main__
        return vars(__main__)


def install_readline(namespace: Mapping[str, Any] | None = None) -> bool:
    """Make readline's TAB complete restish expressions, the previous completer doing the rest.

    rlcompleter is imported first: its import installs its own completer, and
    the stdlib REPL's start-up would otherwise replace this one with it.
    Returns False where there is no readline (Windows) or it is ours already.
    """
    try:
        import readline
        import rlcompleter
    except ImportError:
        return False
    current = readline.get_completer()
    if isinstance(current, ReadlineCompleter):
        return False
    fallback = current or rlcompleter.Completer(namespace).complete  # type: ignore[arg-type]
    readline.set_completer(ReadlineCompleter(fallback, namespace))
    return True
