"""What a package declares of the `review` command: its COMMANDS, a list of Command, which review/cli.py (the
one place that lists them) turns into subcommands, like Piccolo's AppConfig(commands=[...]).

A commands module imports only the standard library and this module at its top: `review --help` must not load
the settings, the database or the application, and `review demo` sets its environment before they load.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from review.core.errors import ServiceError  # plain classes: no settings load


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """For a command that takes none."""


@dataclass(frozen=True)
class Command:
    """One subcommand: `review NAME`, listed with HELP; ADD_ARGUMENTS fills its parser; RUN returns the exit code."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] = no_arguments


# What a command needs set up before it runs (the jobs registry, …): handed in by the composition root, review.cli.
_setups: list[Callable[[], None]] = []


def before_each(setup: Callable[[], None]) -> None:
    """Run `setup` before every command's body (once per `with_db`)."""
    if setup not in _setups:
        _setups.append(setup)


async def with_db(coro_fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Await coro_fn(*args, **kwargs) with the database started; then close the queue, seal the audit events the
    command wrote and stop the database."""
    for setup in _setups:
        setup()
    # lazy: the settings these read are those of the environment the command has set up (see above)
    from review.core import db
    from review.core import jobs as queue
    from review.core.audit import store as audit

    db.engine()
    await db.start()
    try:
        return await coro_fn(*args, **kwargs)
    finally:
        await queue.close()
        await audit.seal()  # the command's own events, sealed now rather than by the next server
        await db.stop()


def run_with_db(coro_fn: Any, *args: Any, **kwargs: Any) -> Any:
    """with_db, run to completion from a command's synchronous body."""
    return asyncio.run(with_db(coro_fn, *args, **kwargs))


def run_import(coro_fn: Any, *args: Any, verb: str = "导入", nothing: str = "本次未写入任何数据",
               **kwargs: Any) -> Any | None:
    """An all-or-nothing import from a command: run it (run_with_db), print each row's report (第 N 行：…), and
    return the report; None, having said why on stderr, when nothing was stored (a bad file or any bad row)."""
    try:
        report = run_with_db(coro_fn, *args, **kwargs)
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return None
    for row in report.rows:
        print(f"第 {row.row} 行：{'可' + verb if row.ok else '有误'}，{row.message}")
    if not report.imported:
        failed = sum(1 for r in report.rows if not r.ok)
        print(f"共 {len(report.rows)} 行，{failed} 行有误：请修改后重新{verb}；{nothing}。", file=sys.stderr)
        return None
    return report
