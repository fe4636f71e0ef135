"""The audit trail as the API shows it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import BaseModel


class AuditEventRead(BaseModel):
    seq: int
    occurred_at: dt.datetime
    actor_kind: str
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    summary: dict[str, Any]
    client_addr: str | None
    hash: str

    @classmethod
    def of(cls, event: Any) -> AuditEventRead:
        data = {k: getattr(event, k) for k in cls.model_fields if k != "summary"}
        return cls(summary=json.loads(event.summary), **data)
