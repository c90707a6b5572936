"""The size a YAML document takes once its aliases are expanded, bounded before it is built.

An alias (``*a``) repeats the node its anchor (``&a``) names. PyYAML builds
the repeat as a shared reference, which costs nothing until something walks
the data: ``str()`` of a route's ``methods``, ``json.dumps`` of a default
payload, an OpenAPI translation. Nine anchors of nine aliases each fit in
3 KB and stand for 9**9 values ("billion laughs"). So every document restish
reads as YAML (maps, defaults, OpenAPI documents) is measured first, on the
composed node graph, in time linear in its own size, and refused with
``MapError`` when aliases would add more than :data:`ALIAS_BUDGET` nodes.
"""
from __future__ import annotations

from typing import Any

import yaml

from .errors import MapError

__all__ = ["ALIAS_BUDGET", "check_expansion"]

ALIAS_BUDGET = 100_000  # nodes that aliases may add to a document, all of them together


def check_expansion(root: Any, source: str) -> None:
    """Raise MapError when ``root``'s aliases expand it past its own nodes plus :data:`ALIAS_BUDGET`,
    or when an alias refers to a node that contains it (its expansion never ends).

    ``root`` is a composed node (``loader.get_single_node()``), not yet constructed.
    The walk is iterative (deep nesting cannot exhaust the stack) and sizes each
    node once, from the sizes of its children.
    """
    if root is None:
        return
    sizes: dict[int, int] = {}   # id(node) -> its expanded size, once known
    open_: set[int] = set()      # the nodes on the path from the root
    stack: list = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            open_.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in open_:
            raise MapError(f"a YAML alias (line {node.start_mark.line + 1}) refers to a node that contains it; "
                           "its expansion never ends", source, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        open_.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    own, expanded = len(sizes), sizes[id(root)]
    if expanded - own > ALIAS_BUDGET:
        raise MapError(f"YAML aliases expand this document from {own:,} to {expanded:,} values; restish "
                       f"reads documents whose aliases add at most {ALIAS_BUDGET:,} (an alias bomb?)", source)


def _children(node: Any) -> list:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
