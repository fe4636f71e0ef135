"""One permission mechanism for every module: named permissions granted to roles, scoped to units.

A module declares its permissions in its own permissions.py with `permission(...)`.
A staff member holds roles in units; a role held in a unit covers that unit and every unit below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES: dict[str, str] = {
    "administrator": "系统管理员",
    "supervisor": "督查人员",
    "operator": "话务员/窗口人员",
    "handler": "承办人",
    "registrar": "登记人员",
    "community_worker": "社区工作者/网格员",
    "deputy": "人大代表",
}


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    roles: frozenset[str]


_REGISTRY: dict[str, Permission] = {}


def permission(code: str, label: str, *, roles: set[str] | frozenset[str]) -> Permission:
    """Declares a permission once, at import of a module's permissions.py."""
    unknown = set(roles) - ROLES.keys()
    if unknown:
        raise ValueError(f"unknown roles {unknown} for permission {code}")
    existing = _REGISTRY.get(code)
    if existing is not None:
        return existing
    perm = Permission(code=code, label=label, roles=frozenset(roles))
    _REGISTRY[code] = perm
    return perm


def all_permissions() -> list[Permission]:
    return sorted(_REGISTRY.values(), key=lambda p: p.code)


@dataclass(frozen=True)
class Grant:
    """A role held in a unit; `unit_path` is the unit's materialised path, e.g. "/1/4/"."""

    role: str
    unit_id: int
    unit_path: str
    unit_name: str = ""


@dataclass(frozen=True)
class StaffPrincipal:
    """A signed-in staff member and what they hold."""

    user_id: int
    username: str
    display_name: str
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    via_token: bool = False

    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def can(self, perm: Permission, unit_path: str | None = None) -> bool:
        """True when a role of ours grants `perm`, in a unit covering `unit_path` if given."""
        for grant in self.grants:
            if grant.role not in perm.roles:
                continue
            if unit_path is None or unit_path.startswith(grant.unit_path):
                return True
        return False

    def can_everywhere(self, perm: Permission) -> bool:
        """True when a role granting `perm` is held at a root unit: city-wide settings need it,
        and managers holding it there manage every unit (an installation has one root)."""
        return any(g.role in perm.roles and g.unit_path.count("/") == 2 for g in self.grants)

    def units_for(self, perm: Permission) -> list[str]:
        """The unit paths under which `perm` holds; scoped listings filter by these."""
        return [g.unit_path for g in self.grants if g.role in perm.roles]


@dataclass(frozen=True)
class ResidentPrincipal:
    """A resident who confirmed a phone number with a one-time code."""

    resident_id: int
    phone: str
