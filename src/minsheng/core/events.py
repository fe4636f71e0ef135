"""Domain events: how one module tells others that something happened, without importing them.

    @on("project.progress_reported")
    def tell_followers(db, *, project_id: int) -> None: ...

    publish(db, "project.progress_reported", project_id=7)

Each subscriber runs as its own background job after the publishing transaction commits,
so a slow or failing subscriber never holds up or undoes the change that raised the event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from minsheng.core.jobs import defer, job

Handler = Callable[..., None]
_SUBSCRIBERS: dict[str, dict[str, Handler]] = defaultdict(dict)


def on(event: str) -> Callable[[Handler], Handler]:
    """Subscribes a function to an event; it receives the event's keyword payload."""

    def register(handler: Handler) -> Handler:
        _SUBSCRIBERS[event][f"{handler.__module__}.{handler.__qualname__}"] = handler
        return handler

    return register


def subscribers(event: str) -> list[str]:
    return sorted(_SUBSCRIBERS.get(event, {}))


def publish(db: Session, event: str, **payload: Any) -> int:
    """Queues every subscriber of `event`; returns how many were queued."""
    names = subscribers(event)
    for name in names:
        defer(db, "events.deliver", event=event, handler=name, payload=payload)
    return len(names)


@job("events.deliver")
def deliver(db: Session, *, event: str, handler: str, payload: dict[str, Any]) -> None:
    """Runs one subscriber of one event, in its own transaction."""
    found = _SUBSCRIBERS.get(event, {}).get(handler)
    if found is None:
        raise LookupError(f"no subscriber {handler} for event {event}")
    found(db, **payload)
