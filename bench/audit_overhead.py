"""What the audit trail costs a write: N one-row transactions with and without auditing."""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from minsheng.core.db import Actor, Database
from minsheng.core.migrate import upgrade
from minsheng.core.modules import import_models
from minsheng.org import service
from minsheng.org.models import Unit, UnitKind
from minsheng.org.schemas import UnitCreate


def fresh_url(base: str | None) -> str:
    if not base:
        return f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    name = f"minsheng_bench_{uuid.uuid4().hex[:8]}"
    with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def run(database: Database, n: int, label: str) -> float:
    actor = Actor(kind="system", label="bench")
    with database.session(actor) as db:
        unit = service.create_unit(
            db, data=UnitCreate(name=f"基准单位{label}", kind=UnitKind.department)
        )
        unit_id = unit.id
    start = time.perf_counter()
    for i in range(n):
        with database.session(actor) as db:
            row = db.get(Unit, unit_id)
            assert row is not None
            row.contact_phone = f"0512-{i:08d}"
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument(
        "--url", default=None, help="PostgreSQL server URL; default a temporary SQLite file"
    )
    args = parser.parse_args()
    import_models()
    url = fresh_url(args.url)
    upgrade(url)
    database = Database(url)
    run(database, 50, "warm")
    Unit.__audited__ = False
    baseline = run(database, args.n, "baseline")
    Unit.__audited__ = True
    audited = run(database, args.n, "audited")
    dialect = database.engine.dialect.name
    print(f"database: {dialect}, {args.n} one-row update transactions")
    print(f"  without audit: {baseline / args.n * 1000:.3f} ms/transaction")
    print(f"  with audit:    {audited / args.n * 1000:.3f} ms/transaction")
    print(f"  ratio:         {audited / baseline:.2f}x")
    database.dispose()
    if args.url:  # leave the server as we found it
        name = make_url(url).database
        with create_engine(args.url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
