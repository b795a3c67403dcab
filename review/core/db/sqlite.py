"""A Piccolo SQLite engine for the embedded default: one long-lived connection, no thread hops.

Piccolo's stock SQLite engine opens a new connection for every query (a few hundred
writes a second, with tails over a second under load), and aiosqlite hands every
statement to a helper thread. The embedded default runs in one process, so this
engine keeps one connection in WAL mode with ``synchronous=NORMAL`` and runs each
statement directly on the event loop's thread — an indexed statement takes tens of
microseconds, less than a thread hop. An asyncio lock hands the connection out: a
transaction holds it from BEGIN to COMMIT, a lone statement for that statement.
Other processes (a CLI command beside the server) are ordered by SQLite's own
locking: a statement that finds the database locked by one of them waits with
asyncio.sleep and is tried again (never inside SQLite's busy handler, which would
hold the event loop); anything bigger belongs on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
from types import TracebackType
from typing import Any, NoReturn

from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.query.base import Query
from piccolo.querystring import QueryString

from review.core.db import counting as query_count

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = 1",
    # No waiting inside SQLite, which would hold the event loop: a statement another process keeps waiting is
    # tried again after an asynchronous pause (`_Connection.execute`).
    "PRAGMA busy_timeout = 0",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -32000",
    # Checkpoints run from a helper thread (`checkpoint`), not inside a request's COMMIT.
    "PRAGMA wal_autocheckpoint = 0",
)

BUSY_WAIT = 5.0  # seconds a statement waits for another process's write to end before it fails


class _Connection:
    """sqlite3 behind the awaitable `execute` that Piccolo's transaction code calls."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    async def execute(self, query: str, args: Any = ()) -> list[dict[str, Any]]:
        # sqlite3 runs on the event loop's thread and an await that needs no wait does not give the loop a
        # turn: without this, a job making hundreds of statements in a row would hold every page until it ends.
        await asyncio.sleep(0)
        waited, pause = 0.0, 0.001
        while True:
            try:
                cursor = self.raw.execute(query, args)
            except sqlite3.OperationalError as error:
                # Plain SQLITE_BUSY only: a stale snapshot (SQLITE_BUSY_SNAPSHOT) is not cured by waiting.
                if getattr(error, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY or waited >= BUSY_WAIT:
                    raise
                await asyncio.sleep(pause)
                waited, pause = waited + pause, min(pause * 2, 0.02)
                continue
            try:
                return cursor.fetchall()
            finally:
                cursor.close()

    def close(self) -> None:
        self.raw.close()


class _Shared:
    """The connection and its lock, bound to the event loop that opened them."""

    def __init__(self, loop: asyncio.AbstractEventLoop, connection: _Connection) -> None:
        self.loop = loop
        self.connection = connection
        self.lock = asyncio.Lock()


class SharedConnectionTransaction(SQLiteTransaction):
    """A transaction on the engine's shared connection, holding its lock throughout."""

    engine: SharedConnectionSQLiteEngine  # the one engine that makes these (`transaction`)
    _shared: _Shared

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        shared = self.engine.shared()
        await shared.lock.acquire()
        try:
            self.connection = shared.connection
            await self.begin()  # type: ignore[no-untyped-call]  # unannotated in Piccolo
        except BaseException:
            shared.lock.release()
            raise
        self._shared = shared
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(
        self, exception_type: type[BaseException] | None, exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]  # unannotated in Piccolo
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]  # unannotated in Piccolo
        finally:
            self.engine.current_transaction.reset(self.context)
            self._shared.lock.release()
        return exception is None


class SharedConnectionSQLiteEngine(SQLiteEngine):
    """SQLite with one connection per event loop, WAL mode, statements run in-line."""

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self._shared: _Shared | None = None

    def shared(self) -> _Shared:
        loop = asyncio.get_running_loop()
        current = self._shared
        if current is not None and current.loop is loop:
            return current
        raw = sqlite3.connect(**self.connection_kwargs)
        raw.row_factory = dict_factory
        for pragma in _PRAGMAS:
            raw.execute(pragma).close()
        self._shared = _Shared(loop, _Connection(raw))
        return self._shared

    def _checkpoint(self) -> None:
        with sqlite3.connect(self.connection_kwargs["database"], timeout=5) as helper:
            helper.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
        helper.close()

    async def checkpoint(self) -> None:
        """Copy the write-ahead log back into the database file, on a helper thread."""
        await asyncio.to_thread(self._checkpoint)

    async def close(self) -> None:
        if self._shared is not None:
            shared, self._shared = self._shared, None
            shared.connection.close()

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> list[dict[str, Any]]:
        query, args = querystring.compile_string(engine_type=self.engine_type)
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=str(querystring))
        return await self._run(query, args)

    async def run_ddl(self, ddl: str, in_pool: bool = False) -> list[dict[str, Any]]:
        return await self._run(ddl, [])

    async def _run(self, query: str, args: list[Any]) -> list[dict[str, Any]]:
        query_count.note(query)  # every statement but transaction control: the ORM's, DDL and `db.fetch`
        transaction = self.current_transaction.get()
        if transaction is not None:
            rows: list[dict[str, Any]] = await transaction.connection.execute(query, args)  # a _Connection
            return rows
        shared = self.shared()
        async with shared.lock:
            return await shared.connection.execute(query, args)

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        # Writers take the write lock up front (BEGIN IMMEDIATE) so that two processes
        # never deadlock upgrading a read lock.
        return SharedConnectionTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    async def batch(self, query: Query[Any, Any], batch_size: int = 100, node: str | None = None) -> NoReturn:
        raise NotImplementedError("batch reads are not used on the shared SQLite connection")
