"""The database engine: PostgreSQL in production, one SQLite file for the embedded default."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from importlib import import_module
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import unquote, urlparse

from piccolo.conf.apps import Finder
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteTransaction
from piccolo.table import Table, create_db_tables

from review.core import settings
from review.core.audit.chain import GENESIS
from review.core.db import after_commit, bulk, dialect, references, search
from review.core.db import counting as query_count
from review.core.db.sqlite import SharedConnectionSQLiteEngine
from review.core.tables import ChainHead

os.environ.setdefault("PICCOLO_CONF", "review.piccolo_conf")

log = logging.getLogger("review.db")

# What callers ask of the dialect, under the package's name (`db.for_update()`, `db.json_rows(...)`, ...).
aggregates_into_arrays = dialect.aggregates_into_arrays
for_update = dialect.for_update
json_rows = dialect.json_rows
pick = dialect.pick
writes_in_one_statement = dialect.writes_in_one_statement
Insert = bulk.Insert

Engine: TypeAlias = SharedConnectionSQLiteEngine | PostgresEngine  # the engines `make_engine` builds

_engine: Engine | None = None

count_queries = query_count.count_queries  # `with db.count_queries() as counted:` the statements run in a block


class CountedPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine, each statement it runs noted for `count_queries` (tests only look)."""

    async def run_querystring(self, querystring, in_pool: bool = True):  # type: ignore[no-untyped-def]
        query_count.note(querystring)
        return await super().run_querystring(querystring, in_pool=in_pool)

    async def run_ddl(self, ddl: str, in_pool: bool = True):  # type: ignore[no-untyped-def]
        query_count.note(ddl)
        return await super().run_ddl(ddl, in_pool=in_pool)


@functools.cache
def _app_modules() -> tuple[Any, ...]:
    """The `piccolo_app` modules of the Piccolo app registry (APP_REGISTRY of the PICCOLO_CONF module), in its
    order. The registry's module is read when first asked, not imported here: it imports this module."""
    return tuple(import_module(name) for name in Finder().get_app_registry().apps)


def all_tables() -> list[type[Table]]:
    """Every table of the registered apps, each app's in dependency order (its APP_CONFIG.table_classes)."""
    return [table for module in _app_modules() for table in module.APP_CONFIG.table_classes]


def all_indexes() -> list[str]:
    """Indexes the table definitions cannot state (over several columns), as CREATE statements: each app's
    INDEXES, declared beside its APP_CONFIG."""
    declared = [statement for module in _app_modules() for statement in getattr(module, "INDEXES", ())]
    return [*declared, *search.statements(dialect.name())]  # the keyword search's index, per engine


def all_references(engine_type: str) -> list[str]:
    """The references across the apps (each app's REFERENCES): foreign keys on PostgreSQL, triggers on SQLite."""
    declared = [ref for module in _app_modules() for ref in getattr(module, "REFERENCES", ())]
    if engine_type == "sqlite":
        return references.sqlite_statements(declared)
    return references.postgres_statements(declared)


def make_engine(url: str | None = None) -> Engine:
    """Build the engine a database URL names (sqlite:///path or postgresql://…)."""
    url = url or settings.database_url()
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = Path(unquote(parsed.path))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SharedConnectionSQLiteEngine(path=str(path), timeout=10)
    if parsed.scheme in ("postgres", "postgresql"):
        return CountedPostgresEngine(
            config={
                "host": parsed.hostname or "127.0.0.1",
                "port": parsed.port or 5432,
                "user": unquote(parsed.username or "postgres"),
                "password": unquote(parsed.password or "") or None,
                "database": parsed.path.lstrip("/") or "postgres",
            }
        )
    raise ValueError(f"不支持的数据库地址: {parsed.scheme}")


def engine() -> Engine:
    """The process's engine, bound to every table."""
    if _engine is None:
        use_engine(make_engine())
    assert _engine is not None
    return _engine


dialect.bind_with(engine)


def use_engine(new: Engine) -> Engine:
    """Bind every table to `new` (tests switch databases this way)."""
    global _engine
    _engine = new
    dialect.use(new.engine_type)
    for table in all_tables():
        table._meta.db = new
    return new


def is_sqlite() -> bool:
    return dialect.is_sqlite()


async def lock_name(name: str) -> None:
    """Hold a lock on `name` until this transaction ends, for a change with no one row to lock (the first
    version of a category's template, a year's holidays); SQLite's one writer at a time already holds it."""
    if not is_sqlite():
        await fetch("SELECT pg_advisory_xact_lock(hashtextextended({}, 0))", name)


async def start(*, pool_size: int | None = None) -> None:
    """Open the connection pool (PostgreSQL, `DB_POOL_SIZE` connections unless told) or the shared connection."""
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=2, max_size=pool_size or settings.DB_POOL_SIZE, reset=_keep_session)


async def checkpointer(interval: float = 1.0) -> None:
    """Keep SQLite's write-ahead log short (nothing to do on PostgreSQL)."""
    db = engine()
    if not isinstance(db, SharedConnectionSQLiteEngine):
        return
    while True:
        await asyncio.sleep(interval)
        try:
            await db.checkpoint()
        except sqlite3.Error:
            log.warning("SQLite checkpoint failed; will retry", exc_info=True)


async def _keep_session(connection: object) -> None:
    """Release pooled connections without asyncpg's reset round trip: no session state is ever set."""


async def stop() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()
    elif isinstance(db, SharedConnectionSQLiteEngine):
        await db.close()


