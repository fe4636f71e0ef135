"""Trees kept with a materialised path ("/1/4/9/"): regions, units, categories.

The path makes "this node and everything below it" one prefix query, which permission
scopes and routing rules both need.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput


class TreeNode(Protocol):
    id: Any
    parent_id: Any
    path: Any


Node = TypeVar("Node", bound=TreeNode)


def place(db: Session, node: Node, parent: Node | None) -> None:
    """Sets the node's parent and path, and moves its whole subtree with it."""
    if parent is not None and node.id is not None and parent.path.startswith(node.path):
        raise InvalidInput({"parent_id": "不能把它移到自己或自己的下级之下"})
    old_path = node.path if node.id is not None else None
    node.parent_id = parent.id if parent else None
    db.flush()  # gives a new node its id
    node.path = f"{parent.path if parent else '/'}{node.id}/"
    if old_path and old_path != node.path:
        model: Any = type(node)
        for child in db.scalars(select(model).where(model.path.startswith(old_path))):
            if child.id != node.id:
                child.path = node.path + child.path[len(old_path) :]
    db.flush()


def get_parent(db: Session, model: type[Node], node_id: int | None, field: str) -> Node | None:
    """The chosen parent, or a field error when it does not exist."""
    if node_id is None:
        return None
    node = db.get(model, node_id)
    if node is None:
        raise InvalidInput({field: "所选的上级不存在"})
    return node


def tree_order(nodes: list[Node], sibling_key: Callable[[Node], Any]) -> list[Node]:
    """Parents before their children, siblings sorted by `sibling_key` (paths sort as text)."""
    children: dict[Any, list[Node]] = defaultdict(list)
    ids = {n.id for n in nodes}
    for node in nodes:
        # A node whose parent is filtered out is shown at the top level.
        children[node.parent_id if node.parent_id in ids else None].append(node)
    ordered: list[Node] = []
    stack = sorted(children[None], key=sibling_key, reverse=True)
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(sorted(children[node.id], key=sibling_key, reverse=True))
    return ordered


def depth(path: str) -> int:
    """0 for a root, 1 for its children, and so on."""
    return path.count("/") - 2


def ancestor_ids(path: str) -> list[int]:
    """The ids on a path from the root down to the node itself."""
    return [int(part) for part in path.strip("/").split("/") if part]
