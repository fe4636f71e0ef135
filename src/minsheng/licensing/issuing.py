"""(placeholder: the issuing helper writes credit codes and licenses here)"""

from __future__ import annotations

from sqlalchemy.orm import Session

from minsheng.core.permissions import StaffPrincipal
from minsheng.licensing.models import Application, License


def issue(db: Session, *, app: Application, staff: StaffPrincipal | None = None) -> License:
    """Issues the license of an approved registration (or applies an amendment/deregistration)."""
    raise NotImplementedError
