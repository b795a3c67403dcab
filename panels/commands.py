"""`review verify-draw ID` and `review import-roster FILE`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any


def _run_with_db(coro_fn: Any, *args: Any, **kwargs: Any) -> Any:
    from review.cli import _with_db

    return asyncio.run(_with_db(coro_fn, *args, **kwargs))


def cmd_verify_draw(args: argparse.Namespace) -> int:
    from panels.services import rounds
    from panels.services import verification as draws
    from review.core.errors import ServiceError

    try:
        if args.round:
            ok, problems = _run_with_db(rounds.verify_round, args.id)
            lines = problems or [f"第 {args.id} 批：用公布的种子和名册快照重新运行，结果与各评议组一致"]
        else:
            _, verification = _run_with_db(draws.verify_panel, args.id)
            ok = verification.ok
            lines = []
            for c in verification.checks:
                lines.append(f"{'✓' if c.ok else '✗'} {c.message}")
                # The office's detail names the members (by id) of each seat that differs.
                lines += [f"    {part}" for part in c.detail.split("；") if part]
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    print("复核通过" if ok else "复核未通过", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def cmd_import_roster(args: argparse.Namespace) -> int:
    from panels.services.roster import import_roster
    from review.core.actors import Actor
    from review.core.errors import ServiceError

    try:
        report = _run_with_db(import_roster, path=Path(args.file), actor=Actor(kind="office", username="import"))
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return 1
    for row in report.rows:
        print(f"第 {row.row} 行：{'可导入' if row.ok else '有误'}，{row.message}")
    if not report.imported:
        print("有误的行须修改后重新导入；本次未导入任何评议员。", file=sys.stderr)
        return 1
    print(f"已导入 {report.imported} 名评议员。")
    return 0


def add_commands(sub: Any) -> None:
    verify = sub.add_parser("verify-draw", help="重新运行评议组抽取并与记录核对")
    verify.add_argument("id", type=int, help="抽取记录编号（评议组编号）；加 --round 时为批次编号")
    verify.add_argument("--round", action="store_true", help="复核一整批批量组成")
    verify.set_defaults(fn=cmd_verify_draw)
    roster = sub.add_parser("import-roster", help="从 CSV 或 XLSX 文件导入评议员（有误则整批不导入）")
    roster.add_argument("file")
    roster.set_defaults(fn=cmd_import_roster)
