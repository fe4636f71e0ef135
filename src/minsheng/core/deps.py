"""Dependencies every router uses: the request's database session and the client address."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from minsheng.core.db import Actor, Database


def client_addr(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed before the response is sent, rolled back on error."""
    database: Database = request.app.state.database
    with database.session(Actor(kind="anonymous", client_addr=client_addr(request))) as db:
        request.state.db = db
        yield db


DbSession = Annotated[Session, Depends(_db, scope="function")]
ClientAddr = Annotated[str, Depends(client_addr)]
