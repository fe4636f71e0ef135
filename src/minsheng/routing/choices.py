"""Categories as the options of a form's select: grouped by top-level category."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minsheng.core.tree import ancestor_ids
from minsheng.routing import service

Options = list[tuple[str, str]]
Groups = list[tuple[str | None, Options]]


def category_groups(db: Session, *, public_only: bool) -> Groups:
    """Active categories, one group per top-level category; lone ones share a last group."""
    categories = service.list_categories(db, active_only=True, public_only=public_only)
    ids = {c.id for c in categories}
    groups: Groups = []
    lone: Options = []
    for category in categories:
        if any(i in ids for i in ancestor_ids(category.path)[:-1]):
            continue
        below = [c for c in categories if c.path.startswith(category.path) and c is not category]
        if not below:
            lone.append((category.code, category.name))
            continue
        depth = category.path.count("/")
        options = [(c.code, "　" * (c.path.count("/") - depth - 1) + c.name) for c in below]
        # A resident unsure of the sub-kind can still pick the family.
        options.append((category.code, f"其他{category.name}问题"))
        groups.append((category.name, options))
    if lone:
        groups.append(("更多类别", lone))
    return groups