async def migrate() -> None:
    """Bring the schema up to date: committed migrations on PostgreSQL, table definitions on SQLite."""
    db = engine()
    if isinstance(db, PostgresEngine):
        # lazy: Piccolo's migration runner (and its CLI machinery) is needed only by `migrate` on PostgreSQL
        from piccolo.apps.migrations.commands.forwards import run_forwards

        result = await run_forwards(app_name="all")
        if not result.success:
            raise RuntimeError(result.message)
    else:
        await create_db_tables(*all_tables(), if_not_exists=True)
        for statement in [*all_indexes(), *all_references("sqlite")]:
            await db.run_ddl(statement)
    await ensure_chain_head()


def transaction() -> SQLiteTransaction | PostgresTransaction:
    """A write transaction on the current engine (BEGIN IMMEDIATE on SQLite); what `on_commit` was given inside
    it runs once it has committed."""
    if _request.get() is not None:
        raise RuntimeError("a write transaction was started while serving a read-only request")
    # It enters as Piccolo's own transaction, which is what `async with … as t` binds.
    return after_commit.Committing(engine().transaction())  # type: ignore[return-value]


def on_commit(callback: after_commit.Callback) -> None:
    """Run `callback()` after the current transaction commits (never if it rolls back); at once outside one."""
    after_commit.on_commit(engine().current_transaction.get(), callback)


class _Checkout:
    """A read-only request's connection, checked out of the pool on its first query.

    It stands where Piccolo looks for the current transaction's connection, so the ORM's
    queries and `fetch` alike run on it.
    """

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.held: Any = None

    @property
    def connection(self) -> _Checkout:
        return self

    async def fetch(self, query: str, *args: Any) -> Any:
        if self.held is None:
            self.held = await self.pool.acquire()
        return await self.held.fetch(query, *args)


_request: contextvars.ContextVar[_Checkout | None] = contextvars.ContextVar("review_request", default=None)


@contextlib.asynccontextmanager
async def read_only_request() -> AsyncIterator[None]:
    """Serve a read-only request's queries from one pooled connection, checked out on first use.

    For requests that never open a write transaction (GET pages); starting one inside raises.
    """
    db = engine()
    if not isinstance(db, PostgresEngine) or db.pool is None or db.current_transaction.get() is not None:
        yield
        return
    checkout = _Checkout(db.pool)
    token = _request.set(checkout)
    # The checkout stands in for a transaction, of which Piccolo reads only `connection`.
    piccolo_token = db.current_transaction.set(checkout)  # type: ignore[arg-type]
    try:
        yield
    finally:
        db.current_transaction.reset(piccolo_token)
        _request.reset(token)
        if checkout.held is not None:
            await db.pool.release(checkout.held)


def json_value(value: Any) -> Any:
    """A JSON column's value as read: SQLite and PostgreSQL's `json` type come back as text, parsed here."""
    return json.loads(value) if isinstance(value, str) else value


def json_list(value: Any) -> list[Any]:
    """A JSON array column's items; none for a null."""
    return list(json_value(value) or [])


class Row(dict[str, Any]):
    """A result row whose columns read as attributes too (templates read `case.number` without a failed getattr)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


_placeholders: dict[str, str] = {}


def _numbered(sql: str) -> str:
    """`{}` placeholders as PostgreSQL's $1, $2, … (cached per statement)."""
    if sql not in _placeholders:
        parts = sql.split("{}")
        _placeholders[sql] = "".join(p + (f"${i}" if i < len(parts) else "") for i, p in enumerate(parts, 1))
    return _placeholders[sql]


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one query with `{}` placeholders and return its rows as dicts, with the least overhead.

    Used on the hot read paths. Inside a transaction it runs on the transaction's connection.
    """
    db = engine()
    if isinstance(db, SharedConnectionSQLiteEngine):
        return [Row(r) for r in await db._run(sql.replace("{}", "?"), list(args))]
    assert isinstance(db, PostgresEngine) and db.pool is not None
    query_count.note(sql)
    transaction = db.current_transaction.get()  # a write transaction, or a read-only request's checkout
    if transaction is not None:
        rows = await transaction.connection.fetch(_numbered(sql), *args)
    else:
        async with db.pool.acquire() as connection:
            rows = await connection.fetch(_numbered(sql), *args)
    return [Row(r) for r in rows]


async def insert_many(spec: bulk.Insert, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Insert `rows` (each the values of one, in `spec.types`' order) in the order given, in as few statements as
    the engine takes (`bulk.insert_statements`); the rows its tail returns, if any."""
    found: list[dict[str, Any]] = []
    for statement, args in bulk.insert_statements(spec, rows):
        found += await fetch(statement, *args)
    return found


async def fetch_among(statement: str, values: Sequence[Any], kind: str) -> list[dict[str, Any]]:
    """The rows of `statement` whose `{among}` stands for the list of `values` (of PostgreSQL type `kind`), in as
    few statements as the engine takes (`bulk.among_statements`)."""
    found: list[dict[str, Any]] = []
    for part, args in bulk.among_statements(statement, values, kind):
        found += await fetch(part, *args)
    return found


async def lock_chain_head() -> tuple[str, int]:
    """Lock the audit chain head for this transaction and return (last hash, count).

    Every writer to the audit chain takes this lock, so it also orders anything
    that must be gapless (verdict numbers). SQLite needs no row lock: BEGIN
    IMMEDIATE already gives one writer at a time.
    """
    rows = await ChainHead.raw(f"SELECT last_hash, count FROM chain_head WHERE id = 1{for_update()}").run()
    if not rows:
        raise RuntimeError("audit chain head missing: run `review migrate`")
    return rows[0]["last_hash"], rows[0]["count"]


async def ensure_chain_head() -> None:
    if not await ChainHead.exists().where(ChainHead.id == 1).run():
        await ChainHead.insert(ChainHead(id=1, last_hash=GENESIS, count=0)).run()
